import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The folder side of a run, the mirror of {@link DatabaseSide}: lists the skill folders in scope with their hashes,
 * reads a skill, writes or removes one (built beside, renamed in, compare-and-swap on the hash the plan saw), backs
 * up what it replaces, and recovers what an interrupted run left. The file-level mechanics are {@link SkillFolder}'s.
 */
final class LocalSide {
    private final Path skillsDir;
    private final Settings settings;
    private final boolean backup;
    private final Consumer<String> warn;
    private final Hooks hooks;
    private HashCache cache;
    /** The listing recover() made, when it changed nothing, and the warnings it held back for list(). */
    private SkillFolder.Listing listed;
    private List<String> listedWarnings = List.of();
    /** This run's layout, once {@link #settleLayout} has run (nested until then). */
    private Settings.Layout layout = Settings.Layout.NESTED;
    /** Flat layout: skill folders below the top level, from the listing (see FlatLayout). */
    private List<String> deeper = List.of();
    /** Flat layout: the folder each placed database path lives in (see {@link #place}). */
    private final Map<String, String> folderOf = new ConcurrentHashMap<>();
    /** Flat layout: how {@link #place} paired the folders (null until then); {@link #placeRenames} reads it. */
    private FlatLayout.Placement placement;
    private Path backupDir;
    private volatile boolean saved;
    private final Set<String> databaseBackups = new HashSet<>();
    private volatile boolean failed;
    /** Folder writes share it; a rename, which may remove emptied parent folders, holds it alone. */
    private final java.util.concurrent.locks.ReadWriteLock moving = new java.util.concurrent.locks.ReentrantReadWriteLock();

    /** {@code backup}: save what is replaced or removed under .skill-fleet/backup/. */
    LocalSide(Settings settings, boolean backup, Consumer<String> warn, Hooks hooks) {
        this.skillsDir = settings.skillsDir().toAbsolutePath().normalize();
        this.settings = settings;
        this.backup = backup;
        this.warn = warn;
        this.hooks = hooks;
    }

    Path dir() {
        return skillsDir;
    }

    boolean exists() {
        return Files.isDirectory(skillsDir);
    }

    /**
     * Refuses a skills folder that cannot be one: a path that exists but is not a folder, whatever the command (import
     * would otherwise try to create skill folders under a file), and a missing folder when the command needs it
     * (export). Import fills a new folder; so may a first sync. A folder that synced before and is gone now is more
     * likely unmounted or mistyped than meant to be empty: the sync brakes stop that.
     */
    void check(boolean mustExist) throws IOException {
        if (Files.exists(skillsDir) && !Files.isDirectory(skillsDir)) {
            throw new IOException("skills folder " + settings.skillsDir() + " is not a folder (set --skills-dir)");
        }
        if (mustExist && !Files.isDirectory(skillsDir)) {
            throw new IOException("skills folder " + settings.skillsDir() + " does not exist (set --skills-dir)");
        }
    }

    /** The file inside a flat folder that says it is flat: it travels with the folder (a clone, a link to it). */
    static final String FLAT_MARKER = ".skill-fleet-layout";

