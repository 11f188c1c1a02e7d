import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * sync-db --watch: the engine's ordinary sync, run again whenever the folder or the database changes, each run whole
 * (the same plan, brakes, lock and recorded state as a single run). The folder through the JDK's WatchService, which
 * is not recursive: every folder of the skills folder is registered, new ones as they appear, the tool's own work
 * folders never; events are debounced, so an editor's save is one sync. The database through its change mark (see
 * {@link DatabaseSide#changeMark}), polled every interval: LISTEN/NOTIFY does not pass a transaction pooler.
 * A stop (SIGINT, SIGTERM) lets the sync in progress finish and exits 0; a brake ends the watch with exit 1.
 */
final class Watch {
    /** How long the folder must stay quiet after an event before a sync: an editor's save is several events. */
    static final Duration SETTLE = Duration.ofMillis(300);
    /** The longest a stream of events holds a sync back. */
    static final Duration SETTLE_AT_MOST = Duration.ofSeconds(3);
    /** How often a wait looks whether the watch was asked to stop. */
    private static final long TICK_MILLIS = 100;

    private enum Wake { FOLDER, POLL, STOP }

    private final Engine.Request first;
    private final Engine.Request again;
    private final Duration interval;
    private final PrintWriter out;
    private final PrintWriter err;
    private final RunContext context;
    private final Path root;
    private final Map<WatchKey, Path> watched = new HashMap<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile int exitCode = Cli.ERROR;
    /** True while some folder could not be watched (missing, or the system's limit of watches reached). */
    private boolean blind;
    /** What the last sync left different (conflicts, skips), so a repeat that changes nothing prints nothing. */
    private Set<String> leftDifferent;

    private Watch(Engine.Request request, Duration interval, PrintWriter out, PrintWriter err, RunContext context) {
        this.first = request;
        // --force and --resync are for the first sync only: a watch must not go past a brake, nor forget each sync.
        Engine.Request r = request;
        SyncPlan.Policy p = r.policy();
        this.again = new Engine.Request(r.command(), r.settings(), new SyncPlan.Policy(p.mode(), false, p.prefer(),
                p.noDelete(), p.merge()), r.scope(), r.check(), r.maxDelete(), r.backup(), r.strict(), false);
        this.interval = interval;
        this.out = out;
        this.err = err;
        this.context = context;
        this.root = request.settings().skillsDir().toAbsolutePath().normalize();
    }

    /** Syncs, then again on every change, until stopped (exit 0) or braked (exit 1). */
    static int run(Engine.Request request, Duration interval, PrintWriter out, PrintWriter err, RunContext context)
            throws Exception {
        return new Watch(request, interval, out, err, context).run();
    }

    private int run() throws Exception {
        Thread hook = new Thread(this::finishAndHalt, "sync-db --watch stop");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = Cli.ERROR;
        try (WatchService service = FileSystems.getDefault().newWatchService()) {
            code = loop(service);
            return code;
        } finally {
            exitCode = code;
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The process is shutting down (a signal): the hook ends it, with this exit code.
            }
        }
    }

    /**
     * The shutdown hook. A stop (SIGINT, SIGTERM) lets the sync in progress finish, then ends the process with the
     * watch's exit code: 0 when stopped, where the JVM would exit 130 or 143. It halts rather than exits: the
     * System.exit the ending watch leads to in the main thread waits for the shutdown already in progress.
     */
    private void finishAndHalt() {
        stopping = true;
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.flush();
        err.flush();
        Runtime.getRuntime().halt(exitCode);
    }

    private int loop(WatchService service) throws Exception {
        Database.Target target = Database.resolve(first.settings().db(), context.env());
        // The first sync is a single run: an error (unreachable database, bad URL) or a brake ends the watch.
        String mark = markOrNull(target);
        // Watched from before the first sync, so an edit made while it runs wakes the next.
        register(service);
        sync(first, true);
        register(service);
        long pollAt = System.nanoTime() + interval.toNanos();
        while (!stopping) {
            Wake wake = await(service, pollAt);
            if (wake == Wake.STOP) {
                break;
            }
            if (wake == Wake.POLL) {
                pollAt = System.nanoTime() + interval.toNanos();
                String now;
                try {
                    now = mark(target);
                } catch (SQLException e) {
                    // Away for a moment (a restart, the network): said once per interval; the sync waits for it.
                    say(err, "warning: could not poll the database (" + Cli.describe(e) + "); trying again in "
                            + display(interval));
                    continue;
                }
                // Null: the sync before failed, and is tried again.
                if (!blind && now.equals(mark)) {
                    continue;
                }
            }
            // Taken before the sync: a change anyone makes from here on (this sync's own writes too) shows at the
            // next poll, whose sync then finds nothing to do and says nothing.
            mark = markOrNull(target);
            try {
                if (sync(again, false) == Cli.ERROR) {
                    mark = null;
                }
            } catch (Engine.Aborted e) {
                say(err, "error: " + e.getMessage() + "; the watch stops");
                return Cli.ERROR;
            } catch (Exception e) {
                say(err, "error: " + Cli.describe(e) + "; the watch goes on, trying again in " + display(interval));
                mark = null;
            }
            register(service);
        }
        return Cli.OK;
    }

    /**
     * One ordinary sync. Its output (warnings, skills, the summary line) is held until it ends and printed unless the
     * run is not the first and did nothing new: changed no skill, failed nowhere, and left different the same skills
     * as the sync before (so the sync its own writes wake prints nothing). Returns its exit code.
     */
    private int sync(Engine.Request request, boolean firstRun) throws Exception {
        StringWriter runOut = new StringWriter();
        StringWriter runErr = new StringWriter();
        Engine.Outcome outcome = Engine.sync(request, new PrintWriter(runOut, true), new PrintWriter(runErr, true),
                context);
        Set<String> left = new TreeSet<>();
        boolean acted = false;
        for (SyncPlan.Step s : outcome.steps()) {
            if (Report.leftDifferent(s.action())) {
                left.add(s.path() + " " + s.action().label);
            } else if (s.action() != SyncPlan.Action.UNCHANGED && s.action() != SyncPlan.Action.GONE) {
                acted = true;
            }
        }
        boolean quiet = !firstRun && !acted && outcome.exitCode() != Cli.ERROR && left.equals(leftDifferent);
        leftDifferent = left;
        if (!quiet) {
            err.print(runErr);
            err.flush();
            out.print(runOut);
            out.flush();
        }
        return outcome.exitCode();
    }

    /** The database's change mark now. */
    private String mark(Database.Target target) throws SQLException {
        try (Connection c = Database.connect(target, context.connections())) {
            return new DatabaseSide(c, target.dialect()).changeMark(first.scope().everyStatus());
        }
    }

    /**
     * The same, or null when it cannot be read (no schema yet, the database away): the next poll then syncs. A
     * SQLite file that does not exist yet is left for the sync to create.
     */
    private String markOrNull(Database.Target target) {
        if (target.sqliteFile() != null && !Files.exists(target.sqliteFile())) {
            return null;
        }
        try {
            return mark(target);
        } catch (SQLException e) {
            return null;
        }
    }

    /**
     * Waits for the folder to change and settle (FOLDER), for the time to poll the database (POLL), or for a stop.
     */
    private Wake await(WatchService service, long pollAt) throws InterruptedException {
        long settleAt = 0;
        long settleLimit = 0;
        boolean changed = false;
        while (!stopping) {
            long now = System.nanoTime();
            if (changed && (now - settleAt >= 0 || now - settleLimit >= 0)) {
                return Wake.FOLDER;
            }
            if (!changed && now - pollAt >= 0) {
                return Wake.POLL;
            }
            long until = changed ? Math.min(settleAt, settleLimit) : pollAt;
            long wait = Math.max(1, Math.min(TICK_MILLIS, TimeUnit.NANOSECONDS.toMillis(until - now)));
            WatchKey key = service.poll(wait, TimeUnit.MILLISECONDS);
            if (key != null && relevant(service, key)) {
                now = System.nanoTime();
                settleAt = now + SETTLE.toNanos();
                if (!changed) {
                    settleLimit = now + SETTLE_AT_MOST.toNanos();
                }
                changed = true;
            }
        }
        return Wake.STOP;
    }

    /** True when a key's events include a change to the skills (not to the tool's own work folders). */
    private boolean relevant(WatchService service, WatchKey key) {
        Path dir = watched.get(key);
        boolean any = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                any = true;
                continue;
            }
            Path child = dir == null ? null : dir.resolve((Path) event.context());
            if (child == null || ours(child)) {
                continue;
            }
            if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE
                    && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                registerTree(service, child);
            }
            any = true;
        }
        if (!key.reset()) {
            watched.remove(key);
        }
        return any;
    }

    /** True for the tool's own work folders and what is in them, and a .skill-fleet folder. */
    private boolean ours(Path path) {
        for (Path segment : root.relativize(path)) {
            String name = segment.toString();
            if (name.startsWith(SkillFolder.WORK_PREFIX) || name.equals(".skill-fleet")) {
                return true;
            }
        }
        return false;
    }

    /** Watches every folder of the skills folder not watched yet (a sync may have created some). */
    private void register(WatchService service) {
        blind = !Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS);
        if (!blind) {
            registerTree(service, root);
        }
    }

    private void registerTree(WatchService service, Path top) {
        try {
            Files.walkFileTree(top, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(root) && ours(dir)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    try {
                        watched.put(dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                                StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY), dir);
                    } catch (IOException e) {
                        // Removed meanwhile, or the system's limit of watches reached (inotify): without events
                        // from it, the watch syncs at every interval instead.
                        blind = true;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            blind = true;
        }
    }

    private static void say(PrintWriter to, String line) {
        to.println(Secrets.redact(line));
        to.flush();
    }

    /** 30s, 2m, 500ms: an interval as users write it. */
    static String display(Duration d) {
        if (d.toMillis() % 60_000 == 0) {
            return d.toMinutes() + "m";
        }
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
