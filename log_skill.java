///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION List the versions of a skill the database keeps, the current one first
//JAVA 17+
//SOURCES lib/*.java

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "log",
        description = "List a skill's versions: the one the database holds now, then each version a run replaced, "
                + "archived or restored over, newest first (number, when, why, which command, user@host, hash, files, "
                + "size).",
        footerHeading = "%nExamples:%n",
        footer = {
            "  skill-fleet log development/languages/python",
            "  skill-fleet log writing/technical-writing --json"})
class log_skill implements Callable<Integer>, RunContext.Aware {
    @Mixin Cli.Options options;
    @Spec CommandSpec spec;
    private RunContext context = RunContext.process();

    @Parameters(paramLabel = "SKILL", description = "The skill's path, e.g. development/languages/python.")
    String skill;

    @Override
    public void use(RunContext context) {
        this.context = context;
    }

    public static void main(String... args) {
        Cli.main(new log_skill(), args);
    }

    @Override
    public Integer call() throws Exception {
        return History.log(options.settings(), skill, context, spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }
}
