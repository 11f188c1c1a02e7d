///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Check what a run needs, one line per check with its fix: Java, database, schema, pooler, TLS, state, backups
//JAVA 17+
//SOURCES lib/*.java

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "doctor",
        description = "Check what a run needs, one line per check, each failing one with its fix: the Java version; "
                + "the database reachable (and how long connecting took: a slow first connection is a serverless "
                + "database waking up); the server version; the schema against every table, column, type and enum "
                + "value the tool reads or writes; a pooler in front and whether prepared statements are off; a "
                + "remote host without sslmode=verify-full (a warning); the sync state of the folder and which "
                + "database it belongs to; the size of the backup folder. Exit 0 when no check fails (warnings "
                + "allowed), 1 otherwise. Writes nothing, not even the schema.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  skill-fleet doctor",
            "  skill-fleet doctor --db \"$DATABASE_URL\" -s ~/.claude/skills",
            "  skill-fleet doctor --json"})
class doctor implements Callable<Integer>, RunContext.Aware {
    @Mixin Cli.Options options;
    @Spec CommandSpec spec;
    private RunContext context = RunContext.process();

    @Override
    public void use(RunContext context) {
        this.context = context;
    }

    public static void main(String... args) {
        Cli.main(new doctor(), args);
    }

    @Override
    public Integer call() throws Exception {
        return Doctor.run(options.settings(), context, spec.commandLine().getOut());
    }
}
