import java.nio.file.Path;
import java.sql.Connection;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What a command runs with besides its options: the environment it reads (the process environment, then .env in the
 * working directory), the hooks tests step in with, and a wrapper for the connections it opens (tests count
 * statements through it). Commands run with {@link #process()}; tests pass their own in, never through a static.
 */
record RunContext(Function<String, String> env, Hooks hooks, UnaryOperator<Connection> connections) {
    /** The context of a command started as a process: its environment and .env, SKILL_FLEET_FAILPOINT's hooks. */
    static RunContext process() {
        return new RunContext(Database.environment(Path.of("").toAbsolutePath()), Hooks.fromEnvironment(), c -> c);
    }

    /** A command that takes a context (set before it runs; picocli creates subcommands, see Cli.run). */
    interface Aware {
        void use(RunContext context);
    }
}
