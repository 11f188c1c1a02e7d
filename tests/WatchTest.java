import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * sync-db --watch as a real process: it carries a local edit up and a database edit down, each as one sync, says
 * nothing for the syncs its own writes wake, stops cleanly on SIGINT and SIGTERM (exit 0, nothing half done, even with
 * a sync in progress), and stops with exit 1 at a brake.
 */
class WatchTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final long TIMEOUT_MILLIS = 60_000;

    @TempDir Path tmp;

    Process watch(Scene scene, Path dir, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-s", dir.toString(), "--db", scene.db.url(), "--watch",
                "--interval", "1s"));
        args.addAll(List.of(more));
        return TestSupport.start(tmp.resolve("logs"), scene.env, "sync_db", args.toArray(String[]::new));
    }

    String output() throws Exception {
        return TestSupport.outputOf(tmp.resolve("logs"));
    }

    void await(String what, BooleanSupplier condition) throws Exception {
        long end = System.currentTimeMillis() + TIMEOUT_MILLIS;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < end, "timed out waiting: " + what + "\n" + output());
            Thread.sleep(100);
        }
    }

    BooleanSupplier printed(String text) {
        return () -> {
            try {
                return output().contains(text);
            } catch (Exception e) {
                return false;
            }
        };
    }

    static void signal(Process p, String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor());
    }

    static long count(String text, String line) {
        return text.lines().filter(l -> l.startsWith(line)).count();
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void carriesALocalEditUpAndADatabaseEditDownAndStopsOnSigint(String kind) throws Exception {
        try (Scene scene = Scene.create(kind, tmp, true)) {
            Process p = watch(scene, scene.a);
            try {
                await("the first sync", printed("sync-db: 0 created, 0 updated, 5 unchanged"));
                // An editor's save in two writes, close together: one sync.
                Path md = scene.a.resolve(Scene.WRITING).resolve("SKILL.md");
                String before = TestSupport.read(md);
                TestSupport.write(md, before + "\nFirst half of the save.\n");
                Thread.sleep(50);
                TestSupport.write(md, before + "\nFirst half of the save.\nSecond half.\n");
                await("the local edit in the database", () -> {
                    try {
                        return scene.content(Scene.WRITING).contains("Second half.");
                    } catch (Exception e) {
                        return false;
                    }
                });
                await("the sync's summary", printed("sync-db: 0 created, 1 updated, 4 unchanged"));

                TestSupport.execute(scene.db, "update skills set skill_content = skill_content || 'Edited in the "
                        + "database.' where skill_path = '" + Scene.JAVA + "'");
                Path java = scene.a.resolve(Scene.JAVA).resolve("SKILL.md");
                await("the database edit in the folder", () -> {
                    try {
                        return TestSupport.read(java).contains("Edited in the database.");
                    } catch (Exception e) {
                        return false;
                    }
                });
                // Two polls and a settle more: the syncs the watch's own writes wake find nothing and say nothing.
                Thread.sleep(3000);
                String out = output();
                assertEquals(1, count(out, "update-in-db " + Scene.WRITING), out);
                assertEquals(1, count(out, "update-local " + Scene.JAVA), out);
                assertEquals(3, count(out, "sync-db: "), "one summary line per sync that did something: " + out);

                signal(p, "INT");
                assertTrue(p.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "stopped");
                assertEquals(0, p.exitValue(), output());
            } finally {
                p.destroyForcibly();
            }
            assertEquals(List.of(), CrashTest.workFolders(scene.a), "no work folders left");
            TestSupport.Run check = scene.run("sync-db", scene.a, "--check");
            assertEquals(0, check.code(), "the folder and the database in step: " + check.all());
            assertEquals(0, scene.run("sync-db", scene.b).code());
            TestSupport.assertSameTree(scene.a, scene.b);
        }
    }

    /**
     * A stop while a sync waits for the folder's lock (held here, as another run would): the process stays until the
     * sync has run, then exits 0 with the edit in the database.
     */
    @ParameterizedTest
    @FieldSource("KINDS")
    void aStopFinishesTheSyncInProgressThenExitsZero(String kind) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "sees a process's open files through /proc");
        try (Scene scene = Scene.create(kind, tmp, true)) {
            Path lockFile = lockFile(scene.a);
            Process p = watch(scene, scene.a);
            try {
                await("the first sync", printed("sync-db: 0 created, 0 updated, 5 unchanged"));
                try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                        FileLock held = channel.lock()) {
                    Scene.append(scene.a, Scene.PYTHON, "\nSaved while another run held the folder.\n");
                    await("the sync waiting for the folder's lock", () -> opened(p, lockFile));
                    signal(p, "TERM");
                    assertFalse(p.waitFor(1500, TimeUnit.MILLISECONDS), "waits for the sync in progress");
                }
                assertTrue(p.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "stopped");
                assertEquals(0, p.exitValue(), output());
            } finally {
                p.destroyForcibly();
            }
            assertTrue(scene.content(Scene.PYTHON).contains("Saved while another run held the folder."), output());
            assertTrue(output().contains("sync-db: 0 created, 1 updated, 4 unchanged"), output());
            assertEquals(List.of(), CrashTest.workFolders(scene.a), "no work folders left");
            assertEquals(0, scene.run("sync-db", scene.a, "--check").code());
        }
    }

    /** A skill changed on both sides while the watch waited: reported once, left alone on both sides; it goes on. */
    @ParameterizedTest
    @FieldSource("KINDS")
    void aConflictIsReportedOnceAndLeftAloneAndTheWatchGoesOn(String kind) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "sees a process's open files through /proc");
        try (Scene scene = Scene.create(kind, tmp, true)) {
            Process p = watch(scene, scene.a, "--no-merge");
            try {
                await("the first sync", printed("sync-db: 0 created, 0 updated, 5 unchanged"));
                Path lockFile = lockFile(scene.a);
                try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                        FileLock held = channel.lock()) {
                    Scene.append(scene.a, Scene.TDD, "\nEdited in the folder.\n");
                    TestSupport.execute(scene.db, "update skills set skill_content = skill_content || 'Edited in the "
                            + "database.' where skill_path = '" + Scene.TDD + "'");
                    await("the sync waiting for the folder's lock", () -> opened(p, lockFile));
                }
                await("the conflict", printed("conflict " + Scene.TDD
                        + ": changed in the folder and in the database"));
                Thread.sleep(3000);
                assertTrue(p.isAlive(), "the watch goes on");
                String out = output();
                assertEquals(1, count(out, "conflict " + Scene.TDD), "reported once: " + out);
                String md = TestSupport.read(scene.a.resolve(Scene.TDD).resolve("SKILL.md"));
                assertTrue(md.contains("Edited in the folder.") && !md.contains("Edited in the database."), md);
                String content = scene.content(Scene.TDD);
                assertTrue(content.contains("Edited in the database.") && !content.contains("Edited in the folder."));
                signal(p, "INT");
                assertTrue(p.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "stopped");
                assertEquals(0, p.exitValue(), output());
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /** The database gone between syncs: the poll says so and the watch goes on. A first sync's failure is fatal. */
    @org.junit.jupiter.api.Test
    void aDatabaseThatGoesAwayIsReportedAndTheWatchGoesOn() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "sees a process's open files through /proc");
        try (Scene scene = Scene.create("postgresql", tmp, true)) {
            Process p = watch(scene, scene.a);
            try {
                await("the first sync", printed("sync-db: 0 created, 0 updated, 5 unchanged"));
                // Gone while a sync waits for the folder's lock: that sync fails, then the polls do.
                Path lockFile = lockFile(scene.a);
                try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                        FileLock held = channel.lock()) {
                    Scene.append(scene.a, Scene.PYTHON, "\nSaved while the database was away.\n");
                    await("the sync waiting for the folder's lock", () -> opened(p, lockFile));
                    try (java.sql.Connection c = Database.connect(Database.resolve(TestDatabases.serverUrl(),
                            n -> null)); java.sql.Statement st = c.createStatement()) {
                        st.execute("drop database " + scene.db.name() + " with (force)");
                    }
                }
                await("the failed sync", printed("; the watch goes on, trying again in 1s"));
                await("the failed poll", printed("warning: could not poll the database ("));
                Thread.sleep(1500);
                assertTrue(p.isAlive(), "the watch goes on");
                signal(p, "INT");
                assertTrue(p.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "stopped");
                assertEquals(0, p.exitValue(), output());
            } finally {
                p.destroyForcibly();
            }
            TestSupport.Run unreachable = TestSupport.run("sync-db", scene.env, "-s", scene.a.toString(), "--db",
                    "postgresql://127.0.0.1:1/none", "--watch");
            assertEquals(1, unreachable.code(), unreachable.all());
            assertEquals(1, unreachable.err().lines().count(), unreachable.err());
        }
    }

    static Path lockFile(Path skills) {
        return SyncState.folder(skills).resolve("lock-" + Skill.sha256(skills.getFileName().toString()
                .getBytes(StandardCharsets.UTF_8)).substring(0, 16));
    }

    /** True when the process has the file open (Linux). */
    static boolean opened(Process p, Path file) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(p.pid()), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file.toAbsolutePath());
                } catch (Exception e) {
                    return false;
                }
            });
        } catch (Exception e) {
            return false;
        }
    }

    /** --force is for the first sync only: a later sync still stops at the brake. */
    @ParameterizedTest
    @FieldSource("KINDS")
    void aBrakeStopsTheWatchWithExitOneAndChangesNothing(String kind) throws Exception {
        try (Scene scene = Scene.create(kind, tmp, true)) {
            Process p = watch(scene, scene.a, "--force");
            try {
                await("the first sync", printed("sync-db: 0 created, 0 updated, 5 unchanged"));
                // Every skill moved out at once (an unmounted or emptied folder), not one by one under --max-delete.
                Files.createDirectories(tmp.resolve("away"));
                for (String top : List.of("development", "operations", "writing")) {
                    Files.move(scene.a.resolve(top), tmp.resolve("away").resolve(top));
                }
                assertTrue(p.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "stopped at the brake");
                assertEquals(1, p.exitValue(), output());
            } finally {
                p.destroyForcibly();
            }
            assertTrue(output().contains("is empty but held 5 skills at the last sync"), output());
            assertEquals("5", scene.one("select count(*) from skills where cast(status as text) = 'active'"),
                    "nothing archived");
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aBadIntervalIsAOneLineUsageError(String kind) throws Exception {
        try (Scene scene = Scene.create(kind, tmp, false)) {
            TestSupport.Run bad = scene.run("sync-db", scene.a, "--watch", "--interval", "soon");
            assertEquals(2, bad.code(), bad.all());
            assertTrue(bad.err().startsWith("error: Invalid value for option '--interval': 'soon' is not a duration "
                    + "like 30s, 2m, 500ms or PT30S"), bad.err());
            for (String good : List.of("500ms", "30s", "2m", "PT30S")) {
                // Parsed, then refused for want of --watch (an unparsable value is refused before).
                TestSupport.Run alone = scene.run("sync-db", scene.a, "--interval", good);
                assertEquals(2, alone.code(), alone.all());
                assertTrue(alone.err().startsWith("error: --interval is for --watch"), good + ": " + alone.err());
            }
            assertEquals(2, scene.run("sync-db", scene.a, "--watch", "--check").code());
            assertEquals(2, scene.run("sync-db", scene.a, "--watch", "--interval", "0s").code());
        }
    }
}