    /**
     * Settles the layout of this run: the one the command line asks for, else the one the folder was last synced in
     * (nested for a folder never synced). A folder is never switched silently: asking for the other layout stops the
     * run before anything changes, since every skill would look deleted on one side and new on the other. A run that
     * completes records its layout ({@link #recordLayout}): a flat folder holds the file {@value #FLAT_MARKER}, and
     * every state records the layout it was written in; a state without one (written before layouts were recorded)
     * is nested. Without the file and a state with this database, the folder's states with other databases say.
     */
    Settings.Layout settleLayout(Path stateFile) throws Engine.Aborted, IOException {
        Path marker = skillsDir.resolve(FLAT_MARKER);
        Path from = null;
        Settings.Layout recorded = null;
        if (Files.isRegularFile(marker) && Files.readAllLines(marker, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.startsWith("#")).findFirst().map(l -> Settings.Layout.of(l.strip()))
                .orElse(null) == Settings.Layout.FLAT) {
            recorded = Settings.Layout.FLAT;
            from = marker;
        }
        Settings.Layout inState = null;
        if (Files.isRegularFile(stateFile)) {
            SyncState.Header header = SyncState.header(stateFile);
            inState = header == null || header.layout() == null ? Settings.Layout.NESTED
                    : Settings.Layout.of(header.layout());
        }
        if (recorded != null && inState != null && inState != recorded) {
            throw new Engine.Aborted(settings.skillsDir() + "/" + FLAT_MARKER + " says the folder is flat, but its "
                    + "last sync with this database (" + SkillFolder.relative(SyncState.folder(skillsDir).getParent(),
                    stateFile) + ") was " + inState.label() + "; nothing was changed. Delete the one that is wrong");
        }
        if (recorded == null && inState != null) {
            recorded = inState;
            from = stateFile;
        }
        if (recorded == null) {
            // No mark and no state with this database: the folder's states with other databases say (flat if any
            // says so).
            Map<Path, SyncState.Header> others = SyncState.statesOf(skillsDir);
            for (Map.Entry<Path, SyncState.Header> e : others.entrySet()) {
                Settings.Layout l = e.getValue().layout() == null ? Settings.Layout.NESTED
                        : Settings.Layout.of(e.getValue().layout());
                if (l != null && (recorded == null || l == Settings.Layout.FLAT && recorded != l)) {
                    recorded = l;
                    from = e.getKey();
                }
            }
        }
        Settings.Layout asked = settings.layout();
        if (asked != null && recorded != null && asked != recorded) {
            throw new Engine.Aborted("the skills folder " + settings.skillsDir() + " holds its skills in the "
                    + recorded.label() + " layout (recorded in " + SkillFolder.relative(SyncState.folder(skillsDir)
                    .getParent(), from) + "), not the " + asked.label() + " one asked for; nothing was changed. Run "
                    + "with --layout " + recorded.label() + ", or import into a new folder to change layouts"
                    + (from == marker ? " (if it never held flat skills, delete " + FLAT_MARKER + ")" : ""));
        }
        layout = asked != null ? asked : recorded != null ? recorded : Settings.Layout.NESTED;
        return layout;
    }

    /** This run's layout (see {@link #settleLayout}). */
    Settings.Layout layout() {
        return layout;
    }

    /** Marks a flat folder as flat once a run on it completed (a warning if it cannot be). */
    void recordLayout() {
        Path marker = skillsDir.resolve(FLAT_MARKER);
        if (layout != Settings.Layout.FLAT || Files.isRegularFile(marker)) {
            return;
        }
        try {
            Files.createDirectories(skillsDir);
            SyncState.replace(marker, true, out -> out.write("flat\n# skill-fleet: this folder holds each skill at "
                    + "<name>/ while the database keeps its path (--layout flat); keep this file with the folder\n"));
        } catch (IOException e) {
            warn.accept("could not mark " + settings.skillsDir() + " as flat (" + FLAT_MARKER + ": "
                    + Cli.describe(e) + ")");
        }
    }

