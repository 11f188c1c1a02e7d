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
            boolean check, int maxDelete, boolean backup) {
        Request(String command, Cli.Options options, SyncPlan.Mode mode, DatabaseSide.Scope scope, boolean force,
                boolean backup) {
            this(command, options, new SyncPlan.Policy(mode, force, SyncPlan.Prefer.NONE, false), scope, false, 50,
                    backup);
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

    private Engine(Request request, PrintWriter out, PrintWriter err) {
        this.request = request;
        this.out = out;
        this.err = err;
    }

    static int run(Request request, PrintWriter out, PrintWriter err) throws Exception {
        return new Engine(request, out, err).run();
    }

    private int run() throws Exception {
        Cli.Options o = request.options();
        Database.Target target = Database.resolve(o.db, Cli.env());
        Path skillsDir = o.skillsDir.toAbsolutePath().normalize();
        Path stateFile = SyncState.file(skillsDir, target.identity());
        Map<String, String> base = SyncState.load(stateFile, warnings::add);
        if (!Files.isDirectory(skillsDir)) {
            // Import fills a new folder; so may a first sync. A folder that synced before and is gone now is more
            // likely unmounted or mistyped than meant to be empty: the brakes below stop that.
            if (request.mode() == SyncPlan.Mode.EXPORT) {
                throw new IOException("skills folder " + o.skillsDir + " does not exist (set --skills-dir)");
            }
        }
        if (target.embeddedDefault() && !o.quiet && !o.json) {
            err.println((Files.exists(target.sqliteFile()) ? "using" : "creating")
                    + " the embedded database " + target.sqliteFile() + " (set DATABASE_URL or --db for PostgreSQL)");
        }

        if (!request.readOnly() && request.mode() != SyncPlan.Mode.EXPORT) {
            warnings.addAll(SkillFolder.recover(skillsDir));
        }

        DatabaseSide.Scope scope = request.scope();
        Map<String, Skill> localSkills = new TreeMap<>(Skill::compareUtf8);
        Map<String, SyncPlan.Side> local = new LinkedHashMap<>();
        Map<String, String> localStatus = new HashMap<>();
        Map<String, SkillMapping.SkillRecord> records = new LinkedHashMap<>();
        for (String path : SkillFolder.list(skillsDir, warnings::add)) {
            if (!scope.contains(path)) {
                continue;
            }
            Map.Entry<String, Long> big = SkillFolder.oversized(skillsDir, path, o.maxFileSize);
            if (big != null) {
                // Never read into memory; a hash no other copy can have makes every comparison a difference.
                local.put(path, new SyncPlan.Side("oversized:" + big.getKey() + ":" + big.getValue(), big.getKey()
                        + ": " + big.getValue() + " bytes, over --max-file-size (" + o.maxFileSize + " bytes)", null));
                continue;
            }
            Skill skill = SkillFolder.read(skillsDir, path, warnings::add);
            localSkills.put(path, skill);
            String invalid = null;
            try {
                SkillMapping.SkillRecord record = SkillMapping.toRecord(skill);
                records.put(path, record);
                localStatus.put(path, record.status() == null ? SkillMapping.DEFAULT_STATUS : record.status());
            } catch (InvalidSkill e) {
                invalid = (e.file == null ? "" : e.file + ": ") + e.rule;
            }
            local.put(path, new SyncPlan.Side(skill.hash(), invalid, null));
        }

        Map<String, DatabaseSide.Row> rows = new LinkedHashMap<>();
        List<SyncPlan.Step> steps;
        Map<String, String> baseInPlay = new TreeMap<>();
        boolean dbTouched = false;
        boolean[] committed = {false};
        boolean[] connected = {false};
        try (Connection c = request.readOnly() && target.sqliteFile() != null && !Files.exists(target.sqliteFile())
                ? null : Database.connect(target)) {
            connected[0] = true;
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
                    // Sync filters by status in play (either side's status), so reads every status of the prefix.
                    DatabaseSide.Scope read = request.mode() == SyncPlan.Mode.SYNC
                            ? new DatabaseSide.Scope("all", scope.pathPrefix()) : scope;
                    rows.putAll(new DatabaseSide(c).read(read));
                }
                java.util.Set<String> outOfPlay = request.mode() == SyncPlan.Mode.SYNC && !scope.status().equals("all")
                        ? narrowToStatus(scope.status(), local, localStatus, rows) : java.util.Set.of();
                base.forEach((p, h) -> {
                    if (scope.contains(p) && !outOfPlay.contains(p)) {
                        baseInPlay.put(p, h);
                    }
                });
                Map<String, SyncPlan.Side> db = new LinkedHashMap<>();
                rows.forEach((p, r) -> db.put(p, new SyncPlan.Side(r.hash(), r.invalid(), r.recordedHash(),
                        r.archived())));
                steps = SyncPlan.plan(request.policy(), local, db, baseInPlay);
                if (request.mode() == SyncPlan.Mode.SYNC && !request.policy().force()) {
                    brakes(steps, local, rows, baseInPlay, Files.isDirectory(skillsDir));
                }
                if (!request.readOnly()) {
                    steps = applyToDatabase(c, target.dialect(), skillsDir, steps, records, rows);
                    tx.commit();
                    committed[0] = true;
                    dbTouched = true;
                }
            }
        } catch (SQLException e) {
            if (connected[0] && !committed[0] && isConnectionLoss(e)) {
                throw new SQLException("lost the connection to " + target.display() + " before the run committed: "
                        + "the database transaction was rolled back and no folder was changed; run again", e.getSQLState(), e);
            }
            throw e;
        }
        if (!request.readOnly()) {
            steps = applyToFolder(skillsDir, steps, localSkills, rows);
            Map<String, String> newBase = new TreeMap<>(base);
            for (SyncPlan.Step s : steps) {
                switch (s.action()) {
                    case UNCHANGED, CREATE_IN_DB, UPDATE_IN_DB -> newBase.put(s.path(), local.get(s.path()).hash());
                    case CREATE_LOCAL, UPDATE_LOCAL -> newBase.put(s.path(), rows.get(s.path()).hash());
                    case ARCHIVE_IN_DB, REMOVE_LOCAL, GONE -> newBase.remove(s.path());
                    default -> {
                    }
                }
            }
            if (dbTouched && !newBase.equals(base)) {
                try {
                    SyncState.save(stateFile, target.display(), skillsDir, newBase);
                } catch (IOException e) {
                    warnings.add("could not record the sync state in " + stateFile + " (" + Cli.describe(e)
                            + "); the next run compares as a first sync");
                }
            }
        }
        return report(target, steps);
    }

    /** A connection that broke or was terminated (SQL state class 08, or 57P01..57P03 administrator shutdown). */
    static boolean isConnectionLoss(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    /**
     * Keeps the skills whose status, on either side, is the one asked for; returns the others, which are out of play
     * (neither touched nor counted as deleted).
     */
    private static java.util.Set<String> narrowToStatus(String status, Map<String, SyncPlan.Side> local,
            Map<String, String> localStatus, Map<String, DatabaseSide.Row> rows) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String p : new java.util.TreeSet<>(local.keySet())) {
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
            throw new Aborted("the skills folder " + request.options().skillsDir + " is " + (folderExists ? "empty"
                    : "missing") + " but held " + base.size() + " skills at the last sync (unmounted or mistyped?)"
                    + hint);
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
     * Writes every database step under its own savepoint, each compare-and-swap: the row must still hash as the plan
     * saw it (on PostgreSQL it is locked first). A row changed meanwhile becomes a conflict, one the database refuses
     * a skip; the others go through.
     */
    private List<SyncPlan.Step> applyToDatabase(Connection c, Database.Dialect dialect, Path skillsDir,
            List<SyncPlan.Step> steps, Map<String, SkillMapping.SkillRecord> records,
            Map<String, DatabaseSide.Row> rows) throws SQLException, IOException {
        DatabaseSide side = new DatabaseSide(c);
        List<SyncPlan.Step> applied = new ArrayList<>();
        Map<Long, SkillMapping.SkillRecord> written = new LinkedHashMap<>();
        for (SyncPlan.Step s : steps) {
            if (!s.action().writesDb()) {
                applied.add(s);
                continue;
            }
            Savepoint sp = c.setSavepoint();
            try {
                DatabaseSide.Row now = side.current(s.path(), dialect);
                String nowHash = now == null ? null : now.hash();
                if (nowHash == null ? s.dbHash() != null : !nowHash.equals(s.dbHash())) {
                    c.rollback(sp);
                    applied.add(new SyncPlan.Step(s.path(), SyncPlan.Action.CONFLICT,
                            "changed in the database while this run was planning; run again"));
                    continue;
                }
                if (s.action() == SyncPlan.Action.ARCHIVE_IN_DB) {
                    side.archive(now.skillId());
                } else {
                    if (s.overwritesChange() && now != null) {
                        backup("database", now.skill());
                    }
                    SkillMapping.SkillRecord record = records.get(s.path());
                    if (now != null && now.archived()) {
                        record = record.restoring();
                    }
                    written.put(side.write(record, now == null ? null : now.skillId()), record);
                }
                c.releaseSavepoint(sp);
                applied.add(s);
            } catch (SQLException e) {
                c.rollback(sp);
                applied.add(new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP,
                        "the database refused it: " + Cli.describe(e)));
            }
        }
        for (Map.Entry<Long, SkillMapping.SkillRecord> w : written.entrySet()) {
            side.writeRelations(w.getKey(), w.getValue(), warnings::add);
        }
        return applied;
    }

    /**
     * Writes every folder step, each compare-and-swap: the folder must still hash as the plan saw it (or still be
     * absent). What is replaced or removed is backed up first. A folder that cannot be written is an error; the
     * others still go through.
     */
    private List<SyncPlan.Step> applyToFolder(Path skillsDir, List<SyncPlan.Step> steps, Map<String, Skill> localSkills,
            Map<String, DatabaseSide.Row> rows) {
        List<SyncPlan.Step> applied = new ArrayList<>();
        for (SyncPlan.Step s : steps) {
            if (!s.action().writesLocal()) {
                applied.add(s);
                continue;
            }
            Path link = SkillFolder.symlinkOnPath(skillsDir, s.path());
            if (link != null) {
                applied.add(new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, "the folder path goes through the "
                        + "symbolic link " + SkillFolder.relative(skillsDir, link) + "; nothing written"));
                continue;
            }
            try {
                Path dir = skillsDir.resolve(s.path());
                Skill now = Files.isDirectory(dir) ? SkillFolder.read(skillsDir, s.path(), w -> { }) : null;
                String nowHash = now == null ? null : now.hash();
                if (nowHash == null ? s.localHash() != null : !nowHash.equals(s.localHash())) {
                    applied.add(new SyncPlan.Step(s.path(), SyncPlan.Action.CONFLICT,
                            "changed in the folder while this run was working; run again"));
                    continue;
                }
                if (now != null) {
                    backup("local", now);
                }
                if (s.action() == SyncPlan.Action.REMOVE_LOCAL) {
                    SkillFolder.remove(skillsDir, s.path());
                } else {
                    SkillFolder.write(skillsDir, rows.get(s.path()).skill());
                }
                applied.add(s);
            } catch (IOException | RuntimeException e) {
                failed = true;
                applied.add(new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP,
                        "could not write the folder: " + Cli.describe(e)));
            }
        }
        return applied;
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
