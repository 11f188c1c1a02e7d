//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one pipeline behind every command: list both sides, read the base, plan with the command's policy, check the
 * brakes, apply (the database side in one transaction with compare-and-swap, then the folder skill by skill, backing
 * up what is replaced), record the new base, report.
 */
final class Engine {
    /** What a command asks for. {@code maxDelete} is a percentage; {@code backup} saves local copies it replaces. */
    record Request(String command, Cli.Options options, SyncPlan.Policy policy, DatabaseSide.Scope scope,
            boolean check, int maxDelete, boolean backup, boolean strict) {
        Request(String command, Cli.Options options, SyncPlan.Mode mode, DatabaseSide.Scope scope, boolean force,
                boolean backup, boolean strict) {
            this(command, options, new SyncPlan.Policy(mode, force, SyncPlan.Prefer.NONE, false), scope, false, 50,
                    backup, strict);
        }

        /** True when the run must change nothing: --dry-run or --check. */
        boolean readOnly() {
            return options.dryRun || check;
        }

        SyncPlan.Mode mode() {
            return policy.mode();
        }
    }

    /** A run stopped before changing anything: a brake (mass deletion, an empty side). */
    static final class Aborted extends Exception {
        Aborted(String message) {
            super(message);
        }
    }

    /** The outcome of one step as reported: the planned step, possibly turned into a skip or conflict on apply. */
    record Outcome(String skill, String action, String reason) {
    }

    private final Request request;
    private final PrintWriter out;
    private final PrintWriter err;
    private final List<String> warnings = new ArrayList<>();
    private boolean failed;
    private Path backupDir;
    private final long started = System.nanoTime();
    private long lastPhase = started;

    /** With -v, how long each phase took (stderr), so a slow run shows where its time goes. */
    private void phase(String name) {
        long now = System.nanoTime();
        if (request.options().verbose && !request.options().json) {
            err.printf(java.util.Locale.ROOT, "timing: %-28s %6.2f s (total %.2f s)%n", name, (now - lastPhase) / 1e9,
                    (now - started) / 1e9);
        }
        lastPhase = now;
    }

    private Engine(Request request, PrintWriter out, PrintWriter err) {
        this.request = request;
        this.out = out;
        this.err = err;
    }

    static int run(Request request, PrintWriter out, PrintWriter err) throws Exception {
        Engine engine = new Engine(request, out, err);
        List<SyncPlan.Step> steps = engine.run();
        return engine.report(engine.target, steps);
    }

    /** The plan a read-only request makes, without reporting it. */
    static List<SyncPlan.Step> plan(Request request, PrintWriter err) throws Exception {
        if (!request.readOnly()) {
            throw new IllegalArgumentException("plan() is for read-only requests");
        }
        return new Engine(request, new PrintWriter(java.io.Writer.nullWriter()), err).run();
    }

    private Database.Target target;

