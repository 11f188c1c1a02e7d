///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Show how the skills of a folder differ from the database's copies (or the last sync), as unified diffs
//JAVA 17+
//SOURCES lib/*.java

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "diff",
        description = "Show how each skill in the folder differs from the database's copy (with --base: from the "
                + "last sync): a unified diff per file (--- the database, +++ the folder), files added and removed, "
                + "executable-bit changes, and binary files with their sizes. Exit 0 when nothing differs, 4 when "
                + "something does. Changes nothing.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  skill-fleet diff                                  # every skill",
            "  skill-fleet diff development/languages/python     # one skill",
            "  skill-fleet diff --base                           # what changed here since the last sync",
            "  skill-fleet diff --skill-path development | less -R"})
class diff_skills implements Callable<Integer>, RunContext.Aware {
    @Mixin Cli.Options options;
    @Mixin Cli.ScopeOptions scope;
    @Spec CommandSpec spec;
    private RunContext context = RunContext.process();

    @Override
    public void use(RunContext context) {
        this.context = context;
    }

    @Parameters(paramLabel = "SKILL", arity = "0..*",
            description = "Skills to compare, by path below the skills folder (e.g. development/languages/python) or "
                    + "by folder; default: every skill in scope.")
    List<String> skills = new ArrayList<>();

    @Option(names = "--base", description = "Compare the folder with the last sync of this folder with the database "
            + "(what both sides held then, kept beside the sync state), not with the database: what was changed here "
            + "since. Needs no connection.")
    boolean base;

    @Option(names = "--color", paramLabel = "WHEN", arity = "0..1", fallbackValue = "always", defaultValue = "auto",
            description = "Colour the diff: auto (when the output is a terminal and NO_COLOR is unset), always or "
                    + "never (default: ${DEFAULT-VALUE}).")
    String color;

    @Option(names = "--no-color", description = "Never colour the diff (--color=never).")
    boolean noColor;

    public static void main(String... args) {
        Cli.main(new diff_skills(), args);
    }

    @Override
    public Integer call() throws Exception {
        if (options.json) {
            throw new ParameterException(spec.commandLine(), "diff prints a unified diff; it has no --json");
        }
        boolean colored = switch (noColor ? "never" : color) {
            case "always" -> true;
            case "never" -> false;
            case "auto" -> Progress.isTerminal(1) && (context.env().apply("NO_COLOR") == null
                    || context.env().apply("NO_COLOR").isEmpty());
            default -> throw new ParameterException(spec.commandLine(), "--color must be auto, always or never (got '"
                    + color + "')");
        };
        return SkillComparison.run(new SkillComparison.Request(options.settings(), scope.with("all"), skills,
                base, colored), context, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
