import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database password never appears in stdout, stderr, --json, -v output or exception messages. */
class SecretsTest {
    static final String SECRET = "Pw-9f2k-never-print";

    /**
     * A server that speaks just enough of the PostgreSQL protocol to refuse a password the way a real one does:
     * no TLS, ask for a cleartext password, answer FATAL 28P01.
     */
    static ServerSocket refusingServer(AtomicInteger connections) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    connections.incrementAndGet();
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    int len = in.readInt();
                    int code = in.readInt();
                    in.readNBytes(len - 8);
                    if (code == 80877103 || code == 80877104) { // SSLRequest or GSSENCRequest: not here
                        out.writeByte('N');
                        out.flush();
                        len = in.readInt();
                        in.readNBytes(len - 4);
                    }
                    out.writeByte('R');
                    out.writeInt(8);
                    out.writeInt(3); // cleartext password, please
                    out.flush();
                    in.readByte();
                    in.readNBytes(in.readInt() - 4);
                    byte[] fields = ("SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user \"app\"\0\0")
                            .getBytes(StandardCharsets.UTF_8);
                    out.writeByte('E');
                    out.writeInt(4 + fields.length);
                    out.write(fields);
                    out.flush();
                } catch (IOException e) {
                    // the client went away; wait for the next one
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return server;
    }

    @Test
    void anAuthenticationFailureNamesTheProblemButNotThePassword(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("skills"));
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket server = refusingServer(connections)) {
            String url = "postgresql://app:" + SECRET + "@127.0.0.1:" + server.getLocalPort() + "/skills";
            for (String[] extra : new String[][] {{"-v"}, {"--json"}, {"--dry-run", "-v"}}) {
                String[] args = Stream.concat(Stream.of("-s", tmp.resolve("skills").toString(), "--db", url),
                        Stream.of(extra)).toArray(String[]::new);
                connections.set(0);
                TestSupport.Run r = TestSupport.run("export-to-db", Map.of(), args);
                assertEquals(1, r.code(), r.all());
                assertTrue(r.err().contains("password authentication failed for user \"app\""), r.err());
                assertFalse(r.all().contains(SECRET), r.all());
                assertEquals(1, connections.get(), "a wrong password is not retried");
            }
            TestSupport.Run fromEnv = TestSupport.run("sync-db", Map.of("PGPASSWORD", SECRET, "PGHOST", "127.0.0.1",
                    "PGPORT", String.valueOf(server.getLocalPort()), "PGUSER", "app"), "-s",
                    tmp.resolve("skills").toString(), "-v");
            assertEquals(1, fromEnv.code(), fromEnv.all());
            assertFalse(fromEnv.all().contains(SECRET), fromEnv.all());
        }
    }

    @Test
    void aUrlThatFailsToParseIsNotEchoed(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("skills"));
        for (String url : new String[] {"postgresql://app:" + SECRET + "%zz@host/db", "mysql://app:" + SECRET + "@h/db"}) {
            TestSupport.Run r = TestSupport.run("export-to-db", Map.of(), "-s", tmp.resolve("skills").toString(),
                    "--db", url, "-v");
            assertEquals(1, r.code(), r.all());
            assertTrue(r.err().startsWith("error: "), r.err());
            assertFalse(r.all().contains(SECRET), r.all());
        }
    }

    @Test
    void aSuccessfulRunShowsTheDatabaseWithoutItsPassword(@TempDir Path tmp) throws Exception {
        try (TestDatabases.TestDb db = TestDatabases.create("postgresql", tmp)) {
            String url = withPassword(db.url(), SECRET);
            Path skills = tmp.resolve("a/skills");
            TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), skills);
            for (String[] extra : new String[][] {{"-v"}, {"--json"}, {"--dry-run"}}) {
                String[] args = Stream.concat(Stream.of("-s", skills.toString(), "--db", url), Stream.of(extra))
                        .toArray(String[]::new);
                TestSupport.Run r = TestSupport.run("sync-db", Map.of(), args);
                assertEquals(0, r.code(), r.all());
                assertFalse(r.all().contains(SECRET), r.all());
            }
            try (Stream<Path> files = Files.walk(tmp.resolve("a/.skill-fleet"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    assertFalse(Files.readString(f).contains(SECRET), "state file " + f);
                }
            }
        }
    }

    /** The URL with a password added (trust authentication accepts any). */
    static String withPassword(String url, String password) {
        if (url.startsWith("jdbc:")) {
            return url + (url.contains("?") ? "&" : "?") + "password=" + password;
        }
        return url.replaceFirst("://([^:@/]+)@", "://$1:" + password + "@");
    }

    /**
     * Runs a command in plain, -v and --json output, each capturing stdout, stderr, and what reaches System.err or
     * the java.util.logging root handlers (where pgjdbc logs) meanwhile; asserts exit 1 and that none of the given
     * texts appears anywhere. Returns the plain run's stderr.
     */
    static String refusedWithout(Path skills, String url, String... secrets) {
        String plainErr = null;
        for (String[] extra : new String[][] {{}, {"-v"}, {"--json"}}) {
            String[] args = Stream.concat(Stream.of("-s", skills.toString(), "--db", url), Stream.of(extra))
                    .toArray(String[]::new);
            List<String> logged = new ArrayList<>();
            Handler handler = new Handler() {
                @Override
                public void publish(LogRecord record) {
                    logged.add(record.getLoggerName() + " " + new java.util.logging.SimpleFormatter()
                            .formatMessage(record));
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            java.io.ByteArrayOutputStream stray = new java.io.ByteArrayOutputStream();
            java.io.PrintStream oldErr = System.err;
            java.io.PrintStream oldOut = System.out;
            Logger.getLogger("").addHandler(handler);
            TestSupport.Run r;
            try {
                System.setErr(new java.io.PrintStream(stray, true, StandardCharsets.UTF_8));
                System.setOut(new java.io.PrintStream(stray, true, StandardCharsets.UTF_8));
                r = TestSupport.run("sync-db", Map.of(), args);
            } finally {
                System.setErr(oldErr);
                System.setOut(oldOut);
                Logger.getLogger("").removeHandler(handler);
            }
            String everything = r.all() + "\n" + stray.toString(StandardCharsets.UTF_8) + "\n"
                    + String.join("\n", logged);
            assertEquals(1, r.code(), everything);
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), everything);
            for (String secret : secrets) {
                assertFalse(everything.contains(secret), secret + " in: " + everything);
            }
            if (extra.length == 0) {
                plainErr = r.err();
            }
        }
        return plainErr;
    }

    @Test
    void aJdbcUrlWithUserAndPasswordIsTakenAsLibpqDoesAndNeverEchoed(@TempDir Path tmp) throws Exception {
        Path skills = Files.createDirectories(tmp.resolve("skills"));
        String err = refusedWithout(skills, "jdbc:postgresql://app:" + SECRET + "@127.0.0.1:1/db", SECRET);
        assertTrue(err.contains("cannot connect to postgresql://app@127.0.0.1:1/db"), err);
        err = refusedWithout(skills, "jdbc:postgresql://app:" + SECRET + "@no-such-host.invalid:5432/db", SECRET);
        assertTrue(err.contains("no-such-host.invalid"), err);
    }

    @Test
    void aPasswordWithAnUnencodedSlashOrQuestionMarkIsNeverEchoedInPart(@TempDir Path tmp) throws Exception {
        Path skills = Files.createDirectories(tmp.resolve("skills"));
        String[] parts = {"First-9f2k", "Second-x7q", "Third-p3m", "Fourth-z8w"};
        String password = parts[0] + "/" + parts[1] + "?" + parts[2] + "@" + parts[3];
        for (String url : new String[] {"postgresql://app:" + password + "@127.0.0.1:1/db",
                "postgres://app:" + password + "@no-such-host.invalid/db?sslmode=disable",
                "jdbc:postgresql://app:" + password + "@127.0.0.1:1/db"}) {
            String err = refusedWithout(skills, url, parts);
            assertTrue(err.contains("cannot connect to postgresql://app@"), err);
        }
    }

    @Test
    void aUrlThatPgjdbcEchoesIsMasked(@TempDir Path tmp) throws Exception {
        Path skills = Files.createDirectories(tmp.resolve("skills"));
        for (String url : new String[] {"jdbc:postgresql://127.0.0.1:notaport/db?password=" + SECRET,
                "jdbc:postgresql://127.0.0.1:1/db/extra?user=app&password=" + SECRET,
                "jdbc:postgresql://127.0.0.1:1?password=" + SECRET}) {
            refusedWithout(skills, url, SECRET);
        }
    }

    @Test
    void everyUrlInAMessageHasItsPasswordMasked() {
        assertEquals("at postgresql://app:****@db.example.com/x: refused",
                Secrets.redact("at postgresql://app:a/b?c:d@e@db.example.com/x: refused"));
        assertEquals("'jdbc:postgresql://h:1/db?user=u&password=****&ssl=true'",
                Secrets.redact("'jdbc:postgresql://h:1/db?user=u&password=hunter2&ssl=true'"));
        assertEquals("shown as postgresql://app@h:5432/db (no password)",
                Secrets.redact("shown as postgresql://app@h:5432/db (no password)"));
        assertEquals("two: postgres://u:****@h and mysql://root:****@h2/db",
                Secrets.redact("two: postgres://u:x@h and mysql://root:y/z@h2/db"));
    }
}
