import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands as users start them: through the ./jbang wrapper and the catalog aliases, from a working directory
 * outside the checkout, as separate processes.
 */
class CliTest {
    record Proc(int code, String out, String err) {
    }

    static Proc exec(Path workDir, Map<String, String> extraEnv, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        Map<String, String> env = pb.environment();
        for (String name : List.of("DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE",
                "SKILL_FLEET_SKILLS_DIR")) {
            env.remove(name);
        }
        env.putAll(extraEnv);
        Path out = Files.createTempFile("cli-out", ".txt");
        Path err = Files.createTempFile("cli-err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", command));
        }
        Proc result = new Proc(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return result;
    }

    static String wrapper() {
        return TestSupport.repoRoot().resolve("jbang").toString();
    }

    @Test
    void syncDbAliasRunsOnTheCallersFolderWithTheEmbeddedDefault(@TempDir Path tmp) throws Exception {
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), tmp.resolve("skills"));
        Path home = tmp.resolve("home");
        Proc p = exec(tmp, Map.of("SKILL_FLEET_HOME", home.toString()), wrapper(),
                "sync-db@" + TestSupport.repoRoot());
        assertEquals(0, p.code(), p.out() + p.err());
        assertTrue(p.out().contains("sync-db: 5 created"), p.out());
        assertTrue(p.err().contains("embedded database"), "the default database is announced: " + p.err());
        assertTrue(Files.isRegularFile(home.resolve("skills.db")));
        assertTrue(Files.isDirectory(tmp.resolve(".skill-fleet")), "sync state sits beside the caller's skills folder");

        Proc again = exec(tmp, Map.of("SKILL_FLEET_HOME", home.toString()), wrapper(),
                "skill-fleet@" + TestSupport.repoRoot(), "sync-db");
        assertEquals(0, again.code(), again.out() + again.err());
        assertTrue(again.out().contains("0 created, 0 updated, 5 unchanged"), again.out());
    }

    @Test
    void theWrapperRunsItsCheckoutsBareAliasesOnTheCallersFolder(@TempDir Path tmp) throws Exception {
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), tmp.resolve("skills"));
        Path home = tmp.resolve("home");
        Proc p = exec(tmp, Map.of("SKILL_FLEET_HOME", home.toString()), wrapper(), "sync-db");
        assertEquals(0, p.code(), p.out() + p.err());
        assertTrue(p.out().contains("sync-db: 5 created"), p.out());
        assertTrue(Files.isRegularFile(home.resolve("skills.db")));
        assertTrue(Files.isDirectory(tmp.resolve(".skill-fleet")), "sync state sits beside the caller's skills folder");

        Proc again = exec(tmp, Map.of("SKILL_FLEET_HOME", home.toString()), wrapper(), "skill-fleet", "sync-db");
        assertEquals(0, again.code(), again.out() + again.err());
        assertTrue(again.out().contains("0 created, 0 updated, 5 unchanged"), again.out());
    }

    @Test
    void aFoldersOwnCatalogStillWinsAndAnUnknownNameStillFails(@TempDir Path tmp) throws Exception {
        Path own = tmp.resolve("own");
        Files.createDirectories(own.resolve("work"));
        Files.writeString(own.resolve("jbang-catalog.json"), """
                {
                  "aliases": {
                    "sync-db" : { "script-ref": "local_sync.java" }
                  }
                }
                """);
        Files.writeString(own.resolve("local_sync.java"), """
                class local_sync {
                    public static void main(String[] args) {
                        System.out.println("the folder's own sync-db");
                    }
                }
                """);
        Proc p = exec(own.resolve("work"), Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString()), wrapper(),
                "sync-db");
        assertEquals(0, p.code(), p.out() + p.err());
        assertEquals("the folder's own sync-db", p.out().strip());

        Proc unknown = exec(tmp, Map.of(), wrapper(), "no-such-command");
        assertTrue(unknown.code() != 0, unknown.out() + unknown.err());
        assertTrue(unknown.err().contains("Script or alias could not be found or read: 'no-such-command'"),
                unknown.err());
    }

    @Test
    void theReadmesFirstCommandRunsThroughTheCatalogInTheCheckout(@TempDir Path tmp) throws Exception {
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), tmp.resolve("skills"));
        Proc p = exec(TestSupport.repoRoot(), Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString()), wrapper(),
                "sync-db", "-s", tmp.resolve("skills").toString());
        assertEquals(0, p.code(), p.out() + p.err());
        assertTrue(p.out().contains("sync-db: 5 created"), p.out());
        assertTrue(Files.isRegularFile(tmp.resolve("home/skills.db")));
    }

    @Test
    void everyCommandsHelpShowsExamplesAndExitCodes(@TempDir Path tmp) throws Exception {
        for (String command : List.of("export-to-db", "import-from-db", "sync-db", "list", "diff", "log",
                "restore")) {
            Proc p = exec(tmp, Map.of(), wrapper(), "skill-fleet@" + TestSupport.repoRoot(), command, "--help");
            assertEquals(0, p.code(), p.err());
            assertTrue(p.out().contains("Examples:") && p.out().contains("Exit codes:")
                    && p.out().contains("3   done, but the sides still differ"), p.out());
        }
    }

    @Test
    void dotEnvInTheWorkingDirectoryNamesTheDatabase(@TempDir Path tmp) throws Exception {
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), tmp.resolve("skills"));
        Files.writeString(tmp.resolve(".env"), "DATABASE_URL=jdbc:sqlite:from-dotenv.db\n");
        Proc p = exec(tmp, Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString()), wrapper(),
                "export-to-db@" + TestSupport.repoRoot());
        assertEquals(0, p.code(), p.out() + p.err());
        assertTrue(Files.isRegularFile(tmp.resolve("from-dotenv.db")));
        assertFalse(Files.exists(tmp.resolve("home/skills.db")));
    }

    @Test
    void anUnreachableDatabaseIsOneLineExitOneAndNeverShowsThePassword(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("skills"));
        String secret = "pw-must-not-leak-9431";
        Proc p = exec(tmp, Map.of("PGPASSWORD", "env-" + secret, "PGCONNECT_TIMEOUT", "3"), wrapper(),
                "export-to-db@" + TestSupport.repoRoot(),
                "--db", "postgresql://someone:" + secret + "@127.0.0.1:1/nothing?connect_timeout=3", "-v");
        assertEquals(1, p.code(), p.out() + p.err());
        List<String> errors = p.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), p.err());
        assertTrue(errors.get(0).contains("cannot connect to postgresql://someone@127.0.0.1:1/nothing"), p.err());
        assertFalse((p.out() + p.err()).contains(secret), p.out() + p.err());
    }

    @Test
    void bootstrapVerifiesChecksumsAndInstallsNothingOnAMismatch(@TempDir Path tmp) throws Exception {
        byte[] fake = "not the real jar".getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(200, fake.length);
            ex.getResponseBody().write(fake);
            ex.close();
        });
        server.start();
        try {
            Path lock = tmp.resolve("test.lock");
            Files.writeString(lock, "org.example:absent-artifact 1.0 " + "0".repeat(64) + "\n");
            Path target = tmp.resolve("cache");
            Proc p = exec(tmp, Map.of("JBANG_WRAPPER_REPO", "http://127.0.0.1:" + server.getAddress().getPort(),
                    "HOME", tmp.toString()), javaExecutable(),
                    TestSupport.repoRoot().resolve(".jbang/wrapper/Bootstrap.java").toString(), lock.toString(),
                    target.toString());
            assertEquals(1, p.code(), p.out() + p.err());
            assertTrue(p.err().contains("checksum mismatch"), p.err());
            assertFalse(Files.exists(target.resolve("lib")), "nothing half-installed");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void wrapperBootstrapsThePinnedJBangIntoAnEmptyCache(@TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("wrapper-cache");
        Proc p = exec(tmp, Map.of("JBANG_WRAPPER_HOME", cache.toString(), "JBANG_WRAPPER_PINNED", "1"),
                wrapper(), "version");
        assertEquals(0, p.code(), p.out() + p.err());
        assertEquals("0.132.1", p.out().strip());
        List<String> jars = new ArrayList<>();
        try (var files = Files.list(cache.resolve("0.132.1/lib"))) {
            files.forEach(f -> jars.add(f.getFileName().toString()));
        }
        assertEquals(57, jars.size(), jars.toString());
        assertTrue(jars.contains("gson-2.13.1.jar") && jars.contains("maven-model-3.9.11.jar"), jars.toString());
    }

    /**
     * The wrapper's launch cache: a second run of a script starts without JBang's JVM (JBang's own classes are made
     * unusable and the script still runs, its arguments intact), and a changed source file is picked up (JBang is
     * asked again and rebuilds).
     */
    @Test
    void theLaunchCacheSkipsJBangOnAWarmRunAndFollowsEveryChangedSource(@TempDir Path tmp) throws Exception {
        Path checkout = tmp.resolve("checkout");
        Files.createDirectories(checkout.resolve("lib"));
        Files.copy(TestSupport.repoRoot().resolve("jbang"), checkout.resolve("jbang"),
                java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        TestSupport.copyTree(TestSupport.repoRoot().resolve(".jbang"), checkout.resolve(".jbang"));
        Files.writeString(checkout.resolve("echo_args.java"), """
                //SOURCES lib/*.java
                class echo_args {
                    public static void main(String[] args) {
                        StringBuilder out = new StringBuilder(Word.WORD);
                        for (String a : args) {
                            out.append(" [").append(a).append("]");
                        }
                        System.out.println(out);
                    }
                }
                """);
        Files.writeString(checkout.resolve("lib/Word.java"), "class Word { static final String WORD = \"one\"; }\n");
        Path cache = tmp.resolve("wrapper-cache");
        Map<String, String> env = Map.of("JBANG_WRAPPER_HOME", cache.toString(), "JBANG_WRAPPER_PINNED", "1");
        String[] args = {checkout.resolve("jbang").toString(), "echo_args.java", "a b", "it's", "$HOME", "*", ""};

        Proc first = exec(checkout, env, args);
        assertEquals(0, first.code(), first.out() + first.err());
        assertEquals("one [a b] [it's] [$HOME] [*] []", first.out().strip());

        // Without JBang's classes only the cached command line can start the script.
        Path lib = cache.resolve("0.132.1/lib");
        Path away = cache.resolve("0.132.1/lib.away");
        Files.move(lib, away);
        Files.createDirectories(lib);
        Proc warm = exec(checkout, env, args);
        assertEquals(0, warm.code(), warm.out() + warm.err());
        assertEquals("one [a b] [it's] [$HOME] [*] []", warm.out().strip());

        // A changed source is newer than the cached line: JBang is asked (and fails here, having no classes).
        Files.writeString(checkout.resolve("lib/Word.java"), "class Word { static final String WORD = \"two\"; }\n");
        Proc stale = exec(checkout, env, args);
        assertTrue(stale.code() != 0, "a changed source must not run the old build: " + stale.out());
        Files.delete(lib);
        Files.move(away, lib);
        Proc rebuilt = exec(checkout, env, args);
        assertEquals(0, rebuilt.code(), rebuilt.out() + rebuilt.err());
        assertEquals("two [a b] [it's] [$HOME] [*] []", rebuilt.out().strip());
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

}
