import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The database side. Listing reads one row per skill with no content: the hash this tool last wrote (R) and a
 * fingerprint of the rows, so a skill nobody touched since is known to hash as R without fetching it; only the
 * others are fetched, in batches. Writes go in batches too, a fixed number of statements per batch whatever its size,
 * inside the caller's transaction; each update is compare-and-swap on the fingerprint the listing saw.
 */
final class DatabaseSide {
    /** Skills per batch of reads and writes. */
    static final int BATCH = 500;

    /**
     * One skill as the database holds it: its hash D, the hash this tool last wrote (R, null if never), the
     * fingerprint the compare-and-swap checks, and why it cannot be written into a folder (or null).
     */
    record Row(long skillId, String path, String status, String hash, String recordedHash, String fingerprint,
            String invalid) {
        boolean archived() {
            return "archived".equals(status);
        }
    }

    /** Which skills are in play: a status ('all' for any) and a skill path prefix ('' for all). */
    record Scope(String status, String pathPrefix) {
        boolean contains(String path) {
            return pathPrefix.isEmpty() || path.equals(pathPrefix) || path.startsWith(pathPrefix + "/");
        }
    }

    /** A skill fetched with its content. */
    record Fetched(Row row, Skill skill) {
    }

    /** One skill to write; {@code existing} is the row the plan saw (null for a new skill). */
    record Write(SkillMapping.SkillRecord record, Row existing) {
    }

    /** Maps the current row of a result set to a value. */
    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private final Connection connection;
    private final SkillSql.Dialected sql;
    /** Rows the listing fetched that hash as R all the same (see recordUntouched). */
    private final List<Row> untouched = new ArrayList<>();

    DatabaseSide(Connection connection, Database.Dialect dialect) {
        this.connection = connection;
        this.sql = SkillSql.of(dialect);
    }

