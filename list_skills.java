///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION List the skills in the database, in a folder, or both with which side is ahead
//JAVA 17+
//SOURCES lib/*.java

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "list",
        description = "List the skills in the database as a table (path, name, status, version, files, last "
                + "modified): no SQL console needed. With --local, the skills of the folder; with --both, each "
                + "skill on both sides and which side is ahead since the last sync.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  skill-fleet list --status draft",
            "  skill-fleet list --local -s my-skills",
            "  skill-fleet list --both --skill-path development --json"})
class list_skills implements Callable<Integer>, RunContext.Aware {
    @Mixin Cli.Options options;
    @Mixin Cli.ScopeOptions scope;
    @Mixin Cli.AnyStatusOption status;
    @Spec CommandSpec spec;
    private RunContext context = RunContext.process();

    @Override
    public void use(RunContext context) {
        this.context = context;
    }


    @Option(names = "--local", description = "List the skills of the folder instead of the database.")
    boolean local;

    @Option(names = "--both", description = "List both sides and which one is ahead (from the sync state).")
    boolean both;

    public static void main(String... args) {
        Cli.main(new list_skills(), args);
    }

    @Override
    public Integer call() throws Exception {
        Cli.status(spec, status.status);
        if (local && both) {
            throw new ParameterException(spec.commandLine(), "--local and --both do not go together");
        }
        SkillList.Side side = both ? SkillList.Side.BOTH : local ? SkillList.Side.LOCAL : SkillList.Side.DATABASE;
        return SkillList.run(options.settings(), scope.with(status.status), side, context,
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
