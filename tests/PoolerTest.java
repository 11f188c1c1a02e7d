import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything works through PgBouncer in transaction mode, as on Neon's -pooler hosts: each transaction may run on a
 * different server connection, so the tool keeps no session state and serialises writers with a transaction-scoped
 * advisory lock. Uses Debian's pgbouncer on loopback; where it is not installed the test skips (a skip fails the run
 * under CI=true, and .ci/run installs it).
 */
class PoolerTest {
    static Path pgbouncer() {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin")) {
            Path p = Path.of(dir, "pgbouncer");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** PgBouncer in transaction mode on a free loopback port, in front of the server of a test database. */
    record Bouncer(Process process, int port) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static Bouncer pgbouncer(Path binary, Path tmp, TestDatabases.TestDb db) throws Exception {
        Database.Target server = Database.resolve(db.url(), n -> null);
        String hostPort = server.jdbcUrl().replaceFirst("^jdbc:postgresql://([^/]+)/.*$", "$1");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path conf = Files.createDirectories(tmp.resolve("pgbouncer"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(conf.resolve("users.txt"), "\"postgres\" \"\"\n");
        Files.writeString(conf.resolve("pgbouncer.ini"), String.join("\n",
                "[databases]",
                "* = host=" + hostPort.substring(0, hostPort.lastIndexOf(':')) + " port="
                        + hostPort.substring(hostPort.lastIndexOf(':') + 1),
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "unix_socket_dir =",
                "auth_type = trust",
                "auth_file = " + conf.resolve("users.txt"),
                "pool_mode = transaction",
                "default_pool_size = 4",
                "max_client_conn = 50",
                "ignore_startup_parameters = extra_float_digits",
                "logfile = " + conf.resolve("pgbouncer.log"),
                "pidfile = " + conf.resolve("pgbouncer.pid"),
                ""));
        List<String> cmd = new ArrayList<>(List.of(binary.toString()));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("-u", "postgres")); // pgbouncer refuses to run as root
        }
        cmd.add(conf.resolve("pgbouncer.ini").toString());
        Process bouncer = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(conf.resolve("stdout.txt").toFile()).start();
        try {
            waitForPort(port, bouncer, conf);
        } catch (Exception | Error e) {
            bouncer.destroy();
            throw e;
        }
        return new Bouncer(bouncer, port);
    }

    @Test
    void exportImportAndConcurrentSyncsThroughPgBouncerInTransactionMode(@TempDir Path tmp) throws Exception {
        Path binary = pgbouncer();
        Assumptions.assumeTrue(binary != null, "pgbouncer is not installed");
        try (TestDatabases.TestDb db = TestDatabases.create("postgresql", tmp);
                Bouncer bouncer = pgbouncer(binary, tmp, db)) {
            String url = "postgresql://postgres@127.0.0.1:" + bouncer.port() + "/" + db.name();
            Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
            Path a = tmp.resolve("a/skills");
            TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), a);
            TestSupport.Run export = TestSupport.run("export-to-db", env, "-s", a.toString(), "--db", url);
            assertEquals(0, export.code(), export.all());
            Path b = tmp.resolve("b/skills");
            TestSupport.Run imp = TestSupport.run("import-from-db", env, "--status", "all", "-s", b.toString(),
                    "--db", url);
            assertEquals(0, imp.code(), imp.all());
            TestSupport.assertSameTree(a, b);

            // Many short runs, two at a time, more than the pool has connections.
            for (int i = 0; i < 6; i++) {
                SyncDbTest.append(a, "development/testing/test-driven-development", "a" + i + "\n");
                SyncDbTest.append(b, "development/languages/python", "b" + i + "\n");
                ExecutorService pool = Executors.newFixedThreadPool(2);
                try {
                    List<Future<Integer>> runs = new ArrayList<>();
                    for (Path dir : List.of(a, b)) {
                        runs.add(pool.submit(() -> Cli.run(new sync_db(), new PrintWriter(new StringWriter()),
                                new PrintWriter(new StringWriter()), TestSupport.context(env, Hooks.NONE), "-s",
                                dir.toString(), "--db", url)));
                    }
                    // A run whose folder write finds the row changed again by the other run since its plan
                    // reports it and exits 3 (the compare-and-swap at work); what matters is that every edit
                    // ends up on both sides, checked below.
                    for (Future<Integer> r : runs) {
                        assertTrue(List.of(0, 3).contains(r.get(2, TimeUnit.MINUTES)));
                    }
                } finally {
                    pool.shutdown();
                }
            }
            assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", url).code());
            assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", url).code());
            TestSupport.assertSameTree(a, b);
            String tdd = TestSupport.read(a.resolve("development/testing/test-driven-development/SKILL.md"));
            String python = TestSupport.read(a.resolve("development/languages/python/SKILL.md"));
            for (int i = 0; i < 6; i++) {
                assertTrue(tdd.contains("a" + i + "\n") && python.contains("b" + i + "\n"), "edit " + i + " kept");
            }
        }
    }

    static void waitForPort(int port, Process bouncer, Path conf) throws Exception {
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (java.io.IOException e) {
                if (!bouncer.isAlive()) {
                    throw new IllegalStateException("pgbouncer exited: " + Files.readString(conf.resolve("stdout.txt")));
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("pgbouncer did not listen on " + port);
    }
}
