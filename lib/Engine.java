import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one pipeline behind every command: list both sides, read the base, plan with the command's policy, check the
 * brakes, apply (the database side in one transaction, then the folder skill by skill), record the new base, report.
 * The sides ({@link LocalSide}, {@link DatabaseSide}) do the work; the {@link Report} says what happened.
 */
final class Engine {
    /**
     * What a command asks for. {@code maxDelete} is a percentage; {@code backup} saves copies it replaces;
     * {@code resync} forgets the recorded base (a first sync: each side's skills go to the other, nothing deleted).
     */
    record Request(String command, Settings settings, SyncPlan.Policy policy, Scope scope, boolean check,
            int maxDelete, boolean backup, boolean strict, boolean resync) {
        /** A one-way command (export or import): no --check, no brakes. */
        Request(String command, Settings settings, SyncPlan.Mode mode, Scope scope, boolean force, boolean backup,
                boolean strict) {
            this(command, settings, new SyncPlan.Policy(mode, force, SyncPlan.Prefer.NONE, false), scope, false, 50,
                    backup, strict, false);
        }

        /** True when the run must change nothing: --dry-run or --check. */
        boolean readOnly() {
            return settings.dryRun() || check;
        }

        SyncPlan.Mode mode() {
            return policy.mode();
        }
    }

    /** A run stopped before changing anything: a brake (mass deletion, an empty side), a scope matching nothing. */
    static final class Aborted extends Exception {
        Aborted(String message) {
            super(message);
        }
    }

    private final Request request;
    private BaseStore store;
    private Merging merging;
    private final Report report;
    private final LocalSide local;
    private final RunContext context;
    private final Hooks hooks;
    private Database.Target target;

    private Engine(Request request, PrintWriter out, PrintWriter err, RunContext context) {
        this.request = request;
        this.context = context;
        this.hooks = context.hooks();
        this.report = new Report(request.command(), request.settings(), request.readOnly(), request.check(), out, err);
        this.local = new LocalSide(request.settings(), request.backup(), report::warn, hooks);
    }

    /** What a run did: its steps as done, and the exit code they mean. */
    record Outcome(List<SyncPlan.Step> steps, int exitCode) {
    }

    static int run(Request request, PrintWriter out, PrintWriter err, RunContext context) throws Exception {
        return sync(request, out, err, context).exitCode();
    }

    /** One ordinary run, reported; returns what it did (sync-db --watch runs it again and again). */
    static Outcome sync(Request request, PrintWriter out, PrintWriter err, RunContext context) throws Exception {
        Engine engine = new Engine(request, out, err, context);
        List<SyncPlan.Step> steps = engine.run();
        return new Outcome(steps, engine.report.print(engine.target.display(), steps, engine.local.savedIn(),
                engine.local.failed()));
    }

    /** The plan a read-only request makes, without reporting it. */
    static List<SyncPlan.Step> plan(Request request, PrintWriter err, RunContext context) throws Exception {
        if (!request.readOnly()) {
            throw new IllegalArgumentException("plan() is for read-only requests");
        }
        return new Engine(request, new PrintWriter(java.io.Writer.nullWriter()), err, context).run();
    }

    private List<SyncPlan.Step> run() throws Exception {
        Settings o = request.settings();
        target = Database.resolve(o.db(), context.env());
        Path stateFile = SyncState.file(local.dir(), target.identity());
        store = BaseStore.of(stateFile);
        merging = new Merging(local, store, request.policy(), request.strict(), report::warn);
        local.check(request.mode() == SyncPlan.Mode.EXPORT);
        if (target.embeddedDefault()) {
            report.announce((Files.exists(target.sqliteFile()) ? "using" : "creating") + " the embedded database "
                    + target.sqliteFile() + " (set DATABASE_URL or --db for PostgreSQL)");
        }
        // Two runs writing one folder would trip over each other's work folders: the second waits.
        try (LocalSide.Lock lock = request.readOnly() ? null : local.lock(report::announce)) {
            return run(stateFile);
        }
    }