    /**
     * Every skill in scope, by path. Rows whose fingerprint is the one recorded when this tool wrote them hash as R;
     * the others are fetched (in batches, content discarded once hashed).
     */
    Map<String, Row> list(Scope scope) throws SQLException, java.io.IOException {
        Map<String, Row> rows = new LinkedHashMap<>();
        List<String> changed = new ArrayList<>();
        if (sql.prepareListing() != null) {
            try (PreparedStatement ps = connection.prepareStatement(sql.prepareListing()); ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
        }
        try (PreparedStatement ps = connection.prepareStatement(sql.selectListing())) {
            ps.setFetchSize(5000);
            bindScope(ps, scope);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String path = rs.getString("skill_path");
                    String recorded = rs.getString("content_hash");
                    String fingerprint = rs.getString("current_fingerprint");
                    boolean untouched = recorded != null && fingerprint.equals(rs.getString("fingerprint"));
                    rows.put(path, new Row(rs.getLong("skill_id"), path, rs.getString("status"),
                            untouched ? recorded : null, recorded, fingerprint, null));
                    if (!untouched) {
                        changed.add(path);
                    }
                }
            }
        }
        fetch(changed, f -> {
            rows.put(f.row().path(), f.row());
            if (f.row().hash().equals(f.row().recordedHash())) {
                untouched.add(f.row());
            }
        });
        return rows;
    }

    /**
     * Records the fingerprints of listed rows that were fetched but still hash as this tool wrote them (R): something
     * touched their rows without changing the skill (a column the tool does not map; or the fingerprint of an older
     * version of this tool, which covered fewer tables), and they would otherwise be fetched on every run. For runs
     * that write; a row whose recorded hash changed meanwhile (another run wrote it) is left alone.
     */
    void recordUntouched() throws SQLException {
        if (untouched.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(SkillSql.UPDATE_META_FINGERPRINT)) {
            for (Row r : untouched) {
                ps.setString(1, r.fingerprint());
                ps.setLong(2, r.skillId());
                ps.setString(3, r.recordedHash());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Fetches skills with their content, a batch at a time, handing each to the consumer: three statements per batch
     * (the skills rows, their files, their keywords, tags and tools). The skills rows, and with them the fingerprint,
     * are read first, so a change committed between the statements leaves a fingerprint older than the content: the
     * compare-and-swap of a later write then fails, and no change hides behind a fingerprint that already includes it.
     */
    void fetch(Collection<String> paths, SqlConsumer<Fetched> each) throws SQLException, java.io.IOException {
        record SkillRow(long id, String path, String status, String frontmatter, String content, String executable,
                String recordedHash, String fingerprint, Map<String, Object> columns) {
        }
        List<String> all = new ArrayList<>(paths);
        for (int from = 0; from < all.size(); from += BATCH) {
            List<String> batch = all.subList(from, Math.min(all.size(), from + BATCH));
            List<SkillRow> skills = new ArrayList<>();
            try (PreparedStatement ps = connection.prepareStatement(sql.selectSkillsByPaths())) {
                ps.setString(1, json(batch));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> columns = new HashMap<>();
                        for (String name : List.of("name", "description", "version", "type", "weight",
                                "load_priority", "status", "skill_style", "scope", "license")) {
                            columns.put(name, rs.getString(name));
                        }
                        skills.add(new SkillRow(rs.getLong("skill_id"), rs.getString("skill_path"),
                                rs.getString("status"), rs.getString("frontmatter"), rs.getString("skill_content"),
                                rs.getString("executable_paths"), rs.getString("content_hash"),
                                rs.getString("current_fingerprint"), columns));
                    }
                }
            }
            Map<Long, List<SkillMapping.FileRow>> files = new HashMap<>();
            try (PreparedStatement ps = connection.prepareStatement(sql.selectFilesByPaths())) {
                ps.setString(1, json(batch));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String content = rs.getString("content");
                        byte[] binary = content == null ? rs.getBytes("binary_data") : null;
                        files.computeIfAbsent(rs.getLong("skill_id"), k -> new ArrayList<>())
                                .add(new SkillMapping.FileRow(rs.getString("relative_path"), null, null, content,
                                        binary, 0, null, false));
                    }
                }
            }
            Map<Long, Map<String, List<String>>> lists = new HashMap<>();
            try (PreparedStatement ps = connection.prepareStatement(sql.selectListsByPaths())) {
                ps.setString(1, json(batch));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        lists.computeIfAbsent(rs.getLong("skill_id"), k -> new HashMap<>())
                                .computeIfAbsent(rs.getString("list"), k -> new ArrayList<>()).add(rs.getString("value"));
                    }
                }
            }
            for (SkillRow r : skills) {
                List<SkillMapping.FileRow> fileRows = files.getOrDefault(r.id(), List.of());
                Map<String, List<String>> own = lists.getOrDefault(r.id(), Map.of());
                for (String list : List.of("keywords", "tags", "allowed_tools")) {
                    r.columns().put(list, own.getOrDefault(list, List.of()));
                }
                Skill skill = SkillMapping.toSkill(r.path(), r.frontmatter(), r.content(), r.executable(), r.columns(),
                        fileRows);
                each.accept(new Fetched(new Row(r.id(), r.path(), r.status(), skill.hash(), r.recordedHash(),
                        r.fingerprint(), unsafe(r.path(), fileRows)), skill));
            }
        }
    }

    @FunctionalInterface
    interface SqlConsumer<T> {
        void accept(T value) throws SQLException, java.io.IOException;
    }

    /** Why a row cannot be written into a folder safely, or null: its paths come from whoever wrote the row. */
    private static String unsafe(String path, List<SkillMapping.FileRow> files) {
        if (!SkillMapping.SKILL_PATH.matcher(path).matches()) {
            return "skill_path is not a safe relative folder path";
        }
        Set<String> seen = new HashSet<>();
        seen.add(Skill.SKILL_MD.toLowerCase(Locale.ROOT));
        for (SkillMapping.FileRow f : files) {
            if (!SkillFolder.isSafeRelativePath(f.relativePath())) {
                return "file path '" + SkillMapping.abbreviate(f.relativePath()) + "' is not a safe relative path";
            }
            if (!seen.add(f.relativePath().toLowerCase(Locale.ROOT))) {
                return "file path '" + SkillMapping.abbreviate(f.relativePath())
                        + "' collides with another one (or with SKILL.md) when letter case is ignored";
            }
        }
        return null;
    }

    static <T> List<T> query(PreparedStatement ps, RowMapper<T> mapper) throws SQLException {
        List<T> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(mapper.map(rs));
            }
        }
        return out;
    }

    /** Binds the six parameters of SkillSql's scope condition (status, then path prefix). */
    static void bindScope(PreparedStatement ps, Scope scope) throws SQLException {
        ps.setString(1, scope.status());
        ps.setString(2, scope.status());
        ps.setString(3, scope.pathPrefix());
        ps.setString(4, scope.pathPrefix());
        ps.setInt(5, scope.pathPrefix().length() + 1);
        ps.setString(6, scope.pathPrefix() + "/");
    }

    /**
     * Writes a batch of skills with a fixed number of statements: new rows are inserted (service defaults, status
     * active, type technical) unless a row appeared meanwhile; existing rows are updated only while their fingerprint
     * is the one the plan saw (columns whose key the frontmatter lacks keep their value). Then their files and the
     * lists the frontmatter carries are replaced. Returns the paths written; the others changed meanwhile
     * (conflicts).
     */
    Map<String, Long> write(List<Write> writes) throws SQLException {
        lock(writes.stream().map(Write::existing).filter(java.util.Objects::nonNull).toList());
        List<Write> creates = writes.stream().filter(w -> w.existing() == null).toList();
        List<Write> updates = writes.stream().filter(w -> w.existing() != null).toList();
        Set<String> taken = new HashSet<>();
        if (!creates.isEmpty()) {
            taken.addAll(ids(creates.stream().map(w -> w.record().path()).toList()).keySet());
            batch(SkillSql.INSERT_SKILL, creates.stream().filter(w -> !taken.contains(w.record().path())).map(w -> {
                SkillMapping.SkillRecord r = w.record();
                return new Object[] {r.path(), r.name(), r.description() == null ? "" : r.description(),
                        orDefault(r.version(), "1.0.0"), orDefault(r.type(), SkillMapping.DEFAULT_TYPE),
                        orDefault(r.weight(), "medium"), orDefault(r.loadPriority(), "task_specific"),
                        orDefault(r.status(), SkillMapping.DEFAULT_STATUS), r.skillStyle(), r.content(), r.scope(),
                        r.hash()};
            }).toList());
        }
        int[] counts = batch(sql.updateSkill(), updates.stream().map(w -> {
            SkillMapping.SkillRecord r = w.existing().archived() ? w.record().restoring() : w.record();
            return new Object[] {r.name(), r.description(), r.version(), r.type(), r.weight(), r.loadPriority(),
                r.status(), r.skillStyle(), r.scope(), r.content(), r.hash(), w.existing().skillId(),
                w.existing().fingerprint()};
        }).toList());
        List<SkillMapping.SkillRecord> done = new ArrayList<>();
        for (Write w : creates) {
            if (!taken.contains(w.record().path())) {
                done.add(w.record());
            }
        }
        for (int i = 0; i < updates.size(); i++) {
            if (counts[i] != 0) {
                done.add(updates.get(i).record());
            }
        }
        Map<String, Long> ids = ids(done.stream().map(SkillMapping.SkillRecord::path).toList());
        List<Object[]> meta = new ArrayList<>();
        List<Object[]> skillIds = new ArrayList<>();
        List<Object[]> files = new ArrayList<>();
        Map<String, List<Object[]>> lists = new LinkedHashMap<>();
        Set<String> categories = new java.util.TreeSet<>();
        List<Object[]> skillCategories = new ArrayList<>();
        for (SkillMapping.SkillRecord r : done) {
            long id = ids.get(r.path());
            meta.add(new Object[] {id, r.frontmatter(), r.license(), r.executablePaths(), r.hash()});
            skillIds.add(new Object[] {id});
            for (SkillMapping.FileRow f : r.files()) {
                files.add(new Object[] {id, f.fileType(), f.relativePath(), f.filename(), f.content(), f.binary(),
                    f.size(), f.checksum()});
            }
            list(lists, "keywords", id, r.keywords(), v -> new Object[] {id, v});
            list(lists, "tags", id, r.tags(), v -> new Object[] {id, v});
            list(lists, "tools", id, r.allowedTools(), v -> new Object[] {id, v});
            for (int i = 0; i < r.capabilities().size(); i++) {
                SkillMapping.Capability c = r.capabilities().get(i);
                lists.computeIfAbsent("capabilities.delete", k -> new ArrayList<>());
                if (i == 0) {
                    lists.get("capabilities.delete").add(new Object[] {id});
                }
                lists.computeIfAbsent("capabilities", k -> new ArrayList<>())
                        .add(new Object[] {id, c.name(), c.description(), i});
            }
            List<String> paths = r.categoryPaths();
            categories.addAll(paths);
            for (int i = 0; i < paths.size(); i++) {
                skillCategories.add(new Object[] {id, paths.get(i), i == paths.size() - 1});
            }
        }
        batch(SkillSql.UPSERT_SKILL_META, meta);
        batch(SkillSql.DELETE_SKILL_FILES, skillIds);
        batch(SkillSql.INSERT_SKILL_FILE, files);
        replace(SkillSql.DELETE_SKILL_KEYWORDS, SkillSql.INSERT_SKILL_KEYWORD, lists, "keywords");
        replace(SkillSql.DELETE_SKILL_TAGS, SkillSql.INSERT_SKILL_TAG, lists, "tags");
        replace(SkillSql.DELETE_SKILL_TOOLS, SkillSql.INSERT_SKILL_TOOL, lists, "tools");
        replace(SkillSql.DELETE_CAPABILITIES, SkillSql.INSERT_CAPABILITY, lists, "capabilities");
        // Parents before children: a category's parent_id is looked up by path as it is inserted.
        batch(SkillSql.INSERT_CATEGORY, categories.stream()
                .sorted(java.util.Comparator.comparingInt((String c) -> c.split("/").length).thenComparing(c -> c))
                .map(c -> {
                    int slash = c.lastIndexOf('/');
                    return new Object[] {c, c.substring(slash + 1), slash < 0 ? null : c.substring(0, slash),
                        c.split("/").length - 1};
                }).toList());
        batch(SkillSql.UPSERT_SKILL_CATEGORY, skillCategories);
        refreshFingerprints(ids.keySet());
        return ids;
    }

    private static void list(Map<String, List<Object[]>> lists, String name, long id, List<String> values,
            java.util.function.Function<String, Object[]> row) {
        if (values == null) {
            return;
        }
        lists.computeIfAbsent(name + ".delete", k -> new ArrayList<>()).add(new Object[] {id});
        for (String v : values) {
            lists.computeIfAbsent(name, k -> new ArrayList<>()).add(row.apply(v));
        }
    }

    private void replace(String delete, String insert, Map<String, List<Object[]>> lists, String name)
            throws SQLException {
        batch(delete, lists.getOrDefault(name + ".delete", List.of()));
        batch(insert, lists.getOrDefault(name, List.of()));
    }

    /**
     * Archives rows (the deletion marker), each only while its fingerprint is the one the plan saw, and records the
     * archived row's hash as this tool's write. Returns the paths archived.
     */
    Set<String> archive(List<Row> rows) throws SQLException, java.io.IOException {
        lock(rows);
        int[] counts = batch(sql.archiveSkill(), rows.stream()
                .map(r -> new Object[] {r.skillId(), r.fingerprint()}).toList());
        Set<String> done = new LinkedHashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            if (counts[i] != 0) {
                done.add(rows.get(i).path());
            }
        }
        List<Object[]> meta = new ArrayList<>();
        fetch(done, f -> meta.add(new Object[] {f.row().hash(), f.row().skillId()}));
        batch(SkillSql.UPDATE_META_HASH, meta);
        refreshFingerprints(done);
        return done;
    }

    /**
     * Before rows are written: locks them and their files (PostgreSQL; one statement), waiting for any writer that
     * holds them, so the compare-and-swap that follows sees what that writer committed and fails on a changed row.
     * Without the lock, an update that waits on a row lock rechecks its fingerprint with the values from before the
     * wait, and the other writer's edit is overwritten. SQLite needs none: its transaction is BEGIN IMMEDIATE.
     */
    private void lock(Collection<Row> rows) throws SQLException {
        if (sql.lockSkills() == null || rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(sql.lockSkills())) {
            ps.setString(1, json(rows.stream().map(r -> String.valueOf(r.skillId())).toList()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
        }
    }

    /** Records the rows' fingerprints as of this tool's write, so the next listing knows them untouched. */
    private void refreshFingerprints(Collection<String> paths) throws SQLException {
        if (!paths.isEmpty()) {
            try (PreparedStatement ps = connection.prepareStatement(sql.refreshFingerprints())) {
                ps.setString(1, json(paths));
                ps.executeUpdate();
            }
        }
    }

    /** Skill ids by path. */
    Map<String, Long> ids(Collection<String> paths) throws SQLException {
        Map<String, Long> ids = new HashMap<>();
        if (paths.isEmpty()) {
            return ids;
        }
        try (PreparedStatement ps = connection.prepareStatement(sql.selectIdsByPaths())) {
            ps.setString(1, json(paths));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.put(rs.getString(2), rs.getLong(1));
                }
            }
        }
        return ids;
    }

    /**
     * Resolves written skills' dependencies and see-also references to skill ids (by path, else by name) and
     * replaces them. Run after every skill of the run is written, so skills may refer to each other in any order.
     * Unknown or ambiguous targets are warnings.
     */
    void writeRelations(Map<Long, SkillMapping.SkillRecord> written, Consumer<String> warn) throws SQLException {
        if (written.values().stream().allMatch(r -> r.dependencies().isEmpty() && r.seeAlso().isEmpty())) {
            return;
        }
        Map<String, Long> byPath = new HashMap<>();
        Map<String, List<Long>> byName = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(SkillSql.SELECT_SKILL_TARGETS);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                byPath.put(rs.getString(2), rs.getLong(1));
                byName.computeIfAbsent(rs.getString(3), k -> new ArrayList<>()).add(rs.getLong(1));
            }
        }
        List<Object[]> depDeletes = new ArrayList<>();
        List<Object[]> deps = new ArrayList<>();
        List<Object[]> refDeletes = new ArrayList<>();
        List<Object[]> refs = new ArrayList<>();
        for (Map.Entry<Long, SkillMapping.SkillRecord> w : written.entrySet()) {
            long id = w.getKey();
            SkillMapping.SkillRecord r = w.getValue();
            if (!r.dependencies().isEmpty()) {
                depDeletes.add(new Object[] {id});
                for (SkillMapping.Dependency d : r.dependencies()) {
                    Long target = target(r.path(), d.target(), id, "dependency", byPath, byName, warn);
                    if (target != null) {
                        deps.add(new Object[] {id, target, d.type()});
                    }
                }
            }
            if (!r.seeAlso().isEmpty()) {
                refDeletes.add(new Object[] {id});
                for (String ref : r.seeAlso()) {
                    Long target = target(r.path(), ref, id, "see_also reference", byPath, byName, warn);
                    if (target != null) {
                        refs.add(new Object[] {id, target});
                    }
                }
            }
        }
        batch(SkillSql.DELETE_SKILL_DEPENDENCIES, depDeletes);
        batch(SkillSql.UPSERT_SKILL_DEPENDENCY, deps);
        batch(SkillSql.DELETE_SKILL_REFERENCES, refDeletes);
        batch(SkillSql.INSERT_SKILL_REFERENCE, refs);
    }

    private static Long target(String path, String ref, long selfId, String what, Map<String, Long> byPath,
            Map<String, List<Long>> byName, Consumer<String> warn) {
        List<Long> named = byName.getOrDefault(ref, List.of());
        Long id = byPath.containsKey(ref) ? byPath.get(ref) : named.size() == 1 ? named.get(0) : null;
        if (id == null) {
            warn.accept(path + ": " + what + " '" + SkillMapping.abbreviate(ref) + "' "
                    + (named.isEmpty() ? "names no known skill" : "matches several skills by name") + "; not recorded");
        } else if (id == selfId) {
            warn.accept(path + ": " + what + " '" + SkillMapping.abbreviate(ref) + "' names the skill itself; not recorded");
            return null;
        }
        return id;
    }

    /** Runs one statement for every row, as one JDBC batch (one round trip); returns the update counts. */
    private int[] batch(String statement, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return new int[0];
        }
        try (PreparedStatement ps = connection.prepareStatement(statement)) {
            for (Object[] row : rows) {
                bind(ps, row);
                ps.addBatch();
            }
            return ps.executeBatch();
        }
    }

    private static void bind(PreparedStatement ps, Object... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            int at = i + 1;
            if (v == null) {
                ps.setNull(at, Types.VARCHAR);
            } else if (v instanceof String s) {
                ps.setString(at, s);
            } else if (v instanceof Long l) {
                ps.setLong(at, l);
            } else if (v instanceof Integer n) {
                ps.setInt(at, n);
            } else if (v instanceof Boolean b) {
                ps.setBoolean(at, b);
            } else if (v instanceof byte[] bytes) {
                ps.setBytes(at, bytes);
            } else {
                throw new IllegalArgumentException("cannot bind " + v.getClass());
            }
        }
    }

    /** A JSON array of strings (the one parameter of the statements that take a list of paths). */
    static String json(Collection<String> values) {
        StringBuilder sb = new StringBuilder("[");
        for (String v : values) {
            sb.append(sb.length() > 1 ? "," : "").append('"');
            for (char ch : v.toCharArray()) {
                switch (ch) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    default -> {
                        if (ch < 0x20) {
                            sb.append(String.format("\\u%04x", (int) ch));
                        } else {
                            sb.append(ch);
                        }
                    }
                }
            }
            sb.append('"');
        }
        return sb.append(']').toString();
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
