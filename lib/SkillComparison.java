import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The diff command: which skills to compare (the ones named, or every skill in scope), each skill's two versions
 * (the database's, fetched in DatabaseSide's batches for only the skills whose hashes differ, or with --base the
 * last sync's from the {@link BaseStore}, against the folder's, read one skill at a time), and the exit code: 0 when
 * nothing differs, 4 when something does. The text of each difference is {@link SkillDiff}'s. Nothing is written
 * anywhere, not even the hash cache.
 */
final class SkillComparison {
    static final Side DATABASE = new Side("db", "the database");
    static final Side FOLDER = new Side("local", "the folder");
    static final Side LAST_SYNC = new Side("base", "the last sync");

    /** A side's label in file headers and its name in prose. */
    record Side(String label, String name) {
        SkillDiff.Side of(Skill skill) {
            return SkillDiff.Side.of(label, name, skill);
        }
    }

    /**
     * What the command asks for: the skills named (empty: every skill in scope), against the last sync instead of the
     * database, colour or not.
     */
    record Request(Settings settings, Scope scope, List<String> skills, boolean base, boolean color) {
    }

    private final Request request;
    private final RunContext context;
    private final PrintWriter out;
    private final PrintWriter err;
    private final LocalSide local;
    private boolean differs;
    /** With --base: skills that differ from the last sync but whose content then is not kept, and those shown. */
    private int notKept;
    private int shown;

    private SkillComparison(Request request, RunContext context, PrintWriter out, PrintWriter err) {
        this.request = request;
        this.context = context;
        this.out = out;
        this.err = err;
        this.local = new LocalSide(request.settings(), false, this::warn, Hooks.NONE);
    }

    static int run(Request request, RunContext context, PrintWriter out, PrintWriter err) throws Exception {
        SkillComparison c = new SkillComparison(request, context, out, err);
        try {
            if (request.base()) {
                c.compareWithBase();
            } else {
                c.compareWithDatabase();
            }
        } finally {
            out.flush();
            err.flush();
        }
        if (c.notKept > 0 && c.shown == 0) {
            throw new Engine.Aborted("the content of the last sync is not kept for " + (c.notKept == 1
                    ? "the skill that differs from it" : "any of the " + c.notKept + " skills that differ from it")
                    + " (it is kept from the next sync-db on); without --base, diff compares with the database");
        }
        return c.differs ? Cli.DIFFERENCES : Cli.OK;
    }

    /** The database named by the options, announced when it is the embedded default. */
    private Database.Target target() {
        Settings o = request.settings();
        Database.Target target = Database.resolve(o.db(), context.env());
        if (target.embeddedDefault() && !o.quiet()) {
            err.println("using the embedded database " + target.sqliteFile() + " (set DATABASE_URL or --db for "
                    + "PostgreSQL)");
        }
        return target;
    }

    /**
     * The folder against the last sync of this folder with this database: its hashes from the sync state, its
     * content from the base store beside it. No connection is made.
     */
    private void compareWithBase() throws Exception {
        Scope scope = request.scope().everyStatus();
        local.check(false);
        Database.Target target = target();
        Path stateFile = SyncState.file(local.dir(), target.identity());
        if (!Files.isRegularFile(stateFile)) {
            throw new Engine.Aborted("no sync of " + request.settings().skillsDir() + " with " + target.display()
                    + " is recorded, so there is no last sync to compare with; without --base, diff compares with "
                    + "the database");
        }
        Map<String, String> base = new java.util.TreeMap<>();
        SyncState.load(stateFile, this::warn).forEach((p, h) -> {
            if (scope.contains(p)) {
                base.put(p, h);
            }
        });
        BaseStore store = BaseStore.of(stateFile);
        local.settleLayout(stateFile);
        Map<String, SyncPlan.Side> folder = local.list(scope);
        // A flat folder stands for the paths the last sync recorded (no database: no rows to pair with).
        local.place(folder, Map.of(), base, base.keySet(), scope, SyncPlan.Mode.SYNC, Map::of)
                .forEach(this::notCompared);
        List<String> paths = chosen(folder.keySet(), base.keySet(), LAST_SYNC);
        Map<String, SyncPlan.Side> hidden = local.behindLinks(paths.stream().filter(p -> !folder.containsKey(p))
                .toList());
        for (String path : paths) {
            SyncPlan.Side l = folder.getOrDefault(path, hidden.get(path));
            String hash = base.get(path);
            if (l != null && l.invalid() != null) {
                notCompared(path, l.invalid());
                continue;
            }
            if (l != null && l.hash().equals(hash)) {
                continue;
            }
            SkillDiff.Side old = SkillDiff.Side.absent(LAST_SYNC.label(), LAST_SYNC.name());
            if (hash != null) {
                BaseStore.Base kept = store.load(path, hash);
                if (kept == null) {
                    differs = true;
                    notKept++;
                    out.println("skill " + SkillDiff.shown(path) + ": differs from the last sync, whose content is "
                            + "not kept");
                    continue;
                }
                old = lastSync(kept);
            }
            Skill mine = l == null ? null : readLocal(path);
            if (l == null || mine != null) {
                print(path, old, FOLDER.of(mine));
            }
        }
    }

