import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection is cut mid-run: the transaction rolls back, local files are untouched, the error says what happened,
 * the exit code is 1, and a rerun completes. PostgreSQL only (SQLite has no connection to lose).
 */
class NetworkFaultTest {
    static Path corpus(Path tmp, int skills) throws Exception {
        Path dir = tmp.resolve("a/skills");
        Random random = new Random(7);
        for (int i = 0; i < skills; i++) {
            Path skill = dir.resolve("net/s" + i);
            TestSupport.write(skill.resolve("SKILL.md"), "---\nname: s" + i + "\n---\nbody " + i + "\n");
            byte[] bytes = new byte[32 * 1024];
            random.nextBytes(bytes);
            Files.createDirectories(skill.resolve("assets"));
            Files.write(skill.resolve("assets/blob.bin"), bytes);
        }
        return dir;
    }

    @Test
    void terminatingTheBackendMidExportRollsBackAndARerunCompletes(@TempDir Path tmp) throws Exception {
        Path a = corpus(tmp, 300);
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create("postgresql", tmp)) {
            // Create the schema first, so the run to be cut spends its time writing skills.
            Path empty = Files.createDirectories(tmp.resolve("empty/skills"));
            assertEquals(0, TestSupport.run("export-to-db", env, "-s", empty.toString(), "--db", db.url()).code());
            AtomicBoolean terminated = new AtomicBoolean();
            CompletableFuture<Void> killer = CompletableFuture.runAsync(() -> {
                try (Connection c = db.connect(); Statement st = c.createStatement()) {
                    for (int i = 0; i < 2000 && !terminated.get(); i++) {
                        try (ResultSet rs = st.executeQuery("select pg_terminate_backend(pid) from pg_stat_activity"
                                + " where datname = current_database() and application_name = 'skill-fleet'"
                                + " and xact_start is not null and pid <> pg_backend_pid()")) {
                            while (rs.next()) {
                                terminated.set(terminated.get() || rs.getBoolean(1));
                            }
                        }
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            TestSupport.Run cut = TestSupport.run("export-to-db", env, "-s", a.toString(), "--db", db.url());
            killer.join();
            assertTrue(terminated.get(), "the backend was terminated mid-run");
            assertEquals(1, cut.code(), cut.all());
            assertTrue(cut.err().contains("lost the connection to") && cut.err().contains("rolled back"), cut.err());
            assertEquals("0", TestSupport.column(db, "select count(*) from skills").get(0), "nothing committed");
            // .skill-fleet/ holds the folder's lock file by now; the state file must not be there.
            Path state = SyncState.file(a, Database.resolve(db.url(), n -> null).identity());
            assertFalse(Files.exists(state), "no state recorded");

            TestSupport.Run rerun = TestSupport.run("export-to-db", env, "-s", a.toString(), "--db", db.url());
            assertEquals(0, rerun.code(), rerun.all());
            assertEquals("300", TestSupport.column(db, "select count(*) from skills").get(0));
            assertTrue(Files.exists(state), "the completed run recorded its state");
        }
    }

    @Test
    void aProxyThatDropsTheSocketMidImportLeavesTheFolderUntouched(@TempDir Path tmp) throws Exception {
        Path a = corpus(tmp, 100);
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create("postgresql", tmp)) {
            assertEquals(0, TestSupport.run("export-to-db", env, "-s", a.toString(), "--db", db.url()).code());
            Database.Target server = Database.resolve(db.url(), n -> null);
            String hostPort = server.jdbcUrl().replaceFirst("^jdbc:postgresql://([^/]+)/.*$", "$1");
            try (DroppingProxy proxy = new DroppingProxy(hostPort, 600_000)) {
                String viaProxy = db.url().replace(hostPort, "127.0.0.1:" + proxy.port());
                Path b = tmp.resolve("b/skills");
                TestSupport.Run cut = TestSupport.run("import-from-db", env, "--status", "all", "-s", b.toString(),
                        "--db", viaProxy);
                assertTrue(proxy.dropped(), "the proxy dropped the connection: " + cut.all());
                assertEquals(1, cut.code(), cut.all());
                assertTrue(cut.err().contains("lost the connection to") && cut.err().contains("run again"), cut.err());
                // Whatever was written is complete: every skill folder present is byte-identical to its source.
                int written = 0;
                for (String skill : Files.exists(b) ? SkillFolder.list(b, w -> { }) : List.<String>of()) {
                    TestSupport.assertSameTree(a.resolve(skill), b.resolve(skill));
                    written++;
                }
                assertTrue(written < 100, "the cut came before the end: " + written);
                CrashTest.assertNoWorkFolders(tmp);
                TestSupport.Run rerun = TestSupport.run("import-from-db", env, "--status", "all", "-s", b.toString(),
                        "--db", db.url());
                assertEquals(0, rerun.code(), rerun.all());
                TestSupport.assertSameTree(a, b);
            }
        }
    }

    /** Terminates the run's own connection (application_name skill-fleet), as a dropped network would. */
    static void cutTheRunsConnection(TestDatabases.TestDb db) throws java.io.IOException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(pg_terminate_backend(pid)) from pg_stat_activity"
                        + " where datname = current_database() and application_name = 'skill-fleet'"
                        + " and pid <> pg_backend_pid()")) {
            rs.next();
            if (rs.getInt(1) == 0) {
                throw new IllegalStateException("no connection of the run to cut");
            }
        } catch (java.sql.SQLException e) {
            throw new java.io.IOException(e);
        }
    }

    /**
     * Skills large enough that each is fetched in a batch of its own (batches are bounded by bytes): the connection
     * is cut after the first folder is written, while later batches are still to be fetched.
     */
    @Test
    void aConnectionCutAfterSomeFoldersAreWrittenLeavesThemCompleteAndTheRestUntouched(@TempDir Path tmp)
            throws Exception {
        Path a = tmp.resolve("a/skills");
        java.util.Random random = new java.util.Random(3);
        byte[] blob = new byte[9 * 1024 * 1024];
        for (int i = 0; i < 4; i++) {
            TestSupport.write(a.resolve("big/s" + i + "/SKILL.md"), "---\nname: s" + i + "\ndescription: d\n---\n");
            random.nextBytes(blob);
            Files.createDirectories(a.resolve("big/s" + i + "/assets"));
            Files.write(a.resolve("big/s" + i + "/assets/blob.bin"), blob);
        }
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create("postgresql", tmp)) {
            assertEquals(0, TestSupport.run("export-to-db", env, "-s", a.toString(), "--db", db.url()).code());
            Path b = tmp.resolve("b/skills");
            int[] built = {0};
            Hooks cutAfterTheFirst = (moment, skill) -> {
                if (moment == Hooks.Moment.FOLDER_BUILT && ++built[0] == 1) {
                    cutTheRunsConnection(db);
                }
            };
            TestSupport.Run cut = TestSupport.run("import-from-db", env, cutAfterTheFirst, "-s", b.toString(),
                    "--db", db.url());
            assertEquals(1, cut.code(), cut.all());
            assertTrue(cut.err().contains("lost the connection to") && cut.err().contains("after the database "
                    + "changes committed") && cut.err().contains("already written are complete"), cut.err());
            List<String> written = SkillFolder.list(b, w -> { });
            assertTrue(!written.isEmpty() && written.size() < 4, "some folders written, not all: " + written);
            for (String skill : written) {
                TestSupport.assertSameTree(a.resolve(skill), b.resolve(skill));
            }
            CrashTest.assertNoWorkFolders(tmp);
            TestSupport.Run rerun = TestSupport.run("import-from-db", env, "-s", b.toString(), "--db", db.url());
            assertEquals(0, rerun.code(), rerun.all());
            TestSupport.assertSameTree(a, b);
        }
    }

    @Test
    void aConnectionCutBeforeTheCommitOfASyncChangesNoFolder(@TempDir Path tmp) throws Exception {
        Path a = corpus(tmp, 20);
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create("postgresql", tmp)) {
            Path b = tmp.resolve("b/skills");
            assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
            assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url()).code());
            List<String> skills = SkillFolder.list(a, w -> { });
            // b changes two skills in the database; a changes two others: a's sync has writes on both sides.
            for (int i = 0; i < 2; i++) {
                Path md = b.resolve(skills.get(i)).resolve("SKILL.md");
                TestSupport.write(md, TestSupport.read(md) + "edited in b\n");
                Path mine = a.resolve(skills.get(10 + i)).resolve("SKILL.md");
                TestSupport.write(mine, TestSupport.read(mine) + "edited in a\n");
            }
            assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url()).code());
            Map<String, byte[]> before = TestSupport.tree(a);
            List<String> dbBefore = TestSupport.column(db, "select skill_content from skills order by skill_path");
            Hooks cutBeforeTheCommit = (moment, skill) -> {
                if (moment == Hooks.Moment.PLANNED) {
                    cutTheRunsConnection(db);
                }
            };
            TestSupport.Run cut = TestSupport.run("sync-db", env, cutBeforeTheCommit, "-s", a.toString(), "--db",
                    db.url());
            assertEquals(1, cut.code(), cut.all());
            assertTrue(cut.err().contains("before the run committed") && cut.err().contains("no folder was changed"),
                    cut.err());
            Map<String, byte[]> after = TestSupport.tree(a);
            assertEquals(before.keySet(), after.keySet());
            for (String f : before.keySet()) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(before.get(f), after.get(f), "changed: " + f);
            }
            assertEquals(dbBefore, TestSupport.column(db, "select skill_content from skills order by skill_path"),
                    "the database transaction rolled back");
            TestSupport.Run rerun = TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url());
            assertEquals(0, rerun.code(), rerun.all());
            assertTrue(rerun.out().contains("4 updated"), rerun.out());
        }
    }

    @Test
    void connectingRetriesWithBackoffThenSaysWhatFailed(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("skills"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        long start = System.nanoTime();
        TestSupport.Run r = TestSupport.run("export-to-db", Map.of(), "-s", tmp.resolve("skills").toString(),
                "--db", "postgresql://u@127.0.0.1:" + port + "/db");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(1, r.code(), r.all());
        assertTrue(r.err().startsWith("error: cannot connect to postgresql://u@127.0.0.1:" + port + "/db"), r.err());
        assertTrue(millis >= 3000, "three waits of 0.5, 1 and 2 s between four attempts: " + millis + " ms");
    }

    /** Forwards TCP to the server and, after {@code limit} bytes in either direction, drops both sockets. */
    static final class DroppingProxy implements AutoCloseable {
        private final ServerSocket listener;
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicBoolean dropped = new AtomicBoolean();

        DroppingProxy(String hostPort, long limit) throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
            int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
            Thread accept = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket client = listener.accept();
                        Socket upstream = new Socket(host, port);
                        pump(client, upstream, limit);
                        pump(upstream, client, limit);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            accept.setDaemon(true);
            accept.start();
        }

        private void pump(Socket from, Socket to, long limit) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[8192];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        if (bytes.addAndGet(n) > limit) {
                            dropped.set(true);
                            from.close();
                            to.close();
                            return;
                        }
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // one side closed; the other pump ends too
                }
            });
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        boolean dropped() {
            return dropped.get();
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