    private List<SyncPlan.Step> run() throws Exception {
        Cli.Options o = request.options();
        target = Database.resolve(o.db, Cli.env());
        Path skillsDir = o.skillsDir.toAbsolutePath().normalize();
        Path stateFile = SyncState.file(skillsDir, target.identity());
        Map<String, String> base = SyncState.load(stateFile, warnings::add);
        if (!Files.isDirectory(skillsDir) && request.mode() == SyncPlan.Mode.EXPORT) {
            // Import fills a new folder; so may a first sync. A folder that synced before and is gone now is more
            // likely unmounted or mistyped than meant to be empty: the brakes stop that.
            throw new IOException("skills folder " + o.skillsDir + " does not exist (set --skills-dir)");
        }
        if (target.embeddedDefault() && !o.quiet && !o.json) {
            err.println((Files.exists(target.sqliteFile()) ? "using" : "creating")
                    + " the embedded database " + target.sqliteFile() + " (set DATABASE_URL or --db for PostgreSQL)");
        }
        if (!request.readOnly() && request.mode() != SyncPlan.Mode.EXPORT) {
            warnings.addAll(SkillFolder.recover(skillsDir));
        }

        DatabaseSide.Scope scope = request.scope();
        HashCache cache = HashCache.load(skillsDir);
        Map<String, SyncPlan.Side> local = listLocal(skillsDir, scope, cache);
        phase("list the folder");

        Map<String, DatabaseSide.Row> rows = new LinkedHashMap<>();
        List<SyncPlan.Step> steps;
        Map<String, String> baseInPlay = new TreeMap<>();
        boolean committed = false;
        boolean connected = false;
        try (Connection c = request.readOnly() && target.sqliteFile() != null && !Files.exists(target.sqliteFile())
                ? null : Database.connect(target)) {
            connected = true;
            DatabaseSide side = c == null ? null : new DatabaseSide(c, target.dialect());
            if (c != null && !request.readOnly()) {
                Database.ensureSchema(c, target.dialect());
            }
            try (Database.Transaction tx = c == null ? null : new Database.Transaction(c)) {
                boolean writes = request.mode() != SyncPlan.Mode.IMPORT && !request.readOnly();
                if (writes && target.dialect() == Database.Dialect.POSTGRESQL) {
                    try (Statement st = c.createStatement()) {
                        // Serialises writers of this database; released at commit, so it works through poolers.
                        st.execute(SkillSql.LOCK_SYNC);
                    }
                }
                if (c != null && (!request.readOnly() || Database.schemaPresent(c, target.dialect()))) {
                    // Sync filters by status in play (either side's status), so lists every status of the prefix.
                    rows.putAll(side.list(request.mode() == SyncPlan.Mode.SYNC
                            ? new DatabaseSide.Scope("all", scope.pathPrefix()) : scope));
                }
                phase("connect and list the database");
                java.util.Set<String> outOfPlay = request.mode() == SyncPlan.Mode.SYNC && !scope.status().equals("all")
                        ? narrowToStatus(scope.status(), skillsDir, local, rows) : java.util.Set.of();
                base.forEach((p, h) -> {
                    if (scope.contains(p) && !outOfPlay.contains(p)) {
                        baseInPlay.put(p, h);
                    }
                });
                Map<String, SyncPlan.Side> db = new LinkedHashMap<>();
                rows.forEach((p, r) -> db.put(p, new SyncPlan.Side(r.hash(), r.invalid(), r.recordedHash(),
                        r.archived())));
                steps = validateExports(skillsDir, SyncPlan.plan(request.policy(), local, db, baseInPlay));
                phase("plan");
                if (request.mode() == SyncPlan.Mode.SYNC && !request.policy().force()) {
                    brakes(steps, local, rows, baseInPlay, Files.isDirectory(skillsDir));
                }
                if (!request.readOnly()) {
                    steps = applyToDatabase(c, side, skillsDir, steps, rows);
                    tx.commit();
                    committed = true;
                    phase("write the database");
                }
            }
            if (!request.readOnly()) {
                steps = applyToFolder(side, skillsDir, steps, rows);
                phase("write the folder");
            }
        } catch (SQLException e) {
            if (connected && isConnectionLoss(e)) {
                throw new SQLException("lost the connection to " + target.display() + (committed
                        ? " after the database changes committed, while fetching skills: the skill folders already "
                                + "written are complete, the others were not touched; run again"
                        : " before the run committed: the database transaction was rolled back and no folder was "
                                + "changed; run again"), e.getSQLState(), e);
            }
            throw e;
        }
        if (!request.readOnly()) {
            Map<String, String> newBase = new TreeMap<>(base);
            for (SyncPlan.Step s : steps) {
                switch (s.action()) {
                    case UNCHANGED, CREATE_IN_DB, UPDATE_IN_DB -> newBase.put(s.path(), s.localHash());
                    case CREATE_LOCAL, UPDATE_LOCAL -> newBase.put(s.path(), s.dbHash());
                    case ARCHIVE_IN_DB, REMOVE_LOCAL, GONE -> newBase.remove(s.path());
                    default -> {
                    }
                }
            }
            if (committed && !newBase.equals(base)) {
                try {
                    SyncState.save(stateFile, target.display(), skillsDir, newBase);
                } catch (IOException e) {
                    warnings.add("could not record the sync state in " + stateFile + " (" + Cli.describe(e)
                            + "); the next run compares as a first sync");
                }
            }
            try {
                cache.save();
            } catch (IOException e) {
                warnings.add("could not save the file hash cache (" + Cli.describe(e) + ")");
            }
        }
        return steps;
    }