    /**
     * The last sync's version of a skill as the diff sees it: text files with their content (null when the store
     * lost it), binary files by digest and size. A text file too large to be kept is marked text, so that it reads as
     * "not kept" rather than as binary when the folder's version is text.
     */
    private static SkillDiff.Side lastSync(BaseStore.Base kept) {
        List<SkillDiff.File> files = new ArrayList<>();
        for (BaseStore.Entry e : kept.files()) {
            Skill.FileDigest d = e.digest();
            boolean text = e.text() || d.size() > BaseStore.MAX_TEXT;
            files.add(new SkillDiff.File(d.path(), d.executable(), d.size(), d.sha256(),
                    e.text() ? kept.text(d.path()) : null, text));
        }
        return new SkillDiff.Side(LAST_SYNC.label(), LAST_SYNC.name(), files);
    }

    private void compareWithDatabase() throws Exception {
        Scope scope = request.scope().everyStatus();
        local.check(false);
        Database.Target target = target();
        Path stateFile = SyncState.file(local.dir(), target.identity());
        local.settleLayout(stateFile);
        Map<String, SyncPlan.Side> folder = local.list(scope);
        boolean noDatabase = target.sqliteFile() != null && !Files.exists(target.sqliteFile());
        Connection connection = noDatabase ? null : Database.connect(target, context.connections());
        try (Connection c = connection) {
            DatabaseSide db = c == null || !Database.schemaPresent(c, target.dialect()) ? null
                    : new DatabaseSide(c, target.dialect());
            Map<String, DatabaseSide.Row> rows = new java.util.LinkedHashMap<>();
            if (db != null) {
                rows.putAll(db.list(scope));
            }
            // A flat folder's skills are compared with the rows they stand for (see FlatLayout); refused ones not.
            Map<String, String> base = SyncState.load(stateFile, this::warn);
            local.place(folder, rows, base, base.keySet(), scope, SyncPlan.Mode.SYNC,
                    db == null ? Map::of : db::statuses).forEach((path, why) -> {
                        notCompared(path, why);
                        rows.remove(path);
                    });
            List<String> paths = chosen(folder.keySet(), rows.keySet(), DATABASE);
            Map<String, SyncPlan.Side> hidden = local.behindLinks(paths.stream()
                    .filter(p -> !folder.containsKey(p)).toList());
            // Consecutive skills are compared together, so their database versions come in one batch and the
            // output keeps the paths' order; a segment ends when its database versions fill a batch.
            List<String> segment = new ArrayList<>();
            List<String> fetch = new ArrayList<>();
            long bytes = 0;
            for (String path : paths) {
                SyncPlan.Side l = folder.getOrDefault(path, hidden.get(path));
                DatabaseSide.Row r = rows.get(path);
                if (r != null && r.archived()) {
                    r = null;
                }
                if (l != null && l.invalid() != null) {
                    notCompared(path, l.invalid());
                    continue;
                }
                if (l == null && r == null || l != null && r != null && l.hash().equals(r.hash())) {
                    continue;
                }
                if (r != null) {
                    if (!fetch.isEmpty() && (fetch.size() >= DatabaseSide.BATCH
                            || bytes + db.size(path) > DatabaseSide.BATCH_BYTES)) {
                        compare(db, segment, fetch, folder);
                        segment.clear();
                        fetch.clear();
                        bytes = 0;
                    }
                    fetch.add(path);
                    bytes += db.size(path);
                }
                segment.add(path);
            }
            compare(db, segment, fetch, folder);
        } catch (SQLException e) {
            if (Database.isConnectionLoss(e)) {
                throw new SQLException("lost the connection to " + target.display() + " while reading; nothing was "
                        + "changed, run again", e.getSQLState(), e);
            }
            throw e;
        }
    }

