///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Sync a folder of agent skills with the skills database, both ways
//JAVA 17+
//SOURCES lib/*.java

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "sync-db",
        description = "Bring the folder and the database in step, comparing each skill with its state at the last "
                + "sync: a skill changed on one side goes to the other; a skill deleted on one side is archived in "
                + "the database or removed from the folder (backed up); one changed on both sides is a conflict and "
                + "left alone. Without an earlier sync, only what exists on one side is copied.",
        modelTransformer = Cli.AgentsHelp.class,
        footerHeading = "%nExamples:%n",
        footer = {
            "  sync-db                       # ./skills with $DATABASE_URL (or embedded)",
            "  sync-db --dry-run             # show the plan, change nothing",
            "  sync-db --check               # drift check: exit 4 if out of step",
            "  sync-db --watch               # keep in step while it runs; Ctrl-C stops it",
            "  sync-db --prefer db --skill-path development",
            "  sync-db --agent cursor --global   # ~/.cursor/skills, flat"})
class sync_db implements Callable<Integer>, RunContext.Aware {
    @Mixin Cli.Options options;
    @Mixin Cli.ScopeOptions scope;
    @Mixin Cli.LayoutOptions layout;
    @Mixin Cli.AnyStatusOption status;
    @Mixin Cli.LintOptions lint;
    @Spec CommandSpec spec;

    private RunContext context = RunContext.process();

    @Override
    public void use(RunContext context) {
        this.context = context;
    }


    @Option(names = "--check", description = "Change nothing; exit 4 when anything would change, 0 when in sync.")
    boolean check;

    @Option(names = "--prefer", paramLabel = "SIDE",
            description = "Resolve conflicts in favour of 'local' or 'db'; the losing version is backed up.")
    String prefer;

    @Option(names = "--no-delete", description = "Never propagate deletions; report them instead.")
    boolean noDelete;

    @Option(names = "--max-delete", paramLabel = "PERCENT", defaultValue = "50",
            description = "Stop, changing nothing, if the sync would delete more than this share of either side's "
                    + "skills (default: ${DEFAULT-VALUE}).")
    int maxDelete;

    @Option(names = {"-f", "--force"},
            description = "Go ahead past the brakes (mass deletion, a side that is empty but had skills).")
    boolean force;

    @Option(names = "--resync",
            description = "Forget the last sync of this folder with this database and compare as a first sync: "
                    + "each side's skills go to the other, skills that differ are conflicts, nothing is deleted "
                    + "(e.g. after the database was reset).")
    boolean resync;

    @Option(names = "--no-merge",
            description = "Report a skill changed on both sides as a conflict without trying a three-way merge.")
    boolean noMerge;

    @Option(names = "--no-backup",
            description = "Do not save replaced or removed versions under .skill-fleet/backup/.")
    boolean noBackup;

    @Option(names = "--watch",
            description = "Keep running: sync again whenever the folder changes (file events, debounced) or the "
                    + "database does (polled every --interval). Only syncs that change something or leave something "
                    + "new different print. Ctrl-C or SIGTERM finishes the sync in progress and exits 0; a brake "
                    + "exits 1; --force and --resync apply to the first sync only.")
    boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "30s",
            converter = Cli.DurationConverter.class,
            description = "With --watch, how often to poll the database: 500ms, 30s, 2m, PT30S "
                    + "(default: ${DEFAULT-VALUE}).")
    java.time.Duration interval;

    public static void main(String... args) {
        Cli.main(new sync_db(), args);
    }

    @Override
    public Integer call() throws Exception {
        Cli.status(spec, status.status);
        SyncPlan.Prefer side = switch (prefer == null ? "" : prefer) {
            case "" -> SyncPlan.Prefer.NONE;
            case "local" -> SyncPlan.Prefer.LOCAL;
            case "db" -> SyncPlan.Prefer.DB;
            default -> throw new ParameterException(spec.commandLine(), "--prefer must be local or db (got '"
                    + prefer + "')");
        };
        if (maxDelete < 0 || maxDelete > 100) {
            throw new ParameterException(spec.commandLine(), "--max-delete must be a percentage from 0 to 100");
        }
        if (watch && (check || options.dryRun)) {
            throw new ParameterException(spec.commandLine(), "--watch changes both sides; it does not go with --check "
                    + "or --dry-run");
        }
        if (!watch && spec.commandLine().getParseResult().hasMatchedOption("--interval")) {
            throw new ParameterException(spec.commandLine(), "--interval is for --watch");
        }
        SyncPlan.Policy policy = new SyncPlan.Policy(SyncPlan.Mode.SYNC, force, side, noDelete, !noMerge);
        Settings folder = layout.folders(spec, options.settings(), context.env(), false).get(0);
        Engine.Request request = new Engine.Request(spec.name(), folder, policy, scope.with(status.status), check,
                maxDelete, !noBackup, lint.strict, resync);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return watch ? Watch.run(request, interval, out, err, context) : Engine.run(request, out, err, context);
    }
}
