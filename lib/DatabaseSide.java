import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The database side: reads the skills in scope into {@link Skill} values (verbatim frontmatter when this tool wrote
 * the row, rebuilt from columns otherwise) and writes a {@link SkillMapping.SkillRecord} into the service's tables.
 * Writes run inside the caller's transaction; each skill is written under a savepoint so a row the database refuses
 * skips that skill only.
 */
final class DatabaseSide {
    /** One skill as the database holds it; {@code recordedHash} is the hash this tool last wrote (null if never). */
    record Row(long skillId, String status, Skill skill, String hash, String recordedHash, String invalid) {
        boolean archived() {
            return "archived".equals(status);
        }
    }

    /** Which skills are in play: a status ('all' for any) and a skill path prefix ('' for all). */
    record Scope(String status, String pathPrefix) {
        static final Scope ALL = new Scope("all", "");

        boolean contains(String path) {
            return pathPrefix.isEmpty() || path.equals(pathPrefix) || path.startsWith(pathPrefix + "/");
        }
    }

    /** Maps the current row of a result set to a value. */
    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private final Connection connection;

    DatabaseSide(Connection connection) {
        this.connection = connection;
    }

    /**
     * The row at one path as it is now, or null; on PostgreSQL the row is locked until the transaction ends, so it
     * cannot change between this check and the write that follows (compare-and-swap).
     */
    Row current(String path, Database.Dialect dialect) throws SQLException {
        if (dialect == Database.Dialect.POSTGRESQL) {
            try (PreparedStatement ps = connection.prepareStatement(SkillSql.LOCK_SKILL_ROW)) {
                bind(ps, path);
                query(ps, rs -> rs.getLong(1));
            }
        }
        return read(new Scope("all", path)).get(path);
    }

    void archive(long skillId) throws SQLException {
        update(SkillSql.ARCHIVE_SKILL, skillId);
    }