    /**
     * The local side: every skill folder in scope with its hash, from file sizes and times where the cache knows
     * them, the folders hashed on all cores. A folder with a file over --max-file-size is never read: it gets a hash
     * no other copy can have (every comparison is a difference) and the reason it cannot be sent.
     */
    private Map<String, SyncPlan.Side> listLocal(Path skillsDir, DatabaseSide.Scope scope, HashCache cache)
            throws IOException {
        List<String> paths = SkillFolder.list(skillsDir, warnings::add).stream().filter(scope::contains).toList();
        long max = request.options().maxFileSize;
        List<String> found = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, SyncPlan.Side> sides = new java.util.concurrent.ConcurrentHashMap<>();
        try (Progress progress = Progress.of("listing", paths.size(), request.options())) {
            paths.parallelStream().forEach(path -> {
                try {
                    SkillFolder.Digest d = SkillFolder.digest(skillsDir, path, cache, max, found::add);
                    progress.step(1);
                    sides.put(path, d.oversized() != null
                            ? new SyncPlan.Side("oversized:" + Skill.sha256(d.oversized().getBytes(
                                    java.nio.charset.StandardCharsets.UTF_8)), d.oversized(), null)
                            : new SyncPlan.Side(Skill.hashOf(d.files()), null, null));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        found.stream().sorted().forEach(warnings::add);
        Map<String, SyncPlan.Side> local = new LinkedHashMap<>();
        paths.forEach(p -> local.put(p, sides.get(p)));
        return local;
    }

    /**
     * Reads and checks every local skill a step would send to the database, so a skill that cannot be stored
     * faithfully shows as a skip in the plan (dry runs included), and lints it against the Agent Skills
     * specification (warnings, or skips with --strict). Contents are not kept: apply reads them again.
     */
    private List<SyncPlan.Step> validateExports(Path skillsDir, List<SyncPlan.Step> steps) throws IOException {
        List<SyncPlan.Step> checked = new ArrayList<>();
        for (SyncPlan.Step s : steps) {
            if (s.action().writesDb() && s.action() != SyncPlan.Action.ARCHIVE_IN_DB) {
                try {
                    List<String> lint = SkillMapping.toRecord(SkillFolder.read(skillsDir, s.path(), w -> { })).lint();
                    if (!lint.isEmpty() && request.strict()) {
                        checked.add(new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, "SKILL.md: "
                                + String.join("; ", lint) + " (--strict)"));
                        continue;
                    }
                    lint.forEach(problem -> warnings.add("lint: " + s.path() + ": " + problem));
                } catch (InvalidSkill e) {
                    checked.add(new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP,
                            (e.file == null ? "" : e.file + ": ") + e.rule));
                    continue;
                }
            }
            checked.add(s);
        }
        return checked;
    }

    /** A connection that broke or was terminated (SQL state class 08, or 57P01..57P03 administrator shutdown). */
    static boolean isConnectionLoss(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    /**
     * Keeps the skills whose status, on either side, is the one asked for (a local skill's status is its
     * frontmatter's, active when it has none); returns the others, which are out of play (neither touched nor counted
     * as deleted).
     */
    private static java.util.Set<String> narrowToStatus(String status, Path skillsDir, Map<String, SyncPlan.Side> local,
            Map<String, DatabaseSide.Row> rows) throws IOException {
        java.util.Set<String> out = new java.util.HashSet<>();
        Map<String, String> localStatus = new HashMap<>();
        for (String p : local.keySet()) {
            try {
                SkillMapping.SkillRecord r = SkillMapping.toRecord(SkillFolder.read(skillsDir, p, w -> { }));
                localStatus.put(p, r.status() == null ? SkillMapping.DEFAULT_STATUS : r.status());
            } catch (InvalidSkill e) {
                // no status of its own: in play only through the database's
            }
        }
        for (String p : local.keySet()) {
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
            local.remove(p);
            rows.remove(p);
        });
        return out;
    }

    /**
     * Stops a sync before it changes anything when it would delete more than --max-delete percent of either side's
     * skills, or when a side that had skills at the last sync is now empty or missing.
     */
    private void brakes(List<SyncPlan.Step> steps, Map<String, SyncPlan.Side> local, Map<String, DatabaseSide.Row> rows,
            Map<String, String> base, boolean folderExists) throws Aborted {
        if (base.isEmpty()) {
            return;
        }
        String hint = "; nothing was changed (--force overrides this check)";
        if (!folderExists || local.isEmpty()) {
            throw new Aborted("the skills folder " + request.options().skillsDir + (folderExists ? " is empty but held "
                    : " is missing but held ") + base.size() + " skills at the last sync (unmounted or mistyped?)" + hint);
        }
        if (rows.values().stream().noneMatch(r -> !r.archived())) {
            throw new Aborted("the database has no skills in scope but had " + base.size()
                    + " at the last sync (wrong URL, or emptied?)" + hint);
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
     * Applies the database steps in batches, a fixed number of statements per batch, each write compare-and-swap on
     * the fingerprint the plan saw: a row changed meanwhile becomes a conflict. A batch the database refuses is
     * retried skill by skill under savepoints, so one refused skill becomes a skip and the others go through.
     */
    private List<SyncPlan.Step> applyToDatabase(Connection c, DatabaseSide side, Path skillsDir,
            List<SyncPlan.Step> steps, Map<String, DatabaseSide.Row> rows) throws SQLException, IOException {
        side.recordUntouched();
        Map<String, SyncPlan.Step> outcome = new LinkedHashMap<>();
        steps.forEach(s -> outcome.put(s.path(), s));
        List<DatabaseSide.Row> archives = new ArrayList<>();
        List<SyncPlan.Step> writes = new ArrayList<>();
        for (SyncPlan.Step s : steps) {
            if (s.action() == SyncPlan.Action.ARCHIVE_IN_DB) {
                archives.add(rows.get(s.path()));
            } else if (s.action().writesDb()) {
                writes.add(s);
            }
        }
        for (int from = 0; from < archives.size(); from += DatabaseSide.BATCH) {
            List<DatabaseSide.Row> batch = archives.subList(from, Math.min(archives.size(), from + DatabaseSide.BATCH));
            java.util.Set<String> done = side.archive(batch);
            for (DatabaseSide.Row r : batch) {
                if (!done.contains(r.path())) {
                    outcome.put(r.path(), changedMeanwhile(r.path()));
                }
            }
        }
        Map<Long, SkillMapping.SkillRecord> written = new LinkedHashMap<>();
        Progress progress = Progress.of("to database", writes.size(), request.options());
        for (int from = 0; from < writes.size(); from += DatabaseSide.BATCH) {
            progress.step(Math.min(DatabaseSide.BATCH, writes.size() - from));
            List<DatabaseSide.Write> batch = new ArrayList<>();
            List<String> overwritten = new ArrayList<>();
            for (SyncPlan.Step s : writes.subList(from, Math.min(writes.size(), from + DatabaseSide.BATCH))) {
                Skill skill = SkillFolder.read(skillsDir, s.path(), w -> { });
                if (!skill.hash().equals(s.localHash())) {
                    outcome.put(s.path(), new SyncPlan.Step(s.path(), SyncPlan.Action.CONFLICT,
                            "changed in the folder while this run was working; run again"));
                    continue;
                }
                try {
                    batch.add(new DatabaseSide.Write(SkillMapping.toRecord(skill), rows.get(s.path())));
                } catch (InvalidSkill e) {
                    outcome.put(s.path(), new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, e.rule));
                    continue;
                }
                if (s.overwritesChange() && rows.containsKey(s.path())) {
                    overwritten.add(s.path());
                }
            }
            if (!overwritten.isEmpty() && request.backup()) {
                side.fetch(overwritten, f -> backup("database", f.skill()));
            }
            Map<String, Long> ids;
            Savepoint sp = c.setSavepoint();
            try {
                ids = side.write(batch);
                c.releaseSavepoint(sp);
            } catch (SQLException e) {
                c.rollback(sp);
                if (isConnectionLoss(e)) {
                    throw e;
                }
                ids = new HashMap<>();
                for (DatabaseSide.Write w : batch) {
                    Savepoint one = c.setSavepoint();
                    try {
                        ids.putAll(side.write(List.of(w)));
                        c.releaseSavepoint(one);
                    } catch (SQLException refused) {
                        c.rollback(one);
                        if (isConnectionLoss(refused)) {
                            throw refused;
                        }
                        outcome.put(w.record().path(), new SyncPlan.Step(w.record().path(), SyncPlan.Action.SKIP,
                                "the database refused it: " + Cli.describe(refused)));
                        ids.put(w.record().path(), -1L);
                    }
                }
            }
            for (DatabaseSide.Write w : batch) {
                Long id = ids.get(w.record().path());
                if (id == null) {
                    outcome.put(w.record().path(), changedMeanwhile(w.record().path()));
                } else if (id >= 0) {
                    written.put(id, w.record().withoutContent());
                }
            }
        }
        progress.close();
        side.writeRelations(written, warnings::add);
        return new ArrayList<>(outcome.values());
    }

    private static SyncPlan.Step changedMeanwhile(String path) {
        return new SyncPlan.Step(path, SyncPlan.Action.CONFLICT,
                "changed in the database while this run was planning; run again");
    }

    /**
     * Applies the folder steps, fetching database contents a batch at a time. Each is compare-and-swap: the row must
     * still hash as the plan saw it, and the folder must still hash as the plan saw it (or still be absent). What is
     * replaced or removed is backed up first. A folder that cannot be written is an error; the others go through.
     */
    private List<SyncPlan.Step> applyToFolder(DatabaseSide side, Path skillsDir, List<SyncPlan.Step> steps,
            Map<String, DatabaseSide.Row> rows) throws SQLException, IOException {
        Map<String, SyncPlan.Step> outcome = new LinkedHashMap<>();
        steps.forEach(s -> outcome.put(s.path(), s));
        List<String> imports = new ArrayList<>();
        for (SyncPlan.Step s : steps) {
            if (s.action() == SyncPlan.Action.REMOVE_LOCAL) {
                outcome.put(s.path(), writeFolder(skillsDir, s, null));
            } else if (s.action().writesLocal()) {
                imports.add(s.path());
            }
        }
        java.util.Set<String> fetched = new java.util.HashSet<>();
        Progress progress = Progress.of("to folder", imports.size(), request.options());
        side.fetch(imports, f -> {
            fetched.add(f.row().path());
            progress.step(1);
            SyncPlan.Step s = outcome.get(f.row().path());
            if (!f.row().hash().equals(s.dbHash())) {
                outcome.put(s.path(), new SyncPlan.Step(s.path(), SyncPlan.Action.CONFLICT,
                        "changed in the database while this run was working; run again"));
            } else if (f.row().invalid() != null) {
                outcome.put(s.path(), new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, f.row().invalid()));
            } else {
                outcome.put(s.path(), writeFolder(skillsDir, s, f.skill()));
            }
        });
        progress.close();
        for (String path : imports) {
            if (!fetched.contains(path)) {
                outcome.put(path, changedMeanwhile(path));
            }
        }
        return new ArrayList<>(outcome.values());
    }

    /** Writes (or, with a null skill, removes) one skill folder, compare-and-swap on the hash the plan saw. */
    private SyncPlan.Step writeFolder(Path skillsDir, SyncPlan.Step s, Skill skill) {
        Path link = SkillFolder.symlinkOnPath(skillsDir, s.path());
        if (link != null) {
            return new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, "the folder path goes through the "
                    + "symbolic link " + SkillFolder.relative(skillsDir, link) + "; nothing written");
        }
        try {
            Path dir = skillsDir.resolve(s.path());
            Skill now = Files.isDirectory(dir) ? SkillFolder.read(skillsDir, s.path(), w -> { }) : null;
            String nowHash = now == null ? null : now.hash();
            if (nowHash == null ? s.localHash() != null : !nowHash.equals(s.localHash())) {
                return new SyncPlan.Step(s.path(), SyncPlan.Action.CONFLICT,
                        "changed in the folder while this run was working; run again");
            }
            if (now != null) {
                backup("local", now);
            }
            if (skill == null) {
                SkillFolder.remove(skillsDir, s.path());
            } else {
                SkillFolder.write(skillsDir, skill);
            }
            return s;
        } catch (IOException | RuntimeException e) {
            failed = true;
            return new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, "could not write the folder: " + Cli.describe(e));
        }
    }

