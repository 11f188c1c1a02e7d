import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one pipeline behind every command: list both sides, read the base, plan with the command's policy, apply
 * (the database side in one transaction, then the folder skill by skill), record the new base, report.
 */
final class Engine {
    /** What a command asks for. */
    record Request(String command, Cli.Options options, SyncPlan.Policy policy, DatabaseSide.Scope scope,
            boolean force, boolean check) {
        /** True when the run must change nothing: --dry-run or --check. */
        boolean readOnly() {
            return options.dryRun || check;
        }
    }

    /** The outcome of one step as reported: the planned step, possibly turned into a skip or an error on apply. */
    record Outcome(String skill, String action, String reason) {
    }

    private final Request request;
    private final PrintWriter out;
    private final PrintWriter err;
    private final List<String> warnings = new ArrayList<>();
    private final List<Outcome> outcomes = new ArrayList<>();
    private boolean failed;

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
            // likely unmounted or mistyped than meant to be empty.
            if (request.policy() == SyncPlan.Policy.EXPORT) {
                throw new IOException("skills folder " + o.skillsDir + " does not exist (set --skills-dir)");
            }
            if (request.policy() == SyncPlan.Policy.SYNC && !base.isEmpty()) {
                throw new IOException("skills folder " + o.skillsDir + " is missing but held " + base.size()
                        + " skills at the last sync (unmounted or mistyped?)");
            }
        }
        if (target.embeddedDefault() && !o.quiet && !o.json) {
            err.println((Files.exists(target.sqliteFile()) ? "using" : "creating")
                    + " the embedded database " + target.sqliteFile() + " (set DATABASE_URL or --db for PostgreSQL)");
        }

        Map<String, Skill> localSkills = new TreeMap<>(Skill::compareUtf8);
        Map<String, SyncPlan.Side> local = new LinkedHashMap<>();
        Map<String, SkillMapping.SkillRecord> records = new LinkedHashMap<>();
        for (String path : SkillFolder.list(skillsDir, warnings::add)) {
            if (!request.scope().contains(path)) {
                continue;
            }
            Skill skill = SkillFolder.read(skillsDir, path, warnings::add);
            localSkills.put(path, skill);
            String invalid = null;
            try {
                records.put(path, SkillMapping.toRecord(skill));
            } catch (InvalidSkill e) {
                invalid = (e.file == null ? "" : e.file + ": ") + e.rule;
            }
            local.put(path, new SyncPlan.Side(skill.hash(), invalid, null));
        }

        Map<String, DatabaseSide.Row> rows = new LinkedHashMap<>();
        List<SyncPlan.Step> steps;
        boolean dbTouched = false;
        if (request.readOnly() && target.sqliteFile() != null && !Files.exists(target.sqliteFile())) {
            steps = SyncPlan.plan(request.policy(), local, Map.of(), base, request.force());
        } else {
            try (Connection c = Database.connect(target)) {
                if (!request.readOnly()) {
                    Database.ensureSchema(c, target.dialect());
                }
                try (Database.Transaction tx = new Database.Transaction(c)) {
                    boolean writes = request.policy() != SyncPlan.Policy.IMPORT && !request.readOnly();
                    if (writes && target.dialect() == Database.Dialect.POSTGRESQL) {
                        try (Statement st = c.createStatement()) {
                            // Serialises writers of this database; released at commit, so it works through poolers.
                            st.execute(SkillSql.LOCK_SYNC);
                        }
                    }
                    if (!request.readOnly() || Database.schemaPresent(c, target.dialect())) {
                        rows.putAll(new DatabaseSide(c).read(request.scope()));
                    }
                    Map<String, SyncPlan.Side> db = new LinkedHashMap<>();
                    rows.forEach((p, r) -> db.put(p, new SyncPlan.Side(r.hash(), r.invalid(), r.recordedHash())));
                    steps = SyncPlan.plan(request.policy(), local, db, base, request.force());
                    if (!request.readOnly()) {
                        steps = applyToDatabase(c, steps, records, rows);
                        tx.commit();
                        dbTouched = true;
                    }
                }
            }
        }
        if (!request.readOnly()) {
            steps = applyToFolder(skillsDir, steps, rows);
            Map<String, String> newBase = new TreeMap<>(base);
            for (SyncPlan.Step s : steps) {
                switch (s.action()) {
                    case UNCHANGED, CREATE_IN_DB, UPDATE_IN_DB -> newBase.put(s.path(), local.get(s.path()).hash());
                    case CREATE_LOCAL, UPDATE_LOCAL -> newBase.put(s.path(), rows.get(s.path()).hash());
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
        for (SyncPlan.Step s : steps) {
            outcomes.add(new Outcome(s.path(), s.action().label, s.reason()));
        }
        return report(target, steps);
    }

    /** Writes every database step under its own savepoint; a row the database refuses becomes a skip. */
    private List<SyncPlan.Step> applyToDatabase(Connection c, List<SyncPlan.Step> steps,
            Map<String, SkillMapping.SkillRecord> records, Map<String, DatabaseSide.Row> rows) throws SQLException {
        DatabaseSide side = new DatabaseSide(c);
        List<SyncPlan.Step> applied = new ArrayList<>();
        Map<Long, SkillMapping.SkillRecord> written = new LinkedHashMap<>();
        for (SyncPlan.Step s : steps) {
            if (!s.action().writesDb()) {
                applied.add(s);
                continue;
            }
            SkillMapping.SkillRecord record = records.get(s.path());
            DatabaseSide.Row row = rows.get(s.path());
            Savepoint sp = c.setSavepoint();
            try {
                written.put(side.write(record, row == null ? null : row.skillId()), record);
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

    /** Writes every folder step; a folder that cannot be written is an error, the others still go through. */
    private List<SyncPlan.Step> applyToFolder(Path skillsDir, List<SyncPlan.Step> steps,
            Map<String, DatabaseSide.Row> rows) {
        List<SyncPlan.Step> applied = new ArrayList<>();
        for (SyncPlan.Step s : steps) {
            if (!s.action().writesLocal()) {
                applied.add(s);
                continue;
            }
            try {
                SkillFolder.write(skillsDir, rows.get(s.path()).skill());
                applied.add(s);
            } catch (IOException | RuntimeException e) {
                failed = true;
                applied.add(new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP,
                        "could not write the folder: " + Cli.describe(e)));
            }
        }
        return applied;
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
        if (request.check() && code != Cli.ERROR && steps.stream().anyMatch(s -> s.action() != SyncPlan.Action.UNCHANGED)) {
            code = Cli.DIFFERENCES;
        }
        if (o.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("command", request.command());
            json.put("database", target.display());
            json.put("skillsDir", o.skillsDir.toString());
            json.put("dryRun", request.readOnly());
            json.put("steps", outcomes);
            Map<String, Integer> byLabel = new LinkedHashMap<>();
            counts.forEach((a, n) -> byLabel.put(a.label, n));
            json.put("counts", byLabel);
            json.put("warnings", warnings);
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
                    case UNCHANGED, OTHER_SIDE_NEWER -> {
                        if (o.verbose) {
                            out.println(s.action().label + " " + s.path() + ": " + s.reason());
                        }
                    }
                    default -> {
                        if (!o.quiet) {
                            out.println(s.action().label + " " + s.path());
                        }
                    }
                }
            }
        }
        if (!o.quiet) {
            out.println(request.command() + (request.readOnly() ? " (nothing changed)" : "") + ": "
                    + (counts.get(SyncPlan.Action.CREATE_IN_DB) + counts.get(SyncPlan.Action.CREATE_LOCAL)) + " created, "
                    + (counts.get(SyncPlan.Action.UPDATE_IN_DB) + counts.get(SyncPlan.Action.UPDATE_LOCAL)) + " updated, "
                    + (counts.get(SyncPlan.Action.UNCHANGED) + counts.get(SyncPlan.Action.OTHER_SIDE_NEWER))
                    + " unchanged, " + counts.get(SyncPlan.Action.SKIP) + " skipped, "
                    + counts.get(SyncPlan.Action.CONFLICT) + " conflicts"
                    + " (folder " + o.skillsDir + ", database " + target.display() + ")");
        }
        out.flush();
        err.flush();
        return code;
    }
}