    /** Every skill in scope, by path. */
    Map<String, Row> read(Scope scope) throws SQLException {
        Map<Long, List<SkillMapping.FileRow>> files = new HashMap<>();
        try (PreparedStatement ps = prepare(SkillSql.SELECT_SKILL_FILES, scope); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String content = rs.getString("content");
                byte[] binary = content == null ? rs.getBytes("binary_data") : null;
                files.computeIfAbsent(rs.getLong("skill_id"), k -> new ArrayList<>())
                        .add(new SkillMapping.FileRow(rs.getString("relative_path"), null, null, content, binary, 0,
                                null, false));
            }
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        try (PreparedStatement ps = prepare(SkillSql.SELECT_SKILLS, scope); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long id = rs.getLong("skill_id");
                String path = rs.getString("skill_path");
                List<SkillMapping.FileRow> fileRows = files.getOrDefault(id, List.of());
                String frontmatter = rs.getString("frontmatter");
                Map<String, Object> columns = columns(rs, id, frontmatter == null);
                Skill skill = SkillMapping.toSkill(path, frontmatter, rs.getString("skill_content"),
                        rs.getString("executable_paths"), columns, fileRows);
                rows.put(path, new Row(id, rs.getString("status"), skill, skill.hash(), rs.getString("content_hash"),
                        unsafe(path, fileRows)));
            }
        }
        return rows;
    }

    /** Why a row cannot be written into a folder safely, or null: its paths come from whoever wrote the row. */
    private static String unsafe(String path, List<SkillMapping.FileRow> files) {
        if (!SkillMapping.SKILL_PATH.matcher(path).matches()) {
            return "skill_path is not a safe relative folder path";
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        seen.add(Skill.SKILL_MD.toLowerCase(java.util.Locale.ROOT));
        for (SkillMapping.FileRow f : files) {
            if (!SkillFolder.isSafeRelativePath(f.relativePath())) {
                return "file path '" + SkillMapping.abbreviate(f.relativePath()) + "' is not a safe relative path";
            }
            if (!seen.add(f.relativePath().toLowerCase(java.util.Locale.ROOT))) {
                return "file path '" + SkillMapping.abbreviate(f.relativePath())
                        + "' collides with another one (or with SKILL.md) when letter case is ignored";
            }
        }
        return null;
    }

    /** The row's columns by name; with {@code lists}, also its keywords, tags and allowed tools. */
    private Map<String, Object> columns(ResultSet rs, long id, boolean lists) throws SQLException {
        Map<String, Object> c = new HashMap<>();
        for (String name : List.of("name", "description", "version", "type", "weight", "load_priority", "status",
                "skill_style", "scope", "license")) {
            c.put(name, rs.getString(name));
        }
        if (!lists) {
            return c;
        }
        c.put("keywords", strings(SkillSql.SELECT_SKILL_KEYWORDS, id));
        c.put("tags", strings(SkillSql.SELECT_SKILL_TAGS, id));
        List<String> tools = strings(SkillSql.SELECT_SKILL_TOOLS, id);
        c.put("allowed_tools", tools.isEmpty() ? null : String.join(" ", tools));
        return c;
    }

    private List<String> strings(String sql, long skillId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setLong(1, skillId);
            return query(ps, rs -> rs.getString(1));
        }
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

    private PreparedStatement prepare(String sql, Scope scope) throws SQLException {
        PreparedStatement ps = connection.prepareStatement(sql);
        ps.setString(1, scope.status());
        ps.setString(2, scope.status());
        ps.setString(3, scope.pathPrefix());
        ps.setString(4, scope.pathPrefix());
        ps.setInt(5, scope.pathPrefix().length() + 1);
        ps.setString(6, scope.pathPrefix() + "/");
        return ps;
    }

    /**
     * Writes one skill: inserts it (service defaults, status active, type technical) or updates it (columns whose key
     * the frontmatter lacks keep their value), then replaces its files and the lists the frontmatter carries.
     * Returns the skill id.
     */
    long write(SkillMapping.SkillRecord r, Long existingId) throws SQLException {
        long id;
        if (existingId == null) {
            try (PreparedStatement ps = connection.prepareStatement(SkillSql.INSERT_SKILL)) {
                bind(ps, r.path(), r.name(), r.description() == null ? "" : r.description(),
                        orDefault(r.version(), "1.0.0"), orDefault(r.type(), SkillMapping.DEFAULT_TYPE),
                        orDefault(r.weight(), "medium"), orDefault(r.loadPriority(), "task_specific"),
                        orDefault(r.status(), SkillMapping.DEFAULT_STATUS), r.skillStyle(), r.content(), r.scope(),
                        r.hash());
                id = query(ps, rs -> rs.getLong(1)).get(0);
            }
        } else {
            id = existingId;
            try (PreparedStatement ps = connection.prepareStatement(SkillSql.UPDATE_SKILL)) {
                bind(ps, r.name(), r.description(), r.version(), r.type(), r.weight(), r.loadPriority(), r.status(),
                        r.skillStyle(), r.scope(), r.content(), r.hash(), id);
                ps.executeUpdate();
            }
        }
        update(SkillSql.UPSERT_SKILL_META, id, r.frontmatter(), r.license(), r.executablePaths(), r.hash());
        update(SkillSql.DELETE_SKILL_FILES, id);
        try (PreparedStatement ps = connection.prepareStatement(SkillSql.INSERT_SKILL_FILE)) {
            for (SkillMapping.FileRow f : r.files()) {
                bind(ps, id, f.fileType(), f.relativePath(), f.filename(), f.content(), f.binary(), f.size(),
                        f.checksum());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        replaceList(SkillSql.DELETE_SKILL_KEYWORDS, SkillSql.INSERT_SKILL_KEYWORD, id, r.keywords());
        replaceList(SkillSql.DELETE_SKILL_TAGS, SkillSql.INSERT_SKILL_TAG, id, r.tags());
        replaceList(SkillSql.DELETE_SKILL_TOOLS, SkillSql.INSERT_SKILL_TOOL, id, r.allowedTools());
        if (!r.capabilities().isEmpty()) {
            update(SkillSql.DELETE_CAPABILITIES, id);
            try (PreparedStatement ps = connection.prepareStatement(SkillSql.INSERT_CAPABILITY)) {
                int order = 0;
                for (SkillMapping.Capability c : r.capabilities()) {
                    bind(ps, id, c.name(), c.description(), order++);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        writeCategories(id, r.categoryPaths());
        return id;
    }

    private void writeCategories(long skillId, List<String> categoryPaths) throws SQLException {
        for (int i = 0; i < categoryPaths.size(); i++) {
            String path = categoryPaths.get(i);
            String parent = i == 0 ? null : categoryPaths.get(i - 1);
            update(SkillSql.INSERT_CATEGORY, path, path.substring(path.lastIndexOf('/') + 1), parent, i);
            long categoryId;
            try (PreparedStatement ps = connection.prepareStatement(SkillSql.SELECT_CATEGORY_ID)) {
                bind(ps, path);
                categoryId = query(ps, rs -> rs.getLong(1)).get(0);
            }
            update(SkillSql.UPSERT_SKILL_CATEGORY, skillId, categoryId, i == categoryPaths.size() - 1);
        }
    }

    /**
     * Resolves a written skill's dependencies and see-also references to skill ids (by path, else by name). Run after
     * every skill of the run is written, so skills may refer to each other in any order. Unknown targets are warnings.
     */
    void writeRelations(long skillId, SkillMapping.SkillRecord r, Consumer<String> warn) throws SQLException {
        if (!r.dependencies().isEmpty()) {
            update(SkillSql.DELETE_SKILL_DEPENDENCIES, skillId);
            for (SkillMapping.Dependency d : r.dependencies()) {
                Long target = target(r.path(), d.target(), skillId, "dependency", warn);
                if (target != null) {
                    update(SkillSql.UPSERT_SKILL_DEPENDENCY, skillId, target, d.type());
                }
            }
        }
        if (!r.seeAlso().isEmpty()) {
            update(SkillSql.DELETE_SKILL_REFERENCES, skillId);
            for (String ref : r.seeAlso()) {
                Long target = target(r.path(), ref, skillId, "see_also reference", warn);
                if (target != null) {
                    update(SkillSql.INSERT_SKILL_REFERENCE, skillId, target);
                }
            }
        }
    }

    private Long target(String path, String ref, long selfId, String what, Consumer<String> warn)
            throws SQLException {
        record Match(long id, String path) {
        }
        List<Match> matches;
        try (PreparedStatement ps = connection.prepareStatement(SkillSql.SELECT_SKILL_TARGETS)) {
            bind(ps, ref, ref);
            matches = query(ps, rs -> new Match(rs.getLong(1), rs.getString(2)));
        }
        Long id = matches.stream().filter(m -> m.path().equals(ref)).map(Match::id).findFirst()
                .orElse(matches.size() == 1 ? matches.get(0).id() : null);
        if (id == null) {
            warn.accept(path + ": " + what + " '" + SkillMapping.abbreviate(ref) + "' "
                    + (matches.isEmpty() ? "names no known skill" : "matches several skills by name") + "; not recorded");
        } else if (id == selfId) {
            warn.accept(path + ": " + what + " '" + SkillMapping.abbreviate(ref) + "' names the skill itself; not recorded");
            return null;
        }
        return id;
    }

    private void replaceList(String deleteSql, String insertSql, long id, List<String> values) throws SQLException {
        if (values.isEmpty()) {
            return;
        }
        update(deleteSql, id);
        try (PreparedStatement ps = connection.prepareStatement(insertSql)) {
            for (String v : values) {
                bind(ps, id, v);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void update(String sql, Object... values) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            bind(ps, values);
            ps.executeUpdate();
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

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