    private List<SyncPlan.Step> run(Path stateFile) throws Exception {
        Settings o = request.settings();
        // Read under the folder's lock: a run that waited plans against the base the run before it recorded.
        Map<String, String> base = request.resync() ? new TreeMap<>() : SyncState.load(stateFile, report::warn);
        Map<String, String> recorded = Map.copyOf(base);
        local.settleLayout(stateFile);
        List<SyncState.Pending> pending = SyncState.loadPending(stateFile);
        if (!request.readOnly() && request.mode() != SyncPlan.Mode.EXPORT) {
            local.recover();
        }

        Scope scope = request.scope();
        Map<String, SyncPlan.Side> localSides = local.list(scope);
        report.phase("list the folder");

        Map<String, DatabaseSide.Row> rows = new LinkedHashMap<>();
        List<SyncPlan.Step> steps;
        Map<String, String> baseInPlay = new TreeMap<>();
        boolean commitSent = false;
        boolean committed = false;
        boolean connected = false;
        try (Connection c = request.readOnly() && target.sqliteFile() != null && !Files.exists(target.sqliteFile())
                ? null : Database.connect(target, context.connections())) {
            connected = true;
            DatabaseSide db = c == null ? null : new DatabaseSide(c, target.dialect());
            if (db != null) {
                db.keepHistory(History.forRun(request.command(), context.env()));
            }
            if (c != null && !request.readOnly()) {
                Database.ensureSchema(c, target.dialect());
            }
            try (Database.Transaction tx = c == null ? null : new Database.Transaction(c)) {
                if (!request.readOnly() && request.mode() != SyncPlan.Mode.IMPORT) {
                    db.beginWrites();
                }
                boolean listed = c != null && (!request.readOnly() || Database.schemaPresent(c, target.dialect()));
                if (listed) {
                    // Sync filters by status in play (either side's status), so lists every status of the prefix.
                    rows.putAll(db.list(request.mode() == SyncPlan.Mode.SYNC ? scope.everyStatus() : scope));
                }
                report.phase("connect and list the database");
                // The flat layout pairs each folder with its database path; some paths it refuses on both sides.
                // (--resync forgets the base, not which path each folder stands for.)
                Map<String, String> refused = local.place(localSides, rows, base, request.resync()
                        ? SyncState.load(stateFile, w -> { }).keySet() : base.keySet(), scope, request.mode(),
                        db == null ? Map::of : db::statuses);
                if (!scope.pathPrefix().isEmpty() && localSides.isEmpty() && rows.isEmpty()
                        && base.keySet().stream().noneMatch(scope::contains)
                        && !(listed && !scope.anyStatus() && db.anyIn(scope.everyStatus()))) {
                    // A mistyped prefix would otherwise pass as "both sides agree" (a CI gate that always passes).
                    throw new Aborted("--skill-path " + scope.pathPrefix() + " matches no skill in the folder or the "
                            + "database");
                }
                Set<String> known = new java.util.TreeSet<>(rows.keySet());
                base.keySet().stream().filter(scope::contains).forEach(known::add);
                known.removeAll(localSides.keySet());
                localSides.putAll(local.behindLinks(known));
                Set<String> outOfPlay = request.mode() == SyncPlan.Mode.SYNC && !scope.anyStatus()
                        ? narrowToStatus(scope.status(), localSides, rows) : Set.of();
                base.forEach((p, h) -> {
                    if (scope.contains(p) && !outOfPlay.contains(p)) {
                        baseInPlay.put(p, h);
                    }
                });
                merging.finishInterrupted(pending, localSides, rows, baseInPlay, base);
                Map<String, SyncPlan.Side> dbSides = new LinkedHashMap<>();
                rows.forEach((p, r) -> dbSides.put(p, new SyncPlan.Side(r.hash(), r.invalid(), r.recordedHash(),
                        r.archived())));
                refused.forEach((p, why) -> {
                    localSides.put(p, SyncPlan.Side.invalid(why));
                    dbSides.put(p, SyncPlan.Side.refusedInDb(why));
                });
                steps = SyncPlan.plan(request.policy(), localSides, dbSides, baseInPlay);
                if (db != null && request.mode() == SyncPlan.Mode.SYNC) {
                    steps = merging.mergeAndRename(steps, baseInPlay, db);
                }
                steps = validateExports(steps);
                report.phase("plan");
                if (request.mode() == SyncPlan.Mode.SYNC && !request.policy().force()) {
                    brakes(steps, localSides, rows, baseInPlay, local.exists());
                }
                hooks.at(Hooks.Moment.PLANNED, null);
                if (!request.readOnly()) {
                    List<SyncPlan.Step> applied = List.of();
                    try {
                        List<SyncPlan.Step> done = db.apply(steps, rows, path -> store.offer(merging.toSend(path)),
                                request.backup() ? local::backupDatabaseVersion : null, o, report::warn);
                        // Before the commit: a run stopped after it is finished by the next (see Merging).
                        merging.journal(stateFile, done);
                        commitSent = true;
                        tx.commit();
                        applied = done;
                    } finally {
                        // Backups of database versions that were not replaced after all (a conflict, a refusal,
                        // a rollback) would say something false: they go.
                        local.keepDatabaseBackupsOf(applied);
                    }
                    steps = applied;
                    committed = true;
                    report.phase("write the database");
                }
            }
            if (!request.readOnly()) {
                hooks.at(Hooks.Moment.COMMITTED, null);
                steps = applyToFolder(db, steps);
                report.phase("write the folder");
                try {
                    db.recordAbsorbed(steps);
                } catch (SQLException e) {
                    report.warn("could not record the skills this run took from other writers as this tool's ("
                            + Cli.describe(e) + "); an export without the sync state may report them as conflicts");
                }
            }
        } catch (SQLException e) {
            if (connected && Database.isConnectionLoss(e)) {
                throw Database.lostConnection(target, e, committed ? Database.Commit.DONE
                        : commitSent ? Database.Commit.UNKNOWN : Database.Commit.NOT_SENT);
            }
            throw e;
        }
        if (!request.readOnly()) {
            recordBase(stateFile, base, recorded, steps);
            local.saveCache();
            report.phase("record the base");
            SyncState.clearPending(stateFile);
        }
        return steps;
    }