    /** Saves a version about to be replaced under .skill-fleet/backup/<timestamp>/<side>/<skill path>/. */
    private void backup(String sideName, Skill skill) throws IOException {
        if (!request.backup()) {
            return;
        }
        if (backupDir == null) {
            Path root = SyncState.folder(request.options().skillsDir).resolve("backup");
            String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC));
            Path dir = root.resolve(stamp);
            for (int n = 2; Files.exists(dir); n++) {
                dir = root.resolve(stamp + "-" + n);
            }
            backupDir = dir;
        }
        SkillFolder.write(backupDir.resolve(sideName), skill);
    }

    private int report(Database.Target target, List<SyncPlan.Step> steps) throws IOException {
        Cli.Options o = request.options();
        Map<SyncPlan.Action, Integer> counts = new EnumMap<>(SyncPlan.Action.class);
        for (SyncPlan.Action a : SyncPlan.Action.values()) {
            counts.put(a, 0);
        }
        steps.forEach(s -> counts.merge(s.action(), 1, Integer::sum));
        int code = failed ? Cli.ERROR
                : counts.get(SyncPlan.Action.SKIP) + counts.get(SyncPlan.Action.CONFLICT) > 0 ? Cli.INCOMPLETE : Cli.OK;
        if (request.check() && code != Cli.ERROR && steps.stream().anyMatch(
                s -> s.action() != SyncPlan.Action.UNCHANGED && s.action() != SyncPlan.Action.GONE)) {
            code = Cli.DIFFERENCES;
        }
        if (o.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("command", request.command());
            json.put("database", target.display());
            json.put("skillsDir", o.skillsDir.toString());
            json.put("dryRun", request.readOnly());
            json.put("steps", steps.stream().map(s -> new Outcome(s.path(), s.action().label, s.reason())).toList());
            Map<String, Integer> byLabel = new LinkedHashMap<>();
            counts.forEach((a, n) -> byLabel.put(a.label, n));
            json.put("counts", byLabel);
            json.put("warnings", warnings);
            if (backupDir != null) {
                json.put("backup", backupDir.toString());
            }
            json.put("exitCode", code);
            out.println(Secrets.redact(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json)));
            out.flush();
            return code;
        }
        if (!o.quiet) {
            warnings.forEach(w -> err.println("warning: " + Secrets.redact(w)));
        }
        if (request.readOnly()) {
            int width = Math.max(5, steps.stream().mapToInt(s -> s.path().length()).max().orElse(5));
            out.printf("%-" + width + "s  %-16s  %s%n", "SKILL", "ACTION", "REASON");
            for (SyncPlan.Step s : steps) {
                out.printf("%-" + width + "s  %-16s  %s%n", s.path(), s.action().label, s.reason());
            }
        } else {
            for (SyncPlan.Step s : steps) {
                switch (s.action()) {
                    case SKIP -> err.println("skipped " + s.path() + ": " + Secrets.redact(s.reason()));
                    case CONFLICT -> err.println("conflict " + s.path() + ": " + s.reason());
                    case UNCHANGED, GONE, OTHER_SIDE_NEWER, DELETE_NOT_PROPAGATED -> {
                        if (o.verbose) {
                            out.println(s.action().label + " " + s.path() + ": " + s.reason());
                        }
                    }
                    default -> {
                        if (!o.quiet) {
                            out.println(s.action().label + " " + s.path() + (o.verbose ? ": " + s.reason() : ""));
                        }
                    }
                }
            }
            if (backupDir != null && !o.quiet) {
                err.println("replaced versions saved in " + backupDir);
            }
        }
        if (!o.quiet) {
            int deleted = counts.get(SyncPlan.Action.ARCHIVE_IN_DB) + counts.get(SyncPlan.Action.REMOVE_LOCAL);
            out.println(request.command() + (request.readOnly() ? " (nothing changed)" : "") + ": "
                    + (counts.get(SyncPlan.Action.CREATE_IN_DB) + counts.get(SyncPlan.Action.CREATE_LOCAL)) + " created, "
                    + (counts.get(SyncPlan.Action.UPDATE_IN_DB) + counts.get(SyncPlan.Action.UPDATE_LOCAL)) + " updated, "
                    + (deleted > 0 ? deleted + " deleted, " : "")
                    + (counts.get(SyncPlan.Action.UNCHANGED) + counts.get(SyncPlan.Action.OTHER_SIDE_NEWER)
                            + counts.get(SyncPlan.Action.DELETE_NOT_PROPAGATED))
                    + " unchanged, " + counts.get(SyncPlan.Action.SKIP) + " skipped, "
                    + counts.get(SyncPlan.Action.CONFLICT) + " conflicts"
                    + " (folder " + o.skillsDir + ", database " + target.display() + ")");
        }
        out.flush();
        err.flush();
        return code;
    }
}
