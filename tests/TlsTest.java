import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real commands over TLS, against a throwaway PostgreSQL that accepts TLS connections only (pg_hba.conf holds
 * one {@code hostssl} line). Its certificate is signed by a test CA and names {@code DNS:localhost} only, so
 * {@code 127.0.0.1} is a host name the certificate does not match; a second, unrelated CA stands for a wrong
 * {@code sslrootcert}. Needs openssl, initdb and pg_ctl; without them the class skips, except under CI=true.
 */
class TlsTest {
    /** Sleeps between PostgreSQL connection attempts add up to this: a certificate failure must not wait them out. */
    static final long RETRY_SLEEPS_MILLIS = 3500;

    static String skipReason;
    static Path dir;
    static Path pgCtl;
    static boolean asPostgres;
    static int port;
    static Path ca;
    static Path otherCa;

    @BeforeAll
    static void startServer() throws Exception {
        Path bin = postgresBin();
        String missing = bin == null ? "initdb and pg_ctl are not installed (PATH, /usr/lib/postgresql/*/bin)"
                : onPath("openssl") == null ? "openssl is not installed" : null;
        asPostgres = "root".equals(System.getProperty("user.name"));
        if (missing == null && asPostgres && run(null, "id", "-u", "postgres") != 0) {
            missing = "running as root and there is no postgres user to run PostgreSQL as";
        }
        assertTrue(missing == null || !"true".equals(System.getenv("CI")), "CI must exercise TLS: " + missing);
        skipReason = missing;
        if (missing != null) {
            return;
        }
        pgCtl = bin.resolve("pg_ctl");

        dir = Files.createTempDirectory("skill-fleet-tls");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        ca = certificateAuthority(certs, "ca", "skill-fleet test CA");
        otherCa = certificateAuthority(certs, "other-ca", "unrelated test CA");
        Path key = certs.resolve("server.key");
        openssl(certs, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
                "-out", certs.resolve("server.csr").toString(), "-subj", "/CN=localhost");
        Files.writeString(certs.resolve("server.ext"), "subjectAltName=DNS:localhost\n");
        openssl(certs, "x509", "-req", "-in", certs.resolve("server.csr").toString(), "-CA", ca.toString(),
                "-CAkey", certs.resolve("ca.key").toString(), "-set_serial", "2", "-days", "2",
                "-extfile", certs.resolve("server.ext").toString(), "-out", certs.resolve("server.crt").toString());
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path data = dir.resolve("data");
        Path sockets = Files.createDirectories(dir.resolve("sockets"));
        if (asPostgres) {
            check(run(null, "chown", "-R", "postgres:", dir.toString()), "chown " + dir);
        }
        check(postgres(dir.resolve("initdb.log"), bin.resolve("initdb").toString(), "-D", data.toString(),
                "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"), "initdb");
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(data.resolve("pg_hba.conf"), "hostssl all all 127.0.0.1/32 trust\n");
        Files.writeString(data.resolve("postgresql.conf"), String.join("\n",
                "",
                "port = " + port,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + sockets + "'",
                "ssl = on",
                "ssl_cert_file = '" + certs.resolve("server.crt") + "'",
                "ssl_key_file = '" + key + "'",
                "fsync = off",
                "max_connections = 20",
                ""), java.nio.file.StandardOpenOption.APPEND);
        check(postgres(dir.resolve("pg_ctl.log"), pgCtl.toString(), "-D", data.toString(),
                "-l", dir.resolve("server.log").toString(), "-w", "-t", "60", "start"), "pg_ctl start");
    }