    /** This folder's key among the files of .skill-fleet (folders beside each other share it). */
    private String folderKey() {
        return Skill.sha256(skillsDir.getFileName().toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /** Finishes or undoes what an interrupted run left (work folders, a folder set aside), reported as warnings. */
    void recover() throws IOException {
        // One walk finds what to recover and lists the folder; the listing is kept for list() unless recovery
        // changed the folder. Its warnings wait until it is used, so a second walk does not repeat them.
        List<String> said = new ArrayList<>();
        SkillFolder.Listing scanned = SkillFolder.scan(skillsDir, said::add);
        if (scanned.workFolders().isEmpty()) {
            listed = scanned;
            listedWarnings = said;
            return;
        }
        SkillFolder.recover(skillsDir, backup ? backupDir().resolve("local") : null, scanned.workFolders())
                .forEach(warn);
    }

    /**
     * Every skill folder in scope with its hash, from file sizes and times where the cache knows them, the folders
     * hashed on all cores, from one walk of the folder. A folder that cannot be sent as one skill (a file over
     * --max-file-size, a linked SKILL.md, another skill inside it, a file it cannot read) gets a hash no other copy
     * can have (every comparison is a difference) and the reason. In the flat layout, the top-level folders by name,
     * whatever the scope ({@link #place} says which path each stands for).
     */
    Map<String, SyncPlan.Side> list(Scope scope) throws IOException {
        cache = HashCache.load(skillsDir);
        SkillFolder.Listing listing = listed != null ? listed : SkillFolder.scan(skillsDir, warn);
        if (listed != null) {
            listedWarnings.forEach(warn);
            listed = null;
        }
        List<String> paths;
        if (layout == Settings.Layout.FLAT) {
            paths = listing.skills().stream().filter(p -> !p.contains("/")).toList();
            deeper = listing.skills().stream().filter(p -> p.contains("/")).toList();
        } else {
            paths = listing.skills().stream().filter(scope::contains).toList();
        }
        long max = settings.maxFileSize();
        List<String> found = Collections.synchronizedList(new ArrayList<>());
        Map<String, SyncPlan.Side> sides = new ConcurrentHashMap<>();
        try (Progress progress = Progress.of("listing", paths.size(), settings)) {
            paths.parallelStream().forEach(path -> {
                String unsendable;
                String hash = null;
                try {
                    SkillFolder.Digest d = listing.digest(path, cache, max, found::add);
                    unsendable = d.invalid();
                    hash = unsendable == null ? Skill.hashOf(d.files()) : null;
                } catch (IOException e) {
                    // One unreadable skill (a file without read permission, a folder deleted meanwhile) is skipped
                    // and named; the others go through.
                    unsendable = SyncPlan.Step.unreadable(path, e).reason();
                }
                progress.step(1);
                // A skill that cannot be sent gets a hash no other copy can have: every comparison is a difference.
                sides.put(path, hash != null ? new SyncPlan.Side(hash, null, null) : SyncPlan.Side.invalid(unsendable));
            });
        }
        found.stream().sorted().forEach(warn);
        Map<String, SyncPlan.Side> local = new LinkedHashMap<>();
        paths.forEach(p -> local.put(p, sides.get(p)));
        return local;
    }

    /** Every path of the database with its status, read only when the flat layout needs it. */
    @FunctionalInterface
    interface Everywhere {
        Map<String, String> statuses() throws java.sql.SQLException;
    }

    /**
     * Keys the listing by database path, in the flat layout: each top-level folder stands for the one path its name
     * pairs with (see {@link FlatLayout}; {@code recorded}: the paths of the last sync, which say that), and only those
     * in scope stay; recorded paths whose skill moved are moved in {@code base} too. Returns the paths refused on both
     * sides, with the reason (nothing in the nested layout, where folders are at their paths already).
     */
    Map<String, String> place(Map<String, SyncPlan.Side> sides, Map<String, DatabaseSide.Row> rows,
            Map<String, String> base, java.util.Collection<String> recorded, Scope scope, SyncPlan.Mode mode,
            Everywhere db) throws java.sql.SQLException {
        if (layout != Settings.Layout.FLAT) {
            return Map.of();
        }
        Map<String, Boolean> listed = new LinkedHashMap<>();
        rows.forEach((p, r) -> listed.put(p, r.archived()));
        FlatLayout.Placement placement = FlatLayout.place(sides.keySet(), deeper, listed, db.statuses(), recorded,
                scope, mode);
        this.placement = placement;
        placement.moved().forEach((from, to) -> {
            String hash = base.remove(from);
            if (hash != null) {
                base.putIfAbsent(to, hash);
            }
        });
        Map<String, SyncPlan.Side> placed = new LinkedHashMap<>();
        placement.pathOf().forEach((folder, path) -> {
            folderOf.put(path, folder);
            if (scope.contains(path)) {
                placed.put(path, sides.get(folder));
            }
        });
        placement.misplaced().forEach((path, dir) -> {
            if (scope.contains(path) && !placement.refused().containsKey(path)) {
                placed.put(path, SyncPlan.Side.invalid("its folder " + dir + "/ lies below the top level; the flat "
                        + "layout holds each skill at <name>/ (here " + FlatLayout.name(path) + "/): move it there "
                        + "(nothing synced)"));
            }
        });
        // Any other skill folder below the top level is no skill of the flat layout: skipped (the sides differ), or
        // out of scope and left alone.
        for (String d : deeper) {
            if (placement.misplaced().containsValue(d)) {
                continue;
            }
            String why = "its folder " + d + "/ lies below the top level; the flat layout holds each skill at "
                    + "<name>/: left alone (move it to " + FlatLayout.name(d) + "/ to sync it)";
            if (!scope.contains(d) || placed.containsKey(d) || placement.refused().containsKey(d)) {
                warn.accept(d + ": " + why);
            } else {
                folderOf.put(d, d);
                placed.put(d, SyncPlan.Side.invalid(why));
            }
        }
        sides.clear();
        sides.putAll(placed);
        return placement.refused();
    }

    /**
     * The renames of the plan as the flat layout places them: a folder renamed there keeps its place in the taxonomy
     * ({@code a/x} renamed to the folder {@code y} becomes {@code a/y}, not {@code y}; see FlatLayout#renamed). A
     * folder put back where an archived skill was, while another skill's folder is gone, is no rename of it: it is
     * skipped this run, and the next sync restores the archived row (never a second row of that name).
     */
    List<SyncPlan.Step> placeRenames(List<SyncPlan.Step> steps) {
        if (placement == null) {
            return steps;
        }
        List<SyncPlan.Step> out = new ArrayList<>();
        for (SyncPlan.Step s : steps) {
            String beside = s.action() == SyncPlan.Action.RENAME_IN_DB
                    ? placement.renamed(s.from(), s.path(), folderOf::containsKey) : null;
            String archived = placement.restoreLater().get(s.path());
            if (archived != null && s.action() != SyncPlan.Action.RENAME_IN_DB) {
                out.add(new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, "put back where the archived skill "
                        + archived + " was, while another skill's folder is gone in this sync: not restored this "
                        + "run, in case it is that skill renamed; the next sync restores " + archived));
            } else if (beside == null) {
                out.add(s);
            } else {
                folderOf.put(beside, folderOf.remove(s.path()));
                out.add(new SyncPlan.Step(beside, s.action(), s.reason(), s.localHash(), s.dbHash(),
                        s.overwritesChange(), s.from(), s.resultHash()));
            }
        }
        return out;
    }

    /** The folder, relative to the skills folder, the skill at this database path lives in. */
    private String folder(String path) {
        return layout != Settings.Layout.FLAT ? path : folderOf.getOrDefault(path, FlatLayout.name(path));
    }

    /**
     * The skills among {@code known} (those the database or the last sync knows) that the folder hides behind a
     * symbolic link: a skill folder, or a category folder above it, that is a link (links inside the skills folder
     * are not followed). Such a skill is there, not deleted: it gets an invalid side, so it is skipped and named,
     * never archived or removed elsewhere.
     */
    Map<String, SyncPlan.Side> behindLinks(java.util.Collection<String> known) {
        Map<String, SyncPlan.Side> hidden = new LinkedHashMap<>();
        for (String path : known) {
            Path link = SkillFolder.symlinkOnPath(skillsDir, folder(path));
            if (link != null) {
                hidden.put(path, SyncPlan.Side.invalid(throughLink(link)));
            }
        }
        return hidden;
    }

    /** Why a skill behind a symbolic link inside the skills folder is neither read nor written. */
    private String throughLink(Path link) {
        return "the folder path goes through the symbolic link " + SkillFolder.relative(skillsDir, link) + " (links "
                + "inside the skills folder are not followed: nothing read or written; move the skill in, or link "
                + "the whole skills folder)";
    }

    /** One skill with its content; symbolic links inside it are left out. */
    Skill read(String path) throws IOException {
        Skill skill = SkillFolder.read(skillsDir, folder(path), w -> { });
        return skill.path().equals(path) ? skill : new Skill(path, skill.files());
    }

    /**
     * The steps as they can go: each that {@code sends} a local skill is read and checked now, so one that cannot be
     * stored faithfully shows as a skip in the plan (dry runs included), and linted against the Agent Skills
     * specification (warnings, in the steps' order, or a skip with --strict). Skills are read and parsed on all
     * cores; contents are not kept: apply reads them again.
     */
    List<SyncPlan.Step> checkSendable(List<SyncPlan.Step> steps, boolean strict,
            java.util.function.Predicate<SyncPlan.Step> sends) {
        record Checked(SyncPlan.Step step, List<String> lint) {
        }
        List<Checked> checked = steps.parallelStream().map(s -> {
            if (!sends.test(s)) {
                return new Checked(s, List.of());
            }
            try {
                List<String> lint = SkillMapping.toRecord(read(s.path())).lint();
                if (!lint.isEmpty() && strict) {
                    return new Checked(new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, "SKILL.md: "
                            + String.join("; ", lint) + " (--strict)"), List.of());
                }
                return new Checked(s, lint);
            } catch (InvalidSkill e) {
                return new Checked(new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, e.reason()), List.of());
            } catch (IOException e) {
                return new Checked(SyncPlan.Step.unreadable(s.path(), e), List.of());
            }
        }).toList();
        checked.forEach(c -> c.lint().forEach(problem -> warn.accept("lint: " + c.step().path() + ": " + problem)));
        return checked.stream().map(Checked::step).toList();
    }

    /** A local skill's status: its frontmatter's, active when it has none, null when it cannot be read as a skill. */
    String status(String path) {
        try {
            SkillMapping.SkillRecord r = SkillMapping.toRecord(read(path));
            return r.status() == null ? SkillMapping.DEFAULT_STATUS : r.status();
        } catch (InvalidSkill | IOException e) {
            return null;
        }
    }

    /** Held while a run writes into the folder; another run's {@link #lock} waits for it. */
    static final class Lock implements AutoCloseable {
        private final java.nio.channels.FileChannel channel;

        private Lock(java.nio.channels.FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /**
     * Takes this folder's lock (a file lock on .skill-fleet/lock-<key>, released when the process ends however it
     * ends), waiting for another run that holds it and saying so through {@code waiting}.
     */
    Lock lock(Consumer<String> waiting) throws IOException {
        Path file = SyncState.folder(skillsDir).resolve("lock-" + folderKey());
        Files.createDirectories(file.getParent());
        java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        try {
            if (channel.tryLock() == null) {
                waiting.accept("waiting for another run on " + settings.skillsDir() + " to finish");
                channel.lock();
            }
            return new Lock(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Writes a skill folder (or, with a null skill, removes it), compare-and-swap on the hash the plan saw: the
     * folder must still hash as planned (or still be absent). What is replaced or removed is backed up first.
     * Returns the step as done, or turned into a conflict or skip; a folder that cannot be written marks the run
     * failed, the others go through.
     */
    SyncPlan.Step write(SyncPlan.Step s, Skill skill) {
        java.util.concurrent.locks.Lock lock = s.action() == SyncPlan.Action.RENAME_LOCAL
                || s.action() == SyncPlan.Action.REMOVE_LOCAL ? moving.writeLock() : moving.readLock();
        lock.lock();
        try {
            return writeLocked(s, skill);
        } finally {
            lock.unlock();
        }
    }

    private SyncPlan.Step writeLocked(SyncPlan.Step s, Skill skill) {
        String folder = folder(s.path());
        Path link = SkillFolder.symlinkOnPath(skillsDir, folder);
        if (link != null) {
            return new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, throughLink(link));
        }
        try {
            if (s.action() == SyncPlan.Action.RENAME_LOCAL && !folder(s.from()).equals(folder)) {
                // The folder moves in one rename (in the flat layout, only when the name changes); its content
                // follows the database copy when that differs.
                Path from = SkillFolder.symlinkOnPath(skillsDir, folder(s.from()));
                if (from != null) {
                    return new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, throughLink(from));
                }
                SkillFolder.Replaced moved = SkillFolder.move(skillsDir, folder(s.from()), folder, s.localHash());
                if (moved.conflict() != null) {
                    return new SyncPlan.Step(s.path(), SyncPlan.Action.CONFLICT, moved.conflict());
                }
                if (skill.hash().equals(s.localHash())) {
                    return s;
                }
            }
            SkillFolder.Replaced done = SkillFolder.replace(skillsDir, folder, skill, s.localHash(),
                    backup ? backupDir().resolve("local").resolve(s.path()) : null, hooks);
            if (done.conflict() != null) {
                return new SyncPlan.Step(s.path(), SyncPlan.Action.CONFLICT, done.conflict());
            }
            if (done.backedUp()) {
                saved = true;
            }
            return s;
        } catch (IOException | RuntimeException e) {
            failed = true;
            return new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, "could not write the folder: " + Cli.describe(e));
        }
    }

    /**
     * Writes skills on a few threads while the caller goes on (streaming the next ones from the database): a folder
     * write mostly waits on the file system (creating files and folders, each file's fsync), and waits overlap. Each
     * write is the same as {@link #write} (built beside, synced, renamed in; a rename or removal runs alone). Content
     * in flight is bounded ({@link #IN_FLIGHT} bytes, a larger skill alone), so memory stays flat. {@code first}
     * sees each skill on the writing thread before it is written (the merge-base store keeps its text).
     */
    Writes writes(java.util.function.UnaryOperator<Skill> first) {
        return new Writes(first);
    }

    static final int WRITERS = 4;
    static final long IN_FLIGHT = 32L << 20;

    final class Writes implements AutoCloseable {
        private final BoundedWork<SyncPlan.Step> work = new BoundedWork<>("folder-writer", WRITERS, IN_FLIGHT);
        private final java.util.function.UnaryOperator<Skill> first;

        private Writes(java.util.function.UnaryOperator<Skill> first) {
            this.first = first;
        }

        /** Queues one write; blocks while too much content is already waiting to be written. */
        void submit(SyncPlan.Step s, Skill skill) throws IOException {
            try {
                work.submit(skill == null ? 0 : skill.size(), () -> write(s, first.apply(skill)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing the folder");
            }
        }

        /** Waits for every queued write; returns each step as it ended, in the order submitted. */
        List<SyncPlan.Step> done() throws IOException {
            try {
                return work.done();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing the folder");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException("could not write the folder: " + Cli.describe(e.getCause()), e.getCause());
            }
        }

        /** Lets queued writes finish (a write is never cut in half), then stops the threads. */
        @Override
        public void close() {
            work.close();
        }
    }

    /** Saves a database version about to be replaced under .skill-fleet/backup/<timestamp>/database/<path>/. */
    void backupDatabaseVersion(Skill skill) throws IOException {
        if (backup) {
            SkillFolder.write(backupDir().resolve("database"), skill);
            databaseBackups.add(skill.path());
        }
    }

    /**
     * Keeps the database backups of the skills these steps wrote to the database and deletes the others (their
     * write did not happen: a conflict, a refusal, a rollback), so the backup holds only what was replaced.
     */
    void keepDatabaseBackupsOf(List<SyncPlan.Step> steps) throws IOException {
        Set<String> written = new HashSet<>();
        steps.stream().filter(s -> s.action().writesDb()).forEach(s -> written.add(s.path()));
        for (String path : databaseBackups) {
            if (written.contains(path)) {
                saved = true;
            } else {
                SkillFolder.deleteTree(backupDir().resolve("database").resolve(path));
            }
        }
        databaseBackups.clear();
    }

    /** This run's backup folder, .skill-fleet/backup/<timestamp>/ (named on first use, created when written). */
    private synchronized Path backupDir() {
        if (backupDir == null) {
            Path root = SyncState.backupFolder(skillsDir);
            String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC));
            Path dir = root.resolve(stamp);
            for (int n = 2; Files.exists(dir); n++) {
                dir = root.resolve(stamp + "-" + n);
            }
            backupDir = dir;
        }
        return backupDir;
    }

    /** Where this run saved replaced versions, or null when it saved none. */
    Path savedIn() {
        return saved ? backupDir : null;
    }

    /** True when a folder could not be written. */
    boolean failed() {
        return failed;
    }

    /** Keeps the file hashes the listing computed for the next run. */
    void saveCache() {
        if (cache == null) {
            return;
        }
        try {
            cache.save();
        } catch (IOException e) {
            warn.accept("could not save the file hash cache (" + Cli.describe(e) + ")");
        }
    }
}
