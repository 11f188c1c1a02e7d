///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Sync a folder of agent skills with the skills database, both ways
//JAVA 17+
//SOURCES lib/*.java

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "sync-db",
        description = "Bring the folder and the database in step: skills changed on one side since the last sync go "
                + "to the other; skills new on one side are copied; skills changed on both sides are reported as "
                + "conflicts and left alone.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  sync-db                       # ./skills with $DATABASE_URL (or embedded)",
            "  sync-db --dry-run             # show the plan, change nothing",
            "  sync-db --check               # CI gate: exit 4 if out of step",
            "  sync-db -s team-skills --db jdbc:sqlite:/srv/skills.db"})
class sync_db implements Callable<Integer> {
    @Mixin Cli.Options options;
    @Mixin Cli.ScopeOptions scope;
    @Spec CommandSpec spec;

    @Option(names = "--check", description = "Change nothing; exit 4 when anything would change, 0 when in sync.")
    boolean check;

    public static void main(String... args) {
        Cli.main(new sync_db(), args);
    }

    @Override
    public Integer call() throws Exception {
        return Engine.run(new Engine.Request(spec.name(), options, SyncPlan.Policy.SYNC,
                new DatabaseSide.Scope("all", scope.prefix()), false, check), spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }
}