    /** Skips each test, with the reason shown, where the machine cannot run a server (the class would skip silently). */
    @BeforeEach
    void serverIsRunning() {
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (dir == null) {
            return;
        }
        try {
            postgres(dir.resolve("pg_ctl-stop.log"), pgCtl.toString(), "-D", dir.resolve("data").toString(),
                    "-m", "immediate", "-w", "stop");
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void verifyFullRoundTripsTheSampleSkills(@TempDir Path tmp) throws Exception {
        roundTrip(tmp, "verify_full", Map.of(), url("localhost", "verify_full", "sslmode=verify-full&sslrootcert=" + ca));
    }

    @Test
    void aWrongCaIsOneLineThatNamesSslrootcert(@TempDir Path tmp) throws Exception {
        String url = url("localhost", "postgres", "sslmode=verify-full&sslrootcert=" + otherCa);
        long start = System.nanoTime();
        String error = oneError(tmp, Map.of(), url);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < RETRY_SLEEPS_MILLIS,
                "a certificate problem is not retried");
        assertTrue(error.contains("cannot connect to postgresql://postgres@localhost:" + port + "/postgres: "), error);
        assertTrue(error.contains("certificate is not trusted"), error);
        assertTrue(error.contains("sslrootcert (" + otherCa + ")"), error);

        String jdbc = "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres&sslmode=verify-full&sslrootcert="
                + otherCa;
        assertTrue(oneError(tmp, Map.of(), jdbc).contains("not trusted by the CA in sslrootcert (" + otherCa + ")"));
    }

    @Test
    void aHostNameTheCertificateDoesNotListIsOneLine(@TempDir Path tmp) throws Exception {
        // As its own process: pgjdbc logs this failure to the JVM's stderr, which an in-process run would not see.
        Path skills = Files.createDirectories(tmp.resolve("skills"));
        Process p = TestSupport.start(tmp.resolve("logs"), env(tmp, Map.of()), "export_to_db", "-s", skills.toString(),
                "--db", url("127.0.0.1", "postgres", "sslmode=verify-full&sslrootcert=" + ca));
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "export-to-db finished");
        String output = TestSupport.outputOf(tmp.resolve("logs"));
        assertEquals(1, p.exitValue(), output);
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), output);
        String error = lines.get(0);
        assertTrue(error.startsWith("error: cannot connect to postgresql://postgres@127.0.0.1:" + port + "/postgres: "),
                error);
        assertTrue(error.contains("certificate is not issued for the host"), error);
        assertTrue(error.contains("verify-ca"), error);
    }

    @Test
    void requireEncryptsWithoutVerifying(@TempDir Path tmp) throws Exception {
        // The server takes TLS only, and neither the host name nor any CA would pass verification.
        roundTrip(tmp, "require", Map.of(), url("127.0.0.1", "require", "sslmode=require"));
    }

    @Test
    void disableIsRefusedByATlsOnlyServer(@TempDir Path tmp) throws Exception {
        String error = oneError(tmp, Map.of(), url("localhost", "postgres", "sslmode=disable"));
        assertTrue(error.contains("cannot connect to postgresql://postgres@localhost:" + port + "/postgres: "), error);
    }

    @Test
    void pgsslmodeAndPgsslrootcertApplyToAUrlWithoutThem(@TempDir Path tmp) throws Exception {
        String url = url("localhost", "libpq_env", null);
        roundTrip(tmp, "libpq_env", Map.of("PGSSLMODE", "verify-full", "PGSSLROOTCERT", ca.toString()), url);
        String error = oneError(tmp, Map.of("PGSSLMODE", "verify-full", "PGSSLROOTCERT", otherCa.toString()), url);
        assertTrue(error.contains("sslrootcert (" + otherCa + ")"), error);
    }

    String url(String host, String database, String query) {
        return "postgresql://postgres@" + host + ":" + port + "/" + database + (query == null ? "" : "?" + query);
    }

    /** Export of the sample skills into a fresh database, import into another folder: the same bytes. */
    static void roundTrip(Path tmp, String database, Map<String, String> extraEnv, String url) throws Exception {
        createDatabase(database);
        Map<String, String> env = env(tmp, extraEnv);
        Path a = tmp.resolve("a/skills");
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), a);
        TestSupport.Run export = TestSupport.run("export-to-db", env, "-s", a.toString(), "--db", url);
        assertEquals(0, export.code(), export.all());
        Path b = tmp.resolve("b/skills");
        TestSupport.Run imp = TestSupport.run("import-from-db", env, "--status", "all", "-s", b.toString(),
                "--db", url);
        assertEquals(0, imp.code(), imp.all());
        TestSupport.assertSameTree(a, b);
        TestSupport.Run sync = TestSupport.run("sync-db", env, "-s", b.toString(), "--db", url);
        assertEquals(0, sync.code(), sync.all());
    }

    /** Runs an export that must fail to connect: exit 1, and exactly one line on stderr, with no stack trace. */
    static String oneError(Path tmp, Map<String, String> extraEnv, String url) throws IOException {
        Path skills = Files.createDirectories(tmp.resolve("skills-" + System.nanoTime()));
        TestSupport.Run run = TestSupport.run("export-to-db", env(tmp, extraEnv), "-s", skills.toString(), "--db", url);
        assertEquals(1, run.code(), run.all());
        List<String> lines = run.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), run.err());
        assertTrue(lines.get(0).startsWith("error: "), run.err());
        assertFalse(run.all().contains("PKIX") || run.all().contains("Exception") || run.all().contains("\tat "),
                run.all());
        return lines.get(0);
    }

    static Map<String, String> env(Path tmp, Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(extra);
        env.put("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        return env;
    }

    /** A database of its own per round trip, made over TLS without verification. */
    static void createDatabase(String name) throws Exception {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", "postgres");
        props.setProperty("sslmode", "require");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
                java.sql.Statement st = c.createStatement()) {
            st.execute("create database " + name);
        }
    }

    /** A self-signed CA certificate (returned) with its key beside it as NAME.key. */
    static Path certificateAuthority(Path certs, String name, String subject) throws Exception {
        Path crt = certs.resolve(name + ".crt");
        openssl(certs, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-keyout", certs.resolve(name + ".key").toString(), "-out", crt.toString(), "-subj", "/CN=" + subject,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return crt;
    }

    static void openssl(Path certs, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Path log = certs.resolve("openssl.log");
        check(run(log, cmd.toArray(String[]::new)), String.join(" ", cmd) + ": " + readIfExists(log));
    }

    /** Runs a PostgreSQL binary: as the postgres user when this is root (PostgreSQL refuses root), else directly. */
    static int postgres(Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (asPostgres) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of(args));
        int code = run(log, cmd.toArray(String[]::new));
        if (code != 0) {
            System.err.println(String.join(" ", cmd) + ": " + readIfExists(log) + readIfExists(dir.resolve("server.log")));
        }
        return code;
    }

    static int run(Path log, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (log != null) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        } else {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 2 minutes");
        }
        return p.exitValue();
    }

    static void check(int code, String what) {
        if (code != 0) {
            throw new IllegalStateException(what + " failed with exit code " + code);
        }
    }

    static String readIfExists(Path file) throws IOException {
        return file != null && Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    /** The folder holding initdb and pg_ctl: the first on PATH, else the newest /usr/lib/postgresql/VERSION/bin. */
    static Path postgresBin() throws IOException {
        Path initdb = onPath("initdb");
        if (initdb != null && Files.isExecutable(initdb.resolveSibling("pg_ctl"))) {
            return initdb.getParent();
        }
        Path versions = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(versions)) {
            return null;
        }
        try (Stream<Path> dirs = Files.list(versions)) {
            return dirs.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing((Path b) -> version(b.getParent().getFileName().toString())))
                    .orElse(null);
        }
    }

    static Integer version(String name) {
        try {
            return Integer.parseInt(name.replaceAll("\\..*$", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static Path onPath(String name) {
        String path = System.getenv("PATH");
        for (String d : path == null ? new String[0] : path.split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