    /**
     * The skills to compare, in order: those named (each must exist on a side), else every skill in scope; a
     * --skill-path that matches nothing is an error, as for every command.
     */
    private List<String> chosen(java.util.Set<String> folder, java.util.Set<String> others, Side other)
            throws Engine.Aborted {
        TreeSet<String> known = new TreeSet<>(Skill::compareUtf8);
        known.addAll(folder);
        known.addAll(others);
        Scope scope = request.scope();
        if (!scope.pathPrefix().isEmpty() && known.isEmpty()) {
            throw new Engine.Aborted("--skill-path " + scope.pathPrefix() + " matches no skill in the folder or "
                    + other.name());
        }
        if (request.skills().isEmpty()) {
            return new ArrayList<>(known);
        }
        TreeSet<String> named = new TreeSet<>(Skill::compareUtf8);
        for (String name : request.skills()) {
            String path = skillPath(name);
            if (!known.contains(path)) {
                throw new Engine.Aborted("no skill " + name + " in the folder or " + other.name()
                        + (scope.pathPrefix().isEmpty() ? "" : " under --skill-path " + scope.pathPrefix()));
            }
            named.add(path);
        }
        return new ArrayList<>(named);
    }

    /**
     * A skill as the user names it: its path below the skills folder ("./a/b/" is "a/b"), or the path of its folder
     * as typed from the working directory (e.g. skills/a/b, which shell completion gives), or absolute.
     */
    private String skillPath(String name) {
        Path skillsDir = local.dir();
        Path typed = Path.of(name).toAbsolutePath().normalize();
        if (typed.startsWith(skillsDir) && !typed.equals(skillsDir) && (Path.of(name).isAbsolute()
                || !Files.isDirectory(skillsDir.resolve(name)))) {
            return SkillFolder.relative(skillsDir, typed);
        }
        return Scope.path(name.replace('\\', '/'));
    }

    /** Compares a segment of skills; {@code fetch} are those of them whose database version is needed. */
    private void compare(DatabaseSide db, List<String> segment, List<String> fetch, Map<String, SyncPlan.Side> folder)
            throws SQLException, IOException {
        Map<String, Skill> fetched = new HashMap<>();
        if (!fetch.isEmpty()) {
            db.fetch(fetch, f -> fetched.put(f.row().path(), f.skill()));
        }
        for (String path : segment) {
            Skill mine = folder.containsKey(path) ? readLocal(path) : null;
            if (mine == null && folder.containsKey(path)) {
                continue;
            }
            // A row gone between the listing and the fetch is absent now.
            print(path, DATABASE.of(fetched.get(path)), FOLDER.of(mine));
            fetched.remove(path);
        }
    }

    /** The folder's version, or null after saying why it cannot be read (a difference: it is not what it was). */
    private Skill readLocal(String path) {
        try {
            return local.read(path);
        } catch (IOException e) {
            notCompared(path, SyncPlan.Step.unreadable(path, e).reason());
            return null;
        }
    }

    private void print(String path, SkillDiff.Side old, SkillDiff.Side now) {
        String text = SkillDiff.format(path, old, now, request.color());
        if (!text.isEmpty()) {
            differs = true;
            shown++;
            out.print(text);
        }
    }

    /** A skill whose folder cannot be compared (read as one skill): named with why, and counted as a difference. */
    private void notCompared(String path, String reason) {
        differs = true;
        out.println("skill " + SkillDiff.shown(path) + ": not compared: " + reason);
    }

    private void warn(String warning) {
        if (!request.settings().quiet()) {
            synchronized (err) {
                err.println("warning: " + warning);
            }
        }
    }
}