    /**
     * Records the new base: each skill both sides now agree on, at the hash they agree on; deleted skills leave it.
     * Written only after the database committed, atomically.
     */
    private void recordBase(Path stateFile, Map<String, String> base, Map<String, String> recorded,
            List<SyncPlan.Step> steps) {
        Map<String, String> newBase = new TreeMap<>(base);
        for (SyncPlan.Step s : steps) {
            switch (s.action()) {
                case ARCHIVE_IN_DB, REMOVE_LOCAL, GONE -> newBase.remove(s.path());
                default -> {
                    if (s.agreedHash() != null) {
                        if (s.from() != null) {
                            newBase.remove(s.from());
                        }
                        newBase.put(s.path(), s.agreedHash());
                    }
                }
            }
        }
        if (!newBase.equals(recorded) || !store.exists()) {
            // The content of each skill's new base, for the merges of later runs (read from the folder, which now
            // holds what both sides agree on).
            store.update(newBase, local::read, report::warn);
        }
        // The run completed: its layout is the folder's (see LocalSide#settleLayout).
        local.recordLayout();
        if (!newBase.equals(recorded)) {
            try {
                SyncState.save(stateFile, target.display(), local.dir(), local.layout().label(), newBase);
            } catch (IOException e) {
                report.warn("could not record the sync state in " + stateFile + " (" + Cli.describe(e)
                        + "); the next run compares with the state of the sync before, which is safe: skills "
                        + "equal on both sides stay unchanged");
            }
        }
    }

    /**
     * Each step that would send a local skill to the database, checked by the folder side (see LocalSide); a merge
     * sends its result, validated and linted when it was made (see Merging).
     */
    private List<SyncPlan.Step> validateExports(List<SyncPlan.Step> steps) {
        return local.checkSendable(steps, request.strict(), s -> s.action().writesDb()
                && s.action() != SyncPlan.Action.ARCHIVE_IN_DB && s.action() != SyncPlan.Action.MERGE);
    }

    /**
     * Keeps the skills whose status, on either side, is the one asked for (a local skill's status is its
     * frontmatter's, active when it has none); returns the others, which are out of play (neither touched nor counted
     * as deleted).
     */
    private Set<String> narrowToStatus(String status, Map<String, SyncPlan.Side> localSides,
            Map<String, DatabaseSide.Row> rows) throws IOException {
        Map<String, String> localStatus = new HashMap<>();
        for (String p : localSides.keySet()) {
            localStatus.put(p, local.status(p));
        }
        Set<String> out = new HashSet<>();
        for (String p : localSides.keySet()) {
            DatabaseSide.Row row = rows.get(p);
            if (!status.equals(localStatus.get(p)) && (row == null || !status.equals(row.status()))) {
                out.add(p);
            }
        }
        for (Map.Entry<String, DatabaseSide.Row> e : rows.entrySet()) {
            if (!status.equals(e.getValue().status()) && !status.equals(localStatus.get(e.getKey()))) {
                out.add(e.getKey());
            }
        }
        out.forEach(p -> {
            localSides.remove(p);
            rows.remove(p);
        });
        return out;
    }

