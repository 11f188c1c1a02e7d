import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The list command: the skills of the database or of a folder as a table, or both sides with which one is ahead
 * (the plan sync-db would make, worded as a state), so checking the database needs no SQL console.
 */
final class SkillList {
    enum Side { DATABASE, LOCAL, BOTH }

    /** One line of the listing. */
    record Entry(String path, String name, String status, String version, int files, String lastModified,
            String state) {
    }

    private SkillList() {
    }

    static int run(Settings o, Scope scope, Side side, RunContext context, PrintWriter out, PrintWriter err)
            throws Exception {
        List<Entry> entries = switch (side) {
            case DATABASE -> database(o, scope, context);
            case LOCAL -> local(o.skillsDir().toAbsolutePath().normalize(), scope);
            case BOTH -> both(o, scope, err, context);
        };
        if (o.json()) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(entries));
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(side == Side.BOTH ? new String[] {"SKILL", "STATE"}
                    : new String[] {"SKILL", "NAME", "STATUS", "VERSION", "FILES", "LAST MODIFIED"});
            for (Entry e : entries) {
                rows.add(side == Side.BOTH ? new String[] {e.path(), e.state()} : new String[] {e.path(), e.name(),
                    e.status(), e.version(), String.valueOf(e.files()), e.lastModified()});
            }
            Report.table(rows, out);
            if (!o.quiet()) {
                err.println(entries.size() + " skills");
            }
        }
        out.flush();
        err.flush();
        return Cli.OK;
    }

    static List<Entry> database(Settings o, Scope scope, RunContext context) throws Exception {
        Database.Target target = Database.resolve(o.db(), context.env());
        List<Entry> entries = new ArrayList<>();
        if (target.sqliteFile() != null && !Files.exists(target.sqliteFile())) {
            return entries;
        }
        try (Connection c = Database.connect(target, context.connections())) {
            if (!Database.schemaPresent(c, target.dialect())) {
                return entries;
            }
            try (PreparedStatement ps = c.prepareStatement(SkillSql.SELECT_SKILL_SUMMARIES)) {
                DatabaseSide.bindScope(ps, scope);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        entries.add(new Entry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getInt(5), rs.getString(6), null));
                    }
                }
            }
        }
        return entries;
    }

    static List<Entry> local(Path skillsDir, Scope scope) throws IOException {
        List<Entry> entries = new ArrayList<>();
        SkillFolder.Listing listing = SkillFolder.scan(skillsDir, w -> { });
        for (String path : listing.skills()) {
            if (!scope.contains(path)) {
                continue;
            }
            Skill skill = SkillFolder.read(skillsDir, path, w -> { });
            String name = "?";
            String status = "invalid";
            String version = "-";
            try {
                SkillMapping.SkillRecord r = SkillMapping.toRecord(skill);
                name = r.name();
                if (listing.invalid(path) == null) {
                    status = r.status() == null ? SkillMapping.DEFAULT_STATUS : r.status();
                }
                version = r.version() == null ? "-" : r.version();
            } catch (InvalidSkill e) {
                // listed as invalid; export-to-db says why
            }
            if (!scope.anyStatus() && !scope.status().equals(status)) {
                continue;
            }
            long modified = 0;
            try (var files = Files.walk(skillsDir.resolve(path))) {
                modified = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().lastModified()).max().orElse(0);
            }
            entries.add(new Entry(path, name, status, version, skill.files().size(),
                    java.time.Instant.ofEpochMilli(modified).toString(), null));
        }
        return entries;
    }

    /** Both sides, worded from the plan sync-db would make now. */
    static List<Entry> both(Settings o, Scope scope, PrintWriter err, RunContext context) throws Exception {
        SyncPlan.Policy policy = new SyncPlan.Policy(SyncPlan.Mode.SYNC, true, SyncPlan.Prefer.NONE, false, true);
        List<SyncPlan.Step> steps = Engine.plan(new Engine.Request("list", o.planningOnly(), policy, scope, false, 100,
                false, false, false), err, context);
        Map<SyncPlan.Action, String> states = new LinkedHashMap<>();
        states.put(SyncPlan.Action.UNCHANGED, "in sync");
        states.put(SyncPlan.Action.CREATE_IN_DB, "only in the folder");
        states.put(SyncPlan.Action.UPDATE_IN_DB, "folder ahead");
        states.put(SyncPlan.Action.CREATE_LOCAL, "only in the database");
        states.put(SyncPlan.Action.UPDATE_LOCAL, "database ahead");
        states.put(SyncPlan.Action.ARCHIVE_IN_DB, "deleted in the folder");
        states.put(SyncPlan.Action.REMOVE_LOCAL, "deleted (archived) in the database");
        states.put(SyncPlan.Action.CONFLICT, "changed on both sides");
        states.put(SyncPlan.Action.MERGE, "changed on both sides, merges");
        states.put(SyncPlan.Action.RENAME_IN_DB, "moved in the folder from");
        states.put(SyncPlan.Action.RENAME_LOCAL, "moved in the database from");
        List<Entry> entries = new ArrayList<>();
        for (SyncPlan.Step s : steps) {
            if (s.action() == SyncPlan.Action.GONE) {
                continue;
            }
            String state = states.getOrDefault(s.action(), s.action().label);
            if (s.action() == SyncPlan.Action.SKIP) {
                state = "invalid: " + s.reason();
            } else if (s.action() == SyncPlan.Action.CONFLICT) {
                state = state + " (" + s.reason() + ")";
            } else if (s.from() != null) {
                state = state + " " + s.from();
            }
            entries.add(new Entry(s.path(), null, null, null, 0, null, state));
        }
        return entries;
    }
}
