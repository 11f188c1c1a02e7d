import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
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
 * The database side. Listing reads one row per skill with no content: the hash this tool last wrote (R), a
 * fingerprint of the rows and the content's size, so a skill nobody touched since is known to hash as R without
 * fetching it; only the others are fetched, in batches bounded by count and by size. Applying the plan's database
 * steps writes in such batches too, a fixed number of statements per batch, inside the caller's transaction: the rows
 * are locked, then each update or archive is compare-and-swap on the fingerprint the listing saw.
 */
final class DatabaseSide {
    /** Skills per batch of reads and writes. */
    static final int BATCH = 500;

    /**
     * Bytes of content per batch of reads and writes (a skill larger than this is a batch of its own): with files
     * of up to --max-file-size, a batch of 500 could otherwise outgrow the heap.
     */
    static final long BATCH_BYTES = 16L << 20;

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

    /** A skill fetched with its content. */
    record Fetched(Row row, Skill skill) {
    }

    /**
     * One skill to write; {@code existing} is the row the plan saw (null for a new skill); {@code reason} is what
     * history records when it replaces that row (see {@link History#reason}).
     */
    record Write(SkillMapping.SkillRecord record, Row existing, String reason) {
    }


    private final Connection connection;
    private final Database.Dialect dialect;
    private final SkillSql.Dialected sql;
    /** The size of each listed skill's content, so fetches can be batched by size. */
    private final Map<String, Long> sizes = new HashMap<>();
    /** Rows the listing fetched that hash as R all the same (see recordUntouched). */
    private final List<Row> untouched = new ArrayList<>();
    /** Who keeps the versions this run replaces (see keepVersions); null: none are kept. */
    private History.Who history;
    /** Rows fetched that another writer changed (they do not hash as R), by path (see recordAbsorbed). */
    private final Map<String, Absorbed> absorbed = new HashMap<>();

    /** A fetched row another writer changed: the frontmatter block and hash it reads as, at that fingerprint. */
    private record Absorbed(long skillId, String frontmatter, String hash, String fingerprint) {
    }

    DatabaseSide(Connection connection, Database.Dialect dialect) {
        this.connection = connection;
        this.dialect = dialect;
        this.sql = SkillSql.of(dialect);
    }

    /** Keeps each version this run replaces or archives in the history, recorded as {@code who}'s. */
    void keepHistory(History.Who who) {
        this.history = who;
    }

    /**
     * Keeps the versions of rows about to be replaced (their content, or their status by an archive) in the tool's
     * history, inside the run's transaction, before the write: copied by the database from the live rows (insert ...
     * select), so history costs no transfer, and only while a row still has the fingerprint the plan saw (the write
     * that follows replaces exactly those). File contents are stored once per SHA-256. Four statements per batch and
     * reason, whatever its size. Call it after the rows are locked. {@code reason}: export, archive, merge, rename,
     * restore; the history's who may fix one for a whole run.
     */
    void keepVersions(List<Row> replaced, String reason) throws SQLException {
        if (history == null || replaced.isEmpty()) {
            return;
        }
        String keptBy = java.util.UUID.randomUUID().toString();
        String why = history.reason() != null ? history.reason() : reason;
        SkillSql.HistorySql h = SkillSql.history(dialect);
        int[] kept = batch(h.keepVersion(), replaced, (p, r) -> p.string(r.hash()).string(history.command())
                .string(history.host()).string(history.user()).string(why).string(keptBy).number(r.skillId())
                .string(r.fingerprint()));
        if (java.util.Arrays.stream(kept).allMatch(n -> n == 0)) {
            return;
        }
        for (String statement : List.of(SkillSql.KEEP_VERSION_LISTS, h.keepVersionFiles(),
                SkillSql.KEEP_VERSION_BLOBS)) {
            try (PreparedStatement ps = connection.prepareStatement(statement)) {
                ps.setString(1, keptBy);
                ps.executeUpdate();
            }
        }
    }

