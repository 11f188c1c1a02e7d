///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Find skills in the database by words in their name, description and body, best match first
//JAVA 17+
//SOURCES lib/*.java

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "find",
        description = "Search the skills in the database by words in their name, description and body, best match "
                + "first (path, name, status, score, snippet with the matches in [brackets]). Words as in a web "
                + "search: all must match, \"quoted words\" as a phrase, or between alternatives, -word to exclude "
                + "(then quote the words as one argument, or put -- before them). Nothing found: no output, a line "
                + "on stderr, exit 0.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  skill-fleet find python testing",
            "  skill-fleet find '\"unit tests\" or pytest -java' --status all --limit 3",
            "  skill-fleet find jdbc --json"})
class find_skills implements Callable<Integer>, RunContext.Aware {
    @Mixin Cli.DatabaseOptions options;
    @Mixin Cli.ScopeOptions scope;
    @Spec CommandSpec spec;
    private RunContext context = RunContext.process();

    @Parameters(paramLabel = "WORDS", arity = "1..*", description = "What to look for.")
    java.util.List<String> words;

    @Option(names = "--status", paramLabel = "STATUS", defaultValue = "active",
            description = "Only skills with this status: active, draft, deprecated, archived or all "
                    + "(default: ${DEFAULT-VALUE}).")
    String status;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "10",
            description = "Show at most this many skills (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public void use(RunContext context) {
        this.context = context;
    }

    public static void main(String... args) {
        Cli.main(new find_skills(), args);
    }

    @Override
    public Integer call() throws Exception {
        Cli.status(spec, status);
        if (limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1 or more (got " + limit + ")");
        }
        String text = String.join(" ", words).strip();
        if (text.isEmpty()) {
            throw new ParameterException(spec.commandLine(),
                    "give the words to look for, e.g. skill-fleet find python");
        }
        return SkillSearch.run(new SkillSearch.Request(options.db, text, scope.with(status), limit, options.json,
                options.quiet), context, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
