import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Running the real commands in-process, and comparing folders byte for byte. */
final class TestSupport {
    private TestSupport() {
    }

    record Run(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /** Runs a command as its script would, with exactly the given environment (no .env, no process env). */
    static Run run(String command, Map<String, String> env, String... args) {
        return run(command, env, Hooks.NONE, args);
    }

    /** The same, with hooks at the moments of the run a test wants to reach (export, import and sync only). */
    static Run run(String command, Map<String, String> env, Hooks hooks, String... args) {
        return run(command, new HashMap<>(env)::get, hooks, args);
    }

    /**
     * Runs a command as its script would from the working directory workDir, given env as the process environment:
     * what env does not set comes from workDir's .env file, as for the scripts.
     */
    static Run runIn(Path workDir, String command, Map<String, String> env, String... args) {
        return run(command, Database.environment(workDir, new HashMap<>(env)::get), Hooks.NONE, args);
    }

    /**
     * Wraps every connection the commands run by these helpers open (RoundTripCountTest counts statements through
     * it). A test-side static: the commands themselves take it in their RunContext.
     */
    static java.util.function.UnaryOperator<java.sql.Connection> connections = c -> c;

    /** The context a command runs with in a test: exactly this environment, these hooks. */
    static RunContext context(Map<String, String> env, Hooks hooks) {
        return new RunContext(new HashMap<>(env)::get, hooks, connections);
    }

    private static Run run(String command, java.util.function.Function<String, String> env, Hooks hooks,
            String... args) {
        Object cmd = switch (command) {
            case "export-to-db" -> new export_to_db();
            case "import-from-db" -> new import_from_db();
            case "sync-db" -> new sync_db();
            case "skill-fleet" -> new skill_fleet();
            case "list" -> new list_skills();
            case "find" -> new find_skills();
            case "diff" -> new diff_skills();
            case "log" -> new log_skill();
            case "restore" -> new restore_skill();
            case "doctor" -> new doctor();
            default -> throw new IllegalArgumentException(command);
        };
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(cmd, new PrintWriter(out, true), new PrintWriter(err, true),
                new RunContext(env, hooks, connections), args);
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * Starts a command as its own JVM on this test run's class path (which holds the scripts' classes and every
     * dependency), with the given environment added, output to files in dir.
     */
    static Process start(Path dir, Map<String, String> env, String mainClass, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(withSigint(java(mainClass, args))).directory(dir.toFile());
        for (String name : List.of("DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")) {
            pb.environment().remove(name);
        }
        pb.environment().putAll(env);
        Files.createDirectories(dir);
        return pb.redirectOutput(dir.resolve("out-" + System.nanoTime() + ".txt").toFile())
                .redirectErrorStream(true).start();
    }

    /**
     * The command with SIGINT's default action, as a terminal starts a command. A shell that starts a job in the
     * background (a CI runner, `cmd &`) hands it SIGINT ignored, its children inherit that, and a JVM leaves an
     * ignored SIGINT ignored: Ctrl-C tests would then test nothing. Where this test run has SIGINT ignored, the
     * command goes through GNU env's --default-signal=INT (coreutils 8.31+), which restores it.
     */
    static List<String> withSigint(List<String> command) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:") && (Long.parseUnsignedLong(line.substring(7).strip(), 16) & 2L) != 0) {
                    List<String> cmd = new java.util.ArrayList<>(List.of("env", "--default-signal=INT"));
                    cmd.addAll(command);
                    return cmd;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: not Linux; the command as it is
        }
        return command;
    }

    /**
     * The command line of a JVM running mainClass on this test run's class path with the JVM options the scripts
     * declare, as JBang would start them.
     */
    static List<String> java(String mainClass, String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(runtimeOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * The JVM options of the scripts: the //RUNTIME_OPTIONS line of lib/Database.java (which every script sources),
     * read when the tests run so that the processes tests start cannot drift from the scripts.
     */
    static List<String> runtimeOptions() throws IOException {
        Path file = repoRoot().resolve("lib/Database.java");
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("//RUNTIME_OPTIONS ")) {
                return List.of(line.substring("//RUNTIME_OPTIONS ".length()).strip().split("\\s+"));
            }
        }
        throw new IllegalStateException("lib/Database.java has no //RUNTIME_OPTIONS line");
    }

    /** Everything the processes started in dir printed, in the order they were started. */
    static String outputOf(Path dir) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("out-")).sorted().toList()) {
                all.append(Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        return all.toString();
    }

    /** True when the tests run with --long (full-length loops); CI runs them at a reduced count. */
    static boolean longRun() {
        return Boolean.getBoolean("skill-fleet.long");
    }

    /** The shared corpus of real skills, or null when this machine has none (tests then skip). */
    static Path corpus() {
        String dir = System.getenv("SKILL_FLEET_CORPUS");
        if (dir == null || dir.isBlank() || !Files.isDirectory(Path.of(dir))) {
            return null;
        }
        return Path.of(dir);
    }

    /** The project checkout: the nearest folder at or above the working directory holding jbang-catalog.json. */
    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("jbang-catalog.json"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("run the tests from the project checkout");
        }
        return dir;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Every file under a folder: relative path -> bytes, with "*" appended to executable files' paths. */
    static Map<String, byte[]> tree(Path root) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                String rel = root.relativize(p).toString().replace('\\', '/');
                if (rel.startsWith(".skill-fleet/")) {
                    continue;
                }
                files.put(rel + (SkillFolder.isExecutable(p) ? "*" : ""), Files.readAllBytes(p));
            }
        }
        return files;
    }

    static void assertSameTree(Path expected, Path actual) throws IOException {
        Map<String, byte[]> a = tree(expected);
        Map<String, byte[]> b = tree(actual);
        assertEquals(List.copyOf(a.keySet()), List.copyOf(b.keySet()), "files (and executable bits) differ");
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), "bytes differ: " + k);
        }
    }

    /** The first column of every row of a query, as strings. */
    static List<String> column(TestDatabases.TestDb db, String sql) throws Exception {
        try (java.sql.Connection c = db.connect(); java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery(sql)) {
            List<String> values = new java.util.ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        }
    }

    static void execute(TestDatabases.TestDb db, String sql) throws Exception {
        try (java.sql.Connection c = db.connect(); java.sql.Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    static boolean exists(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }
}
