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
import java.util.Map;
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
    static ServerSocket refusingServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
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
        try (ServerSocket server = refusingServer()) {
            String url = "postgresql://app:" + SECRET + "@127.0.0.1:" + server.getLocalPort() + "/skills";
            for (String[] extra : new String[][] {{"-v"}, {"--json"}, {"--dry-run", "-v"}}) {
                String[] args = Stream.concat(Stream.of("-s", tmp.resolve("skills").toString(), "--db", url),
                        Stream.of(extra)).toArray(String[]::new);
                TestSupport.Run r = TestSupport.run("export-to-db", Map.of(), args);
                assertEquals(1, r.code(), r.all());
                assertTrue(r.err().contains("password authentication failed for user \"app\""), r.err());
                assertFalse(r.all().contains(SECRET), r.all());
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
}
