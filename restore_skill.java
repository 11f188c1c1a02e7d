///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Bring a kept version of a skill back into the folder (or the database)
//JAVA 17+
//SOURCES lib/*.java

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "restore",
        description = "Bring a kept version of a skill back into the folder, backing up what is there; the next "
                + "sync-db sends it to the database (an archived row becomes active again, same skill_id). Without "
                + "--version, the version kept when the skill was archived: undelete. With --to-db, write it to the "
                + "database instead.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  skill-fleet restore writing/technical-writing           # undelete, then: skill-fleet sync-db",
            "  skill-fleet restore development/languages/python --version 12",
            "  skill-fleet restore development/languages/python --version 3f9a2c --to-db"})
class restore_skill implements Callable<Integer>, RunContext.Aware {
    @Mixin Cli.Shared options;
    @Spec CommandSpec spec;
    private RunContext context = RunContext.process();

    @Parameters(paramLabel = "SKILL", description = "The skill's path, e.g. development/languages/python.")
    String skill;

    @Option(names = "--version", paramLabel = "V",
            description = "The version to bring back: its number in skill-fleet log, or a prefix of its hash (at "
                    + "least 4 characters). Default: the version kept when the skill was archived or removed.")
    String version;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--to-db", description = "Write the version to the database (compare-and-swap, the version it "
            + "replaces kept in history) instead of the folder.")
    boolean toDb;

    @Option(names = "--no-backup", description = "Do not save the folder's copy it replaces under "
            + ".skill-fleet/backup/.")
    boolean noBackup;

    @Override
    public void use(RunContext context) {
        this.context = context;
    }

    public static void main(String... args) {
        Cli.main(new restore_skill(), args);
    }

    @Override
    public Integer call() throws Exception {
        return History.restore(options.settings(), skill, version, toDb, !noBackup, context,
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
