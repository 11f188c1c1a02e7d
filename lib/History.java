import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The history of a skill's database versions: who keeps them (a run's command, host and OS user), the log command
 * (the current row, then every kept version, newest first) and the restore command (a kept version back into the
 * folder, or with --to-db into the database). The versions themselves are written by
 * {@link DatabaseSide#keepVersions} inside the run that replaces them.
 */
final class History {
    private History() {
    }

    /**
     * Who keeps the versions a run replaces: the command, the host and the OS user (SKILL_FLEET_HOST and
     * SKILL_FLEET_USER name them otherwise, e.g. in CI), and a reason that holds for every version of the run, or
     * null for each step's own (see {@link #reason}).
     */
    record Who(String command, String host, String user, String reason) {
        Who because(String why) {
            return new Who(command, host, user, why);
        }
    }

    /** Why a step's write replaces a database version, as history records it. */
    static String reason(SyncPlan.Action action) {
        return switch (action) {
            case ARCHIVE_IN_DB -> "archive";
            case MERGE -> "merge";
            case RENAME_IN_DB -> "rename";
            default -> "export";
        };
    }

    /** Who keeps the versions a run of {@code command} replaces; null when SKILL_FLEET_HISTORY=off. */
    static Who forRun(String command, Function<String, String> env) {
        if ("off".equalsIgnoreCase(String.valueOf(env.apply("SKILL_FLEET_HISTORY")).strip())) {
            return null;
        }
        String user = env.apply("SKILL_FLEET_USER");
        String host = env.apply("SKILL_FLEET_HOST");
        return new Who(command, host != null && !host.isBlank() ? host : hostName(env),
                user != null && !user.isBlank() ? user : String.valueOf(System.getProperty("user.name")), null);
    }

    /** This machine's name without a DNS lookup (which can hang for seconds on a misconfigured network). */
    private static String hostName(Function<String, String> env) {
        for (String name : List.of("HOSTNAME", "COMPUTERNAME")) {
            String value = env.apply(name);
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        for (String file : List.of("/proc/sys/kernel/hostname", "/etc/hostname")) {
            try {
                String value = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
                if (!value.isEmpty()) {
                    return value;
                }
            } catch (java.io.IOException | RuntimeException e) {
                // try the next source
            }
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** One kept version as log shows it. */
    record Version(long version, long skillId, String skillPath, String hash, String replacedAt, String modifiedAt,
            String status, String command, String host, String user, String reason, int files, long bytes) {
    }

    /** The skill as the database holds it now. */
    record Current(long skillId, String status, String hash, String lastModified, String version, int files) {
    }

    /** What log prints: the current row (null when there is none), then the kept versions, newest first. */
    record Log(String skill, Current current, List<Version> versions) {
    }

    // ---------------------------------------------------------------------------------------------------- log

    static int log(Settings o, String typed, RunContext context, PrintWriter out, PrintWriter err) throws Exception {
        String path = Scope.path(typed);
        Database.Target target = Database.resolve(o.db(), context.env());
        Log log;
        if (target.sqliteFile() != null && !Files.exists(target.sqliteFile())) {
            log = new Log(path, null, List.of());
        } else {
            try (Connection c = Database.connect(target, context.connections())) {
                log = read(c, target.dialect(), path);
            }
        }
        if (log.current() == null && log.versions().isEmpty()) {
            throw new Engine.Aborted("no skill " + path + " in the database or its history");
        }
        if (o.json()) {
            out.println(Secrets.redact(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(log)));
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"VERSION", "WHEN", "REASON", "COMMAND", "BY", "HASH", "FILES", "SIZE"});
            Current now = log.current();
            if (now != null) {
                rows.add(new String[] {"current", when(now.lastModified()), now.status(), "-", "-", shortHash(now.hash()),
                    String.valueOf(now.files()), "-"});
            }
            for (Version v : log.versions()) {
                rows.add(new String[] {String.valueOf(v.version()), when(v.replacedAt()), v.reason()
                    + (v.skillPath().equals(path) ? "" : " (as " + v.skillPath() + ")"), v.command(),
                    v.user() + "@" + v.host(), shortHash(v.hash()), String.valueOf(v.files()), size(v.bytes())});
            }
            Report.table(rows, out);
            if (!o.quiet()) {
                boolean deleted = now == null || now.status().equals("archived");
                int n = log.versions().size();
                err.println(n + (n == 1 ? " kept version of " : " kept versions of ") + path + (now == null
                        ? " (no longer in the database)" : deleted ? " (archived)" : "") + "; skill-fleet restore "
                        + path + (deleted ? " brings back the one kept when it was archived" : " --version V brings "
                        + "one back"));
            }
        }
        out.flush();
        err.flush();
        return Cli.OK;
    }

    /** The current row of a skill (by path) and its kept versions (by path, and by its skill id). */
    static Log read(Connection c, Database.Dialect dialect, String path) throws Exception {
        return lookup(c, dialect, path).log();
    }

    /** A skill's live row (null when none) and its log. */
    private record Found(DatabaseSide.Row row, Log log) {
    }

    private static Found lookup(Connection c, Database.Dialect dialect, String path) throws Exception {
        if (!SkillMapping.SKILL_PATH.matcher(path).matches() || !Database.schemaPresent(c, dialect)) {
            return new Found(null, new Log(path, null, List.of()));
        }
        DatabaseSide.Row row = new DatabaseSide(c, dialect).list(new Scope("all", path)).get(path);
        Current current = null;
        if (row != null) {
            try (PreparedStatement ps = c.prepareStatement(SkillSql.SELECT_SKILL_SUMMARIES)) {
                DatabaseSide.bindScope(ps, new Scope("all", path));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getString("skill_path").equals(path)) {
                            current = new Current(row.skillId(), row.status(), row.hash(),
                                    rs.getString("last_modified"), rs.getString("version"), rs.getInt("files"));
                        }
                    }
                }
            }
        }
        return new Found(row, new Log(path, current, versions(c, dialect, path, row == null ? -1 : row.skillId())));
    }

    static List<Version> versions(Connection c, Database.Dialect dialect, String path, long skillId)
            throws SQLException {
        List<Version> versions = new ArrayList<>();
        if (!Database.historyPresent(c, dialect)) {
            return versions;
        }
        try (PreparedStatement ps = c.prepareStatement(SkillSql.SELECT_VERSIONS)) {
            ps.setString(1, path);
            ps.setLong(2, skillId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.add(new Version(rs.getLong("version_id"), rs.getLong("skill_id"),
                            rs.getString("skill_path"), rs.getString("content_hash"), rs.getString("replaced_at"),
                            rs.getString("modified_at"), rs.getString("status"), rs.getString("command"),
                            rs.getString("host"), rs.getString("os_user"), rs.getString("reason"), rs.getInt("files"),
                            rs.getLong("bytes")));
                }
            }
        }
        return versions;
    }

    // ------------------------------------------------------------------------------------------------ restore

    /** The version a restore brings back, rebuilt as a skill at the path asked for. */
    record Chosen(Version version, Skill skill, DatabaseSide.Row row) {
    }

    /**
     * Brings a kept version of a skill back: into the folder (staged, compare-and-swap, what is there backed up), or
     * with {@code toDb} into the database (compare-and-swap on the row, the version it replaces kept in history).
     * Without a version, the one kept when the skill was archived (or the last one, when its row is gone).
     */
    static int restore(Settings o, String typed, String version, boolean toDb, boolean backup, RunContext context,
            PrintWriter out, PrintWriter err) throws Exception {
        String path = Scope.path(typed);
        Database.Target target = Database.resolve(o.db(), context.env());
        if (target.sqliteFile() != null && !Files.exists(target.sqliteFile())) {
            throw new Engine.Aborted("no skill " + path + " in the database or its history");
        }
        String said = toDb ? restoreToDatabase(o, path, version, target, context, err)
                : restoreToFolder(o, path, version, backup, target, context, err);
        if (!o.quiet() || o.dryRun()) {
            out.println(said);
        }
        out.flush();
        err.flush();
        return Cli.OK;
    }

    private static String restoreToFolder(Settings o, String path, String version, boolean backup,
            Database.Target target, RunContext context, PrintWriter err) throws Exception {
        LocalSide local = new LocalSide(o, backup, w -> err.println("warning: " + Secrets.redact(w)),
                context.hooks());
        local.check(false);
        if (local.settleLayout(SyncState.file(local.dir(), target.identity())) == Settings.Layout.FLAT) {
            throw new Engine.Aborted("restore writes skills at their database paths, and " + o.skillsDir() + " holds "
                    + "them in the flat layout: restore with --to-db, then sync-db; nothing was changed");
        }
        try (LocalSide.Lock lock = o.dryRun() ? null : local.lock(w -> err.println(w))) {
            Chosen chosen;
            try (Connection c = Database.connect(target, context.connections())) {
                chosen = choose(c, target.dialect(), path, version);
            }
            Version v = chosen.version();
            SyncPlan.Side here = local.list(new Scope("all", path)).get(path);
            String what = described(v, path);
            boolean deleted = chosen.row() == null || chosen.row().archived();
            if (here != null && here.hash().equals(chosen.skill().hash())) {
                if (!o.dryRun() && deleted) {
                    forgetBase(local, target, path);
                }
                return "the folder already holds " + what + (deleted ? "; sync-db sends it to the database" : "");
            }
            if (o.dryRun()) {
                return "would restore " + what + " into the folder" + (here != null ? ", backing up what is there"
                        : "");
            }
            SyncPlan.Step step = new SyncPlan.Step(path, here == null ? SyncPlan.Action.CREATE_LOCAL
                    : SyncPlan.Action.UPDATE_LOCAL, "restore", here == null ? null : here.hash(), null, false);
            SyncPlan.Step done = local.write(step, chosen.skill());
            if (done.action() != step.action()) {
                throw new Engine.Aborted("could not restore " + path + ": " + done.reason());
            }
            if (deleted) {
                // The last sync recorded the skill as deleted on both sides; without that record, sync-db sees a
                // folder the database holds archived (or not at all) and sends it up instead of removing it again.
                forgetBase(local, target, path);
            }
            Path saved = local.savedIn();
            return "restored " + what + " into the folder" + (saved != null ? "; the copy that was there is saved in "
                    + saved : "") + "; sync-db sends it to the database" + (chosen.row() != null && deleted
                    ? " (the archived row becomes active again)" : "");
        }
    }

    private static void forgetBase(LocalSide local, Database.Target target, String path) throws java.io.IOException {
        Path file = SyncState.file(local.dir(), target.identity());
        Map<String, String> base = SyncState.load(file, w -> { });
        if (base.remove(path) != null) {
            SyncState.save(file, target.display(), local.dir(), null, base);
        }
    }

    private static String restoreToDatabase(Settings o, String path, String version, Database.Target target,
            RunContext context, PrintWriter err) throws Exception {
        try (Connection c = Database.connect(target, context.connections())) {
            if (!o.dryRun()) {
                Database.ensureSchema(c, target.dialect());
            }
            try (Database.Transaction tx = new Database.Transaction(c)) {
                DatabaseSide db = new DatabaseSide(c, target.dialect());
                if (!o.dryRun()) {
                    db.beginWrites();
                }
                Chosen chosen = choose(c, target.dialect(), path, version);
                Version v = chosen.version();
                DatabaseSide.Row row = chosen.row();
                String what = described(v, path);
                if (row != null && !row.archived() && chosen.skill().hash().equals(row.hash())) {
                    return "the database already holds " + what;
                }
                if (o.dryRun()) {
                    return "would restore " + what + " into the database" + (row != null
                            ? ", keeping the version it replaces in history" : "");
                }
                History.Who who = forRun("restore", context.env());
                if (who != null) {
                    db.keepHistory(who.because("restore"));
                }
                SyncPlan.Step step = new SyncPlan.Step(path, row == null ? SyncPlan.Action.CREATE_IN_DB
                        : SyncPlan.Action.UPDATE_IN_DB, "restore", chosen.skill().hash(), row == null ? null
                        : row.hash(), false);
                Map<String, DatabaseSide.Row> rows = new HashMap<>();
                if (row != null) {
                    rows.put(path, row);
                }
                List<SyncPlan.Step> done = db.apply(List.of(step), rows, p -> chosen.skill(), null, o,
                        w -> err.println("warning: " + Secrets.redact(w)));
                SyncPlan.Step result = done.stream().filter(s -> s.path().equals(path)).findFirst().orElse(step);
                if (result.action() != step.action()) {
                    throw new Engine.Aborted("could not restore " + path + ": " + result.reason()
                            + "; nothing was changed");
                }
                tx.commit();
                return "restored " + what + " into the database" + (row == null ? " as a new row"
                        : row.archived() ? " (the archived row is active again)" : "")
                        + "; sync-db brings it into the folder";
            }
        }
    }

    /**
     * The version to restore and the skill it rebuilds: the one named (a version number, or a hash prefix of at
     * least 4 characters), else the one kept when the skill was archived (or the last, when its row is gone).
     * Refused: a version of another skill, and a path now held by another skill.
     */
    static Chosen choose(Connection c, Database.Dialect dialect, String path, String wanted) throws Exception {
        Found found = lookup(c, dialect, path);
        DatabaseSide.Row row = found.row();
        List<Version> versions = found.log().versions();
        if (row == null && versions.isEmpty()) {
            throw new Engine.Aborted("no skill " + path + " in the database or its history");
        }
        Version v;
        if (wanted != null) {
            v = named(c, dialect, path, wanted.strip().toLowerCase(Locale.ROOT), versions);
        } else {
            if (row != null && !row.archived()) {
                throw new Engine.Aborted(path + " is in the database (" + row.status() + "), neither archived nor "
                        + "removed: name the version to bring back with --version (skill-fleet log " + path
                        + " lists them)");
            }
            if (row != null && (versions.isEmpty() || !versions.get(0).reason().equals("archive"))) {
                // Archived by someone else (the API, SQL): no version was kept then, and archiving changes only the
                // status, so the archived row itself is the last version. (A kept version is older than it.)
                DatabaseSide.Fetched archived = new DatabaseSide(c, dialect).fetchAsLive(path);
                if (archived.row().invalid() != null) {
                    throw new Engine.Aborted("the archived row of " + path + " cannot be restored: "
                            + archived.row().invalid() + "; nothing restored");
                }
                Skill skill = archived.skill();
                Current now = found.log().current();
                return new Chosen(new Version(0, row.skillId(), path, row.hash(), now == null ? null
                        : now.lastModified(), null, row.status(), "-", "-", "-", "archived row", skill.files().size(),
                        0), skill, row);
            }
            // The row is gone: the last version kept when it was archived, else the last kept.
            v = versions.stream().filter(x -> x.reason().equals("archive")).findFirst().orElse(versions.get(0));
        }
        if (row == null) {
            String now = pathOf(c, v.skillId());
            if (now != null) {
                // The skill was not deleted: it moved. Restoring it here would make a second copy of it.
                throw new Engine.Aborted(path + " was renamed to " + now + " (skill_id " + v.skillId() + "); restore "
                        + now + " instead (skill-fleet log " + now + " lists its versions); nothing restored");
            }
        }
        if (row != null && row.skillId() != v.skillId()) {
            throw new Engine.Aborted(path + " now holds another skill (skill_id " + row.skillId() + ") than version "
                    + v.version() + " (skill_id " + v.skillId() + "); nothing restored");
        }
        return new Chosen(v, load(c, v.version(), path), row);
    }

    private static Version named(Connection c, Database.Dialect dialect, String path, String wanted,
            List<Version> versions) throws Exception {
        if (wanted.matches("\\d{1,18}")) {
            for (Version v : versions) {
                if (String.valueOf(v.version()).equals(wanted)) {
                    return v;
                }
            }
            String other = otherSkillOf(c, dialect, Long.parseLong(wanted));
            if (other != null) {
                throw new Engine.Aborted("version " + wanted + " is of skill " + other + ", not " + path
                        + "; nothing restored");
            }
        }
        if (wanted.matches("[0-9a-f]{4,64}")) {
            List<Version> matching = versions.stream().filter(v -> v.hash().startsWith(wanted)).toList();
            if (matching.stream().map(Version::hash).distinct().count() > 1) {
                throw new Engine.Aborted("the hash prefix " + wanted + " matches several versions of " + path
                        + "; give more characters or the version number");
            }
            if (!matching.isEmpty()) {
                return matching.get(0);
            }
        }
        throw new Engine.Aborted("no version " + wanted + " of " + path + " (skill-fleet log " + path
                + " lists them)");
    }

    /** A chosen version as messages name it. */
    private static String described(Version v, String path) {
        return v.version() == 0 ? "the archived row of " + path + " (archived " + when(v.replacedAt()) + ")"
                : "version " + v.version() + " of " + path + " (" + v.reason() + ", " + when(v.replacedAt()) + ")";
    }

    /** Where a skill's row is now (any status), or null when it is gone. */
    private static String pathOf(Connection c, long skillId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SkillSql.SELECT_PATH_OF_SKILL)) {
            ps.setLong(1, skillId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The path of the skill a version was kept for, when it exists. */
    private static String otherSkillOf(Connection c, Database.Dialect dialect, long version) throws SQLException {
        if (!Database.historyPresent(c, dialect)) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement(SkillSql.SELECT_VERSION)) {
            ps.setLong(1, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString("skill_path") : null;
            }
        }
    }

    /**
     * A kept version rebuilt as the skill it was, at {@code path}: its SKILL.md from its frontmatter, body, columns
     * and lists as a fetch rebuilds a live row's, its files from the deduplicated contents. A version of an archived
     * row is rebuilt without the archived status (a folder cannot say archived: the next sync would archive it again).
     */
    static Skill load(Connection c, long version, String path) throws SQLException, Engine.Aborted {
        Map<String, Object> columns = new HashMap<>();
        String frontmatter;
        String content;
        String executable;
        try (PreparedStatement ps = c.prepareStatement(SkillSql.SELECT_VERSION)) {
            ps.setLong(1, version);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("version " + version + " is gone from the history");
                }
                for (String name : List.of("name", "description", "version", "type", "weight", "load_priority",
                        "status", "skill_style", "scope", "license")) {
                    columns.put(name, rs.getString(name));
                }
                frontmatter = rs.getString("frontmatter");
                content = rs.getString("skill_content");
                executable = rs.getString("executable_paths");
            }
        }
        if ("archived".equals(columns.get("status"))) {
            columns.put("status", null);
        }
        Map<String, List<String>> lists = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SkillSql.SELECT_VERSION_LISTS)) {
            ps.setLong(1, version);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lists.computeIfAbsent(rs.getString("list"), k -> new ArrayList<>()).add(rs.getString("value"));
                }
            }
        }
        for (String list : List.of("keywords", "tags", "allowed_tools")) {
            columns.put(list, lists.getOrDefault(list, List.of()));
        }
        List<SkillMapping.FileRow> files = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SkillSql.SELECT_VERSION_FILES)) {
            ps.setLong(1, version);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byte[] text = rs.getBytes("content");
                    byte[] binary = text == null ? rs.getBytes("binary_data") : null;
                    files.add(new SkillMapping.FileRow(rs.getString("relative_path"), null, null, text != null ? text
                            : binary == null ? new byte[0] : binary, text != null, 0, null, false));
                }
            }
        }
        String unsafe = DatabaseSide.unsafe(path, files);
        if (unsafe != null) {
            // Its paths came from whoever wrote the row: never written where they point.
            throw new Engine.Aborted("version " + version + " of " + path + " cannot be restored: " + unsafe
                    + "; nothing restored");
        }
        return SkillMapping.toSkill(path, frontmatter, content, executable, columns, files);
    }

    // ----------------------------------------------------------------------------------------------- printing

    private static String when(String timestamp) {
        return timestamp == null ? "-" : timestamp.length() > 19 ? timestamp.substring(0, 19) : timestamp;
    }

    private static String shortHash(String hash) {
        return hash == null ? "-" : hash.substring(0, Math.min(12, hash.length()));
    }

    /** A size as people read it: 921 B, 12.3 KB, 4.5 MB. */
    static String size(long bytes) {
        return bytes < 1024 ? bytes + " B" : bytes < 1 << 20 ? String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }
}