    /**
     * Stops a sync before it changes anything when it would delete more than --max-delete percent of either side's
     * skills, or when a side that had skills at the last sync is now empty or missing.
     */
    private void brakes(List<SyncPlan.Step> steps, Map<String, SyncPlan.Side> localSides,
            Map<String, DatabaseSide.Row> rows, Map<String, String> base, boolean folderExists) throws Aborted {
        if (base.isEmpty()) {
            return;
        }
        String hint = "; nothing was changed (--force goes ahead)";
        String resync = "; --resync instead forgets the last sync and copies each side's skills to the other, "
                + "deleting nothing";
        if (!folderExists || localSides.isEmpty()) {
            throw new Aborted("the skills folder " + request.settings().skillsDir() + (folderExists
                    ? " is empty but held " : " is missing but held ") + base.size()
                    + " skills at the last sync (unmounted or mistyped?); nothing was changed. --force would archive "
                    + "them in the database" + resync);
        }
        if (rows.values().stream().noneMatch(r -> !r.archived())) {
            throw new Aborted("the database has no skills in scope but had " + base.size()
                    + " at the last sync (wrong URL, or emptied?); nothing was changed. --force would remove them "
                    + "from the folder" + resync);
        }
        long removals = steps.stream().filter(s -> s.action() == SyncPlan.Action.REMOVE_LOCAL).count();
        long archives = steps.stream().filter(s -> s.action() == SyncPlan.Action.ARCHIVE_IN_DB).count();
        int max = request.maxDelete();
        if (removals * 100 > (long) max * base.size()) {
            throw new Aborted("the sync would remove " + removals + " of " + base.size() + " local skills, more than "
                    + max + "% (--max-delete)" + hint);
        }
        if (archives * 100 > (long) max * base.size()) {
            throw new Aborted("the sync would archive " + archives + " of " + base.size() + " database skills, more "
                    + "than " + max + "% (--max-delete)" + hint);
        }
    }

    /**
     * Applies the folder steps, streaming database contents a batch at a time into the folder. Each is
     * compare-and-swap: the row must still hash as the plan saw it, and the folder too (see {@link LocalSide#write}).
     */
    private List<SyncPlan.Step> applyToFolder(DatabaseSide db, List<SyncPlan.Step> steps)
            throws SQLException, IOException {
        Map<String, SyncPlan.Step> outcome = new LinkedHashMap<>();
        steps.forEach(s -> outcome.put(s.path(), s));
        List<String> imports = new ArrayList<>();
        for (SyncPlan.Step s : steps) {
            if (s.action() == SyncPlan.Action.REMOVE_LOCAL) {
                outcome.put(s.path(), local.write(s, null));
            } else if (s.action() == SyncPlan.Action.MERGE) {
                outcome.put(s.path(), local.write(s, store.offer(merging.result(s.path()))));
            } else if (s.action().writesLocal()) {
                imports.add(s.path());
            }
        }
        Set<String> fetched = new HashSet<>();
        try (Progress progress = Progress.of("to folder", imports.size(), request.settings());
                LocalSide.Writes writes = local.writes(store::offer)) {
            db.fetch(imports, f -> {
                fetched.add(f.row().path());
                progress.step(1);
                SyncPlan.Step s = outcome.get(f.row().path());
                if (f.row().invalid() != null) {
                    outcome.put(s.path(), new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, f.row().invalid()));
                } else if (!f.row().hash().equals(s.dbHash())) {
                    outcome.put(s.path(), new SyncPlan.Step(s.path(), SyncPlan.Action.CONFLICT,
                            "changed in the database while this run was working; run again"));
                } else {
                    writes.submit(s, f.skill());
                }
            });
            writes.done().forEach(s -> outcome.put(s.path(), s));
        }
        for (String path : imports) {
            if (!fetched.contains(path)) {
                outcome.put(path, DatabaseSide.changedMeanwhile(path));
            }
        }
        return new ArrayList<>(outcome.values());
    }
}