    /**
     * Starts the write part of a run's transaction. On PostgreSQL, takes the transaction-scoped advisory lock that
     * serialises this tool's runs that write skills against one database (released at commit, so it works through
     * poolers). Import does not take it: what it writes to the database (fingerprints it records again) is
     * compare-and-swap on the recorded hash. SQLite's BEGIN IMMEDIATE already serialises writers.
     */
    void beginWrites() throws SQLException {
        if (dialect == Database.Dialect.POSTGRESQL) {
            try (PreparedStatement ps = connection.prepareStatement(SkillSql.LOCK_SYNC);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
        }
    }

    /** The size of a listed skill's content in bytes (0 for a path the listing did not see). */
    long size(String path) {
        return sizes.getOrDefault(path, 0L);
    }

    /** True when any row, of any status, lies in the scope. */
    boolean anyIn(Scope scope) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(SkillSql.SELECT_ANY_IN_SCOPE)) {
            bindScope(ps, scope);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Every skill path of the database with its status (see LocalSide#place). */
    Map<String, String> statuses() throws SQLException {
        Map<String, String> statuses = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(SkillSql.SELECT_PATH_STATUSES)) {
            ps.setFetchSize(5000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    statuses.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return statuses;
    }

    /**
     * A digest of every skill in scope (path, status, fingerprint): cheap, no content is read, and different whenever
     * anyone has created, changed, archived or removed a skill in scope since. What sync-db --watch polls.
     */
    String changeMark(Scope scope) throws SQLException {
        StringBuilder marks = new StringBuilder();
        String statement = dialect == Database.Dialect.POSTGRESQL ? SkillSql.SELECT_CHANGE_MARKS_POSTGRES
                : SkillSql.SELECT_CHANGE_MARKS_SQLITE;
        // PostgreSQL: in a transaction, for prepareListing's setting (see list); SQLite: a read on its own.
        try (Database.Transaction tx = sql.prepareListing() == null ? null : new Database.Transaction(connection)) {
            if (tx != null) {
                try (PreparedStatement ps = connection.prepareStatement(sql.prepareListing());
                        ResultSet rs = ps.executeQuery()) {
                    rs.next();
                }
            }
            try (PreparedStatement ps = connection.prepareStatement(statement)) {
                ps.setFetchSize(5000);
                bindScope(ps, scope);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        marks.append(rs.getString(1)).append('\n').append(rs.getString(2)).append('\n')
                                .append(rs.getString(3)).append('\n');
                    }
                }
            }
        }
        return Skill.sha256(marks.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Every skill in scope, by path. Rows whose fingerprint is the one recorded when this tool wrote them hash as R;
     * the others are fetched (in batches, content discarded once hashed).
     */
    Map<String, Row> list(Scope scope) throws SQLException, java.io.IOException {
        Map<String, Row> rows = new LinkedHashMap<>();
        List<String> changed = new ArrayList<>();
        if (sql.prepareListing() != null) {
            try (PreparedStatement ps = connection.prepareStatement(sql.prepareListing());
                    ResultSet rs = ps.executeQuery()) {
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
                    sizes.put(path, rs.getLong("bytes"));
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
        batch(SkillSql.UPDATE_META_FINGERPRINT, untouched,
                (p, r) -> p.string(r.fingerprint()).number(r.skillId()).string(r.recordedHash()));
    }

    /**
     * After the folder phase, in a short transaction of its own: records the rows another writer changed that the run
     * ends with equal on both sides (brought into the folder, or found already there) as what this tool wrote: the
     * frontmatter block the folder holds, its hash and the row's fingerprint, each only while the row still has the
     * fingerprint it was fetched at; a row the service wrote gets its meta row. So a later run without the sync state
     * (a fresh clone) sees D = R and fast-forwards a local edit instead of reporting a conflict, and the row is not
     * fetched again by every listing. A fixed number of statements per batch.
     */
    void recordAbsorbed(List<SyncPlan.Step> steps) throws SQLException {
        List<Absorbed> rows = new ArrayList<>();
        for (SyncPlan.Step s : steps) {
            Absorbed a = absorbed.get(s.path());
            if (a != null && a.hash().equals(s.dbHash()) && (s.action() == SyncPlan.Action.UNCHANGED
                    || s.action() == SyncPlan.Action.CREATE_LOCAL || s.action() == SyncPlan.Action.UPDATE_LOCAL)) {
                rows.add(a);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        try (Database.Transaction tx = new Database.Transaction(connection)) {
            beginWrites();
            for (int from = 0; from < rows.size(); from += BATCH) {
                List<Absorbed> batch = rows.subList(from, Math.min(rows.size(), from + BATCH));
                lockIds(batch.stream().map(Absorbed::skillId).toList());
                batch(sql.recordMeta(), batch, (p, a) -> p.string(a.frontmatter()).string(a.hash())
                        .string(a.fingerprint()).number(a.skillId()).string(a.fingerprint()));
            }
            tx.commit();
        }
    }

    /**
     * Groups paths into batches of at most {@link #BATCH} skills and about {@link #BATCH_BYTES} bytes of content, in
     * their order; {@code size} gives a skill's size.
     */
    static List<List<String>> batches(Collection<String> paths, java.util.function.ToLongFunction<String> size) {
        List<List<String>> batches = new ArrayList<>();
        List<String> batch = new ArrayList<>();
        long bytes = 0;
        for (String path : paths) {
            long s = size.applyAsLong(path);
            if (!batch.isEmpty() && (batch.size() >= BATCH || bytes + s > BATCH_BYTES)) {
                batches.add(batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(path);
            bytes += s;
        }
        if (!batch.isEmpty()) {
            batches.add(batch);
        }
        return batches;
    }

    /**
     * Fetches skills with their content, a batch at a time (by count and size), handing each to the consumer: three
     * statements per batch (the skills rows, their files, their keywords, tags and tools). The skills rows, and with
     * them the fingerprint, are read first, so a change committed between the statements leaves a fingerprint older
     * than the content: the compare-and-swap of a later write then fails, and no change hides behind a fingerprint
     * that already includes it.
     */
    void fetch(Collection<String> paths, SqlConsumer<Fetched> each) throws SQLException, java.io.IOException {
        fetch(paths, each, false);
    }

    /**
     * The skill a row holds as a folder would hold it were the row live: an archived row's status column is left
     * out (a folder cannot say archived), so SKILL.md keeps the status its frontmatter had. Null when there is no row.
     */
    Fetched fetchAsLive(String path) throws SQLException, java.io.IOException {
        List<Fetched> found = new ArrayList<>();
        fetch(List.of(path), found::add, true);
        return found.isEmpty() ? null : found.get(0);
    }

    private void fetch(Collection<String> paths, SqlConsumer<Fetched> each, boolean asLive)
            throws SQLException, java.io.IOException {
        record SkillRow(long id, String path, String status, String frontmatter, String content, String executable,
                String recordedHash, String fingerprint, Map<String, Object> columns) {
        }
        for (List<String> batch : batches(paths, p -> sizes.getOrDefault(p, 0L))) {
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
                        if (asLive && "archived".equals(columns.get("status"))) {
                            columns.put("status", null);
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
                        // Text as its UTF-8 bytes: a large file is held once, never also as a string.
                        byte[] content = rs.getBytes("content");
                        byte[] binary = content == null ? rs.getBytes("binary_data") : null;
                        files.computeIfAbsent(rs.getLong("skill_id"), k -> new ArrayList<>())
                                .add(new SkillMapping.FileRow(rs.getString("relative_path"), null, null,
                                        content != null ? content : binary == null ? new byte[0] : binary,
                                        content != null, 0, null, false));
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
                absorbed.remove(r.path());
                if (!skill.hash().equals(r.recordedHash())) {
                    String block = SkillMapping.recordableBlock(r.frontmatter(), r.columns());
                    if (block != null) {
                        absorbed.put(r.path(), new Absorbed(r.id(), block, skill.hash(), r.fingerprint()));
                    }
                }
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
    static String unsafe(String path, List<SkillMapping.FileRow> files) {
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
        for (SkillMapping.FileRow f : files) {
            String p = f.relativePath().toLowerCase(Locale.ROOT);
            for (int slash = p.indexOf('/'); slash > 0; slash = p.indexOf('/', slash + 1)) {
                if (seen.contains(p.substring(0, slash))) {
                    return "file path '" + SkillMapping.abbreviate(f.relativePath().substring(0, slash))
                            + "' is a file and also the folder of '" + SkillMapping.abbreviate(f.relativePath())
                            + "'";
                }
            }
        }
        return null;
    }


    /** Binds the six parameters of SkillSql's scope condition (status, then path prefix). */
    static void bindScope(PreparedStatement ps, Scope scope) throws SQLException {
        bindScope(ps, 1, scope);
    }

    /** The same six values from parameter {@code first} on (find binds its words before them). */
    static void bindScope(PreparedStatement ps, int first, Scope scope) throws SQLException {
        ps.setString(first, scope.status());
        ps.setString(first + 1, scope.status());
        ps.setString(first + 2, scope.pathPrefix());
        ps.setString(first + 3, scope.pathPrefix());
        ps.setInt(first + 4, scope.pathPrefix().length() + 1);
        ps.setString(first + 5, scope.pathPrefix() + "/");
    }

    /**
     * Writes a batch of skills with a fixed number of statements: new rows are inserted (the service's defaults
     * where the frontmatter is silent) unless a row appeared meanwhile; existing rows are updated only while their
     * fingerprint is the one the plan saw (columns whose key the frontmatter lacks keep their value). Then their
     * files and the lists the frontmatter carries are replaced. Returns the skill ids written by path; the others
     * changed meanwhile (conflicts).
     */
    Map<String, Long> write(List<Write> writes) throws SQLException {
        lock(writes.stream().map(Write::existing).filter(java.util.Objects::nonNull).toList());
        List<Write> creates = writes.stream().filter(w -> w.existing() == null).toList();
        List<Write> updates = writes.stream().filter(w -> w.existing() != null).toList();
        for (String reason : updates.stream().map(Write::reason).distinct().toList()) {
            keepVersions(updates.stream().filter(w -> w.reason().equals(reason)).map(Write::existing).toList(),
                    reason);
        }
        Set<String> taken = new HashSet<>();
        if (!creates.isEmpty()) {
            taken.addAll(ids(creates.stream().map(w -> w.record().path()).toList()).keySet());
            batch(SkillSql.INSERT_SKILL, creates.stream().filter(w -> !taken.contains(w.record().path()))
                    .map(w -> w.record().newRow()).toList(), DatabaseSide::bindSkillsRow);
        }
        int[] counts = batch(sql.updateSkill(), updates, (p, w) -> {
            SkillMapping.SkillsRow r = w.record().updateRow(w.existing().archived());
            p.string(r.path()).string(r.name()).string(r.description()).string(r.version()).string(r.type()).string(r.weight())
                    .string(r.loadPriority()).string(r.status()).string(r.skillStyle()).string(r.scope())
                    .string(r.content()).string(r.hash()).number(w.existing().skillId())
                    .string(w.existing().fingerprint());
        });
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
        moved(updates, counts);
        List<SkillMapping.OwnedRows> owned = done.stream().map(r -> r.ownedRows(ids.get(r.path()))).toList();
        batch(SkillSql.UPSERT_SKILL_META, owned.stream().map(SkillMapping.OwnedRows::meta).toList(), (p, m) ->
                p.number(m.skillId()).string(m.frontmatter()).string(m.license()).string(m.executablePaths())
                        .string(m.hash()));
        batch(SkillSql.DELETE_SKILL_FILES, owned.stream().map(o -> o.meta().skillId()).toList(), Params::number);
        batch(sql.insertSkillFile(), flat(owned, SkillMapping.OwnedRows::files), (p, o) -> {
            SkillMapping.FileRow f = o.file();
            p.number(o.skillId()).string(f.fileType()).string(f.relativePath()).string(f.filename())
                    .bytes(f.contentBytes()).bytes(f.binary()).number(f.size()).string(f.checksum());
        });
        replace(SkillSql.DELETE_SKILL_KEYWORDS, SkillSql.INSERT_SKILL_KEYWORD, owned, SkillMapping.OwnedRows::keywords,
                DatabaseSide::bindValueRow);
        replace(SkillSql.DELETE_SKILL_TAGS, SkillSql.INSERT_SKILL_TAG, owned, SkillMapping.OwnedRows::tags,
                DatabaseSide::bindValueRow);
        replace(SkillSql.DELETE_SKILL_TOOLS, SkillSql.INSERT_SKILL_TOOL, owned, SkillMapping.OwnedRows::allowedTools,
                DatabaseSide::bindValueRow);
        replace(SkillSql.DELETE_CAPABILITIES, SkillSql.INSERT_CAPABILITY, owned, SkillMapping.OwnedRows::capabilities,
                (p, c) -> p.number(c.skillId()).string(c.name()).string(c.description()).number(c.sortOrder()));
        // Parents before children: a category's parent_id is looked up by path as it is inserted.
        List<SkillMapping.CategoryRow> categories = done.stream().flatMap(r -> r.categoryPaths().stream()).distinct()
                .sorted(java.util.Comparator.comparingInt((String c) -> c.split("/").length).thenComparing(c -> c))
                .map(SkillMapping.CategoryRow::of).toList();
        batch(SkillSql.INSERT_CATEGORY, categories,
                (p, c) -> p.string(c.path()).string(c.name()).string(c.parentPath()).number(c.level()));
        // The service lists a category's skills, subcategories included, through the closure table.
        batch(SkillSql.INSERT_TAXONOMY_CLOSURE, categories, (p, c) -> p.string(c.path()));
        batch(SkillSql.UPSERT_SKILL_CATEGORY, flat(owned, SkillMapping.OwnedRows::categories),
                (p, c) -> p.number(c.skillId()).string(c.categoryPath()).bool(c.primary()));
        refreshFingerprints(ids.keySet());
        return ids;
    }

    /**
     * For the updates that moved a row to a new path (a rename): records the old path as an alias of the skill and
     * takes the skill out of the old path's categories that the new path does not have (the new ones are linked with
     * every write). The skill_id, and all that points at it, stays.
     */
    private void moved(List<Write> updates, int[] counts) throws SQLException {
        record Link(long skillId, String value) {
        }
        List<Link> aliases = new ArrayList<>();
        List<Link> oldCategories = new ArrayList<>();
        for (int i = 0; i < updates.size(); i++) {
            Write w = updates.get(i);
            if (counts[i] != 0 && !w.existing().path().equals(w.record().path())) {
                aliases.add(new Link(w.existing().skillId(), w.existing().path()));
                List<String> kept = w.record().categoryPaths();
                SkillMapping.categoryPaths(w.existing().path()).stream().filter(c -> !kept.contains(c))
                        .forEach(c -> oldCategories.add(new Link(w.existing().skillId(), c)));
            }
        }
        batch(SkillSql.INSERT_SKILL_ALIAS, aliases, (p, a) -> p.number(a.skillId()).string(a.value()));
        batch(SkillSql.DELETE_SKILL_CATEGORY, oldCategories, (p, a) -> p.number(a.skillId()).string(a.value()));
    }

    private static void bindSkillsRow(Params p, SkillMapping.SkillsRow r) throws SQLException {
        p.string(r.path()).string(r.name()).string(r.description()).string(r.version()).string(r.type())
                .string(r.weight()).string(r.loadPriority()).string(r.status()).string(r.skillStyle())
                .string(r.content()).string(r.scope()).string(r.hash());
    }

    private static void bindValueRow(Params p, SkillMapping.ValueRow v) throws SQLException {
        p.number(v.skillId()).string(v.value());
    }

    /** Every skill's rows of one table; a skill without that list (null) has none. */
    private static <T> List<T> flat(List<SkillMapping.OwnedRows> owned,
            java.util.function.Function<SkillMapping.OwnedRows, List<T>> part) {
        return owned.stream().filter(o -> part.apply(o) != null).flatMap(o -> part.apply(o).stream()).toList();
    }

    /**
     * Replaces one list table's rows for the skills that carry that list: a skill whose frontmatter has no such
     * list keeps the rows it has.
     */
    private <T> void replace(String delete, String insert, List<SkillMapping.OwnedRows> owned,
            java.util.function.Function<SkillMapping.OwnedRows, List<T>> part, Binder<T> binder) throws SQLException {
        batch(delete, owned.stream().filter(o -> part.apply(o) != null).map(o -> o.meta().skillId()).toList(),
                Params::number);
        batch(insert, flat(owned, part), binder);
    }

    /** A skill of the other side (the folder), read when it is about to be written. */
    @FunctionalInterface
    interface SkillSource {
        Skill read(String path) throws java.io.IOException;
    }

    /**
     * Applies the plan's database steps inside the caller's transaction: archives, then writes in batches, a fixed
     * number of statements per batch, each write compare-and-swap on the fingerprint the plan saw (a row changed
     * meanwhile becomes a conflict) and each local copy re-read and re-hashed (a folder changed meanwhile becomes a
     * conflict). A batch the database refuses is retried skill by skill under savepoints, so one refused skill
     * becomes a skip and the others go through. Database versions a write replaces although someone else changed
     * them are handed to {@code backup} first (when it is not null). Returns every step as it ended.
     */
    List<SyncPlan.Step> apply(List<SyncPlan.Step> steps, Map<String, Row> rows, SkillSource local,
            SqlConsumer<Skill> backup, Settings settings, Consumer<String> warn)
            throws SQLException, java.io.IOException {
        recordUntouched();
        Map<String, SyncPlan.Step> outcome = new LinkedHashMap<>();
        steps.forEach(s -> outcome.put(s.path(), s));
        List<Row> archives = new ArrayList<>();
        List<SyncPlan.Step> writes = new ArrayList<>();
        for (SyncPlan.Step s : steps) {
            if (s.action() == SyncPlan.Action.ARCHIVE_IN_DB) {
                archives.add(rows.get(s.path()));
            } else if (s.action().writesDb()) {
                writes.add(s);
            }
        }
        for (int from = 0; from < archives.size(); from += BATCH) {
            List<Row> batch = archives.subList(from, Math.min(archives.size(), from + BATCH));
            Set<String> done = archive(batch);
            for (Row r : batch) {
                if (!done.contains(r.path())) {
                    outcome.put(r.path(), changedMeanwhile(r.path()));
                }
            }
        }
        Map<Long, SkillMapping.SkillRecord> written = new LinkedHashMap<>();
        try (Progress progress = Progress.of("to database", writes.size(), settings);
                Reader reader = new Reader(writes, rows, local, progress)) {
            for (Reader.Batch b = reader.next(); b != null; b = reader.next()) {
                b.ended().forEach(s -> outcome.put(s.path(), s));
                writeBatch(b.writes(), b.overwritten(), backup, outcome, written);
                reader.written(b);
            }
        }
        writeRelations(written, warn);
        return new ArrayList<>(outcome.values());
    }

    /**
     * Reads the skills to write from the other side on a thread of its own, into batches bounded by count and by
     * size, while the caller writes the batch before (the database's work and the folder's reads overlap). Each local
     * copy is re-read and re-hashed; one changed since the plan, unreadable, or not storable ends as a conflict or
     * skip instead. Memory stays bounded: a skill is read only while less than a batch's worth of content waits to be
     * written.
     */
    private static final class Reader implements AutoCloseable {
        record Batch(List<Write> writes, List<String> overwritten, List<SyncPlan.Step> ended, long bytes) {
        }

        private static final Batch END = new Batch(List.of(), List.of(), List.of(), 0);
        private final java.util.concurrent.BlockingQueue<Object> ready = new java.util.concurrent.LinkedBlockingQueue<>();
        private final Thread thread;
        private long waiting;

        Reader(List<SyncPlan.Step> steps, Map<String, Row> rows, SkillSource local, Progress progress) {
            thread = new Thread(() -> {
                try {
                    read(steps, rows, local, progress);
                    ready.add(END);
                } catch (InterruptedException e) {
                    // the writer stopped: nothing more is wanted
                } catch (Throwable e) {
                    ready.add(e);
                }
            }, "skill-reader");
            thread.setDaemon(true);
            thread.start();
        }

        private void read(List<SyncPlan.Step> steps, Map<String, Row> rows, SkillSource local, Progress progress)
                throws InterruptedException, java.io.IOException {
            List<Write> batch = new ArrayList<>();
            List<String> overwritten = new ArrayList<>();
            List<SyncPlan.Step> ended = new ArrayList<>();
            long bytes = 0;
            for (SyncPlan.Step s : steps) {
                synchronized (this) {
                    while (waiting >= BATCH_BYTES) {
                        wait();
                    }
                }
                progress.step(1);
                Skill skill;
                try {
                    skill = local.read(s.path());
                } catch (java.io.IOException e) {
                    ended.add(SyncPlan.Step.unreadable(s.path(), e));
                    continue;
                }
                if (!skill.hash().equals(s.sentHash())) {
                    ended.add(new SyncPlan.Step(s.path(), SyncPlan.Action.CONFLICT,
                            "changed in the folder while this run was working; run again"));
                    continue;
                }
                try {
                    batch.add(new Write(SkillMapping.toRecord(skill), rows.get(s.rowPath()),
                            History.reason(s.action())));
                } catch (InvalidSkill e) {
                    ended.add(new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, e.reason()));
                    continue;
                }
                if (s.overwritesChange() && rows.containsKey(s.rowPath())) {
                    overwritten.add(s.rowPath());
                }
                bytes += skill.size();
                // A batch is bounded by count and by size, so large files never pile up in memory.
                if (batch.size() >= BATCH || bytes >= BATCH_BYTES) {
                    hand(new Batch(batch, overwritten, ended, bytes));
                    batch = new ArrayList<>();
                    overwritten = new ArrayList<>();
                    ended = new ArrayList<>();
                    bytes = 0;
                }
            }
            hand(new Batch(batch, overwritten, ended, bytes));
        }

        private void hand(Batch b) {
            synchronized (this) {
                waiting += b.bytes();
            }
            ready.add(b);
        }

        /** The next batch to write, or null when all are read. */
        Batch next() throws java.io.IOException {
            Object next;
            try {
                next = ready.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading the folder");
            }
            if (next instanceof java.io.IOException e) {
                throw e;
            } else if (next instanceof RuntimeException e) {
                throw e;
            } else if (next instanceof Error e) {
                throw e;
            } else if (next instanceof Throwable e) {
                throw new java.io.IOException(e);
            }
            return next == END ? null : (Batch) next;
        }

        /** A batch is written: its content no longer counts against the reading. */
        synchronized void written(Batch b) {
            waiting -= b.bytes();
            notifyAll();
        }

        /** Stops the reading (a failed write ends the run) and waits for the thread. */
        @Override
        public void close() {
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Writes one batch: backs up the database versions it overwrites although someone else changed them, then writes
     * (see {@link #writeOrSkip}); a row that changed since the plan becomes a conflict.
     */
    private void writeBatch(List<Write> batch, List<String> overwritten, SqlConsumer<Skill> backup,
            Map<String, SyncPlan.Step> outcome, Map<Long, SkillMapping.SkillRecord> written)
            throws SQLException, java.io.IOException {
        if (batch.isEmpty()) {
            return;
        }
        if (!overwritten.isEmpty() && backup != null) {
            // A row whose paths are unsafe is not written into the backup folder (history keeps it, in the
            // database): its paths could point anywhere.
            fetch(overwritten, f -> {
                if (f.row().invalid() == null) {
                    backup.accept(f.skill());
                }
            });
        }
        Map<String, Long> ids = writeOrSkip(batch, outcome);
        for (Write w : batch) {
            Long id = ids.get(w.record().path());
            if (id == null) {
                outcome.put(w.record().path(), changedMeanwhile(w.record().path()));
            } else if (id >= 0) {
                written.put(id, w.record().withoutContent());
            }
        }
    }

    /**
     * Writes a batch under a savepoint; when the database refuses it, retries skill by skill, each refused one
     * becoming a skip (id -1). A lost connection is never retried.
     */
    private Map<String, Long> writeOrSkip(List<Write> batch, Map<String, SyncPlan.Step> outcome) throws SQLException {
        Savepoint sp = connection.setSavepoint();
        try {
            Map<String, Long> ids = write(batch);
            connection.releaseSavepoint(sp);
            return ids;
        } catch (SQLException e) {
            if (Database.isConnectionLoss(e)) {
                throw e; // a rollback on a dead connection would only hide this error behind its own
            }
            connection.rollback(sp);
        }
        Map<String, Long> ids = new HashMap<>();
        for (Write w : batch) {
            Savepoint one = connection.setSavepoint();
            try {
                ids.putAll(write(List.of(w)));
                connection.releaseSavepoint(one);
            } catch (SQLException refused) {
                if (Database.isConnectionLoss(refused)) {
                    throw refused;
                }
                connection.rollback(one);
                String path = w.record().path();
                // A batch error's own message quotes the statement with its values (bodies may be private): say
                // what the server said instead.
                SQLException said = refused instanceof java.sql.BatchUpdateException && refused.getNextException()
                        != null ? refused.getNextException() : refused;
                outcome.put(path, new SyncPlan.Step(path, SyncPlan.Action.SKIP,
                        "the database refused it: " + Cli.describe(said)));
                ids.put(path, -1L);
            }
        }
        return ids;
    }

    /** The step of a skill whose row changed between the plan and the write: a conflict. */
    static SyncPlan.Step changedMeanwhile(String path) {
        return new SyncPlan.Step(path, SyncPlan.Action.CONFLICT,
                "changed in the database while this run was planning; run again");
    }

    /**
     * Archives rows (the deletion marker), each only while its fingerprint is the one the plan saw, and records the
     * archived row's hash as this tool's write. Returns the paths archived.
     */
    Set<String> archive(List<Row> rows) throws SQLException, java.io.IOException {
        lock(rows);
        keepVersions(rows, History.reason(SyncPlan.Action.ARCHIVE_IN_DB));
        int[] counts = batch(sql.archiveSkill(), rows, (p, r) -> p.number(r.skillId()).string(r.fingerprint()));
        Set<String> done = new LinkedHashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            if (counts[i] != 0) {
                done.add(rows.get(i).path());
            }
        }
        List<Row> archived = new ArrayList<>();
        fetch(done, f -> archived.add(f.row()));
        batch(SkillSql.UPDATE_META_HASH, archived, (p, r) -> p.string(r.hash()).number(r.skillId()));
        refreshFingerprints(done);
        return done;
    }

    /**
     * Before rows are written: locks them and the rows of theirs the fingerprint covers (PostgreSQL; one statement),
     * waiting for any writer that holds them, so the compare-and-swap that follows sees what that writer committed and
     * fails on a changed row. Without the lock, an update that waits on a row lock rechecks its fingerprint with the
     * values from before the wait, and the other writer's edit is overwritten. SQLite needs none: its transaction is
     * BEGIN IMMEDIATE.
     */
    private void lock(Collection<Row> rows) throws SQLException {
        lockIds(rows.stream().map(Row::skillId).toList());
    }

    private void lockIds(Collection<Long> ids) throws SQLException {
        if (sql.lockSkills() == null || ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(sql.lockSkills())) {
            ps.setString(1, json(ids.stream().map(String::valueOf).toList()));
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
        List<Long> depDeletes = new ArrayList<>();
        List<SkillMapping.DependencyRow> deps = new ArrayList<>();
        List<Long> refDeletes = new ArrayList<>();
        List<SkillMapping.ReferenceRow> refs = new ArrayList<>();
        for (Map.Entry<Long, SkillMapping.SkillRecord> w : written.entrySet()) {
            long id = w.getKey();
            SkillMapping.SkillRecord r = w.getValue();
            if (!r.dependencies().isEmpty()) {
                depDeletes.add(id);
                for (SkillMapping.Dependency d : r.dependencies()) {
                    Long target = target(r.path(), d.target(), id, "dependency", byPath, byName, warn);
                    if (target != null) {
                        deps.add(new SkillMapping.DependencyRow(id, target, d.type()));
                    }
                }
            }
            if (!r.seeAlso().isEmpty()) {
                refDeletes.add(id);
                for (String ref : r.seeAlso()) {
                    Long target = target(r.path(), ref, id, "see_also reference", byPath, byName, warn);
                    if (target != null) {
                        refs.add(new SkillMapping.ReferenceRow(id, target));
                    }
                }
            }
        }
        int changed = java.util.stream.IntStream.concat(
                java.util.Arrays.stream(batch(SkillSql.DELETE_SKILL_DEPENDENCIES, depDeletes, Params::number)),
                java.util.Arrays.stream(batch(SkillSql.UPSERT_SKILL_DEPENDENCY, deps,
                        (p, d) -> p.number(d.dependentId()).number(d.dependencyId()).string(d.type()))))
                .map(n -> n == Statement.SUCCESS_NO_INFO ? 1 : n).sum();
        batch(SkillSql.DELETE_SKILL_REFERENCES, refDeletes, Params::number);
        batch(SkillSql.INSERT_SKILL_REFERENCE, refs, (p, r) -> p.number(r.sourceId()).number(r.targetId()));
        if (changed > 0) {
            updateDependencyClosure();
        }
    }

    /**
     * Brings the service's dependency_closure up to date after skill_dependencies changed, in the run's transaction,
     * with the meaning the service gives it: one row per skill and skill it depends on, directly or through others, at
     * the shortest depth, with the dependency types along that path. Computed here rather
     * than by the service's update_dependency_closure(): that function keeps an arbitrary path's depth where several
     * lead to a skill (its DISTINCT ON has no ORDER BY), and never ends once a skill reaches a cycle it is not part
     * of.
     */
    private void updateDependencyClosure() throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.executeUpdate(SkillSql.DELETE_DEPENDENCY_CLOSURE);
            st.executeUpdate(sql.fillDependencyClosure());
        }
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

    /** Binds one row's values to a statement's parameters, in the order of its {@code ?}s. */
    @FunctionalInterface
    interface Binder<T> {
        void bind(Params params, T row) throws SQLException;
    }

    /** A statement's parameters, bound one after another; a null is bound as SQL NULL. */
    static final class Params {
        /** Above this, bytes go to pgjdbc as a stream: its setBytes copies the array, a second copy of a large file. */
        private static final int STREAM_FROM = 1 << 20;
        private final PreparedStatement ps;
        private final boolean streams;
        private int at;

        /** {@code streams}: bind large byte arrays as streams (PostgreSQL; sqlite-jdbc would copy a stream). */
        Params(PreparedStatement ps, boolean streams) {
            this.ps = ps;
            this.streams = streams;
        }

        Params string(String v) throws SQLException {
            if (v == null) {
                ps.setNull(++at, Types.VARCHAR);
            } else {
                ps.setString(++at, v);
            }
            return this;
        }

        Params number(long v) throws SQLException {
            ps.setLong(++at, v);
            return this;
        }

        Params bool(boolean v) throws SQLException {
            ps.setBoolean(++at, v);
            return this;
        }

        Params bytes(byte[] v) throws SQLException {
            if (v == null) {
                ps.setNull(++at, Types.VARCHAR);
            } else if (streams && v.length > STREAM_FROM) {
                ps.setBinaryStream(++at, new java.io.ByteArrayInputStream(v), v.length);
            } else {
                ps.setBytes(++at, v);
            }
            return this;
        }
    }

    /** Runs one statement for every row, as one JDBC batch (one round trip); returns the update counts. */
    private <T> int[] batch(String statement, List<T> rows, Binder<T> binder) throws SQLException {
        if (rows.isEmpty()) {
            return new int[0];
        }
        try (PreparedStatement ps = connection.prepareStatement(statement)) {
            for (T row : rows) {
                binder.bind(new Params(ps, dialect == Database.Dialect.POSTGRESQL), row);
                ps.addBatch();
            }
            return ps.executeBatch();
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
}
