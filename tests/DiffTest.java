import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * skill-fleet diff through the real command on real folders, PostgreSQL and SQLite alike: what differs between the
 * database's copy of a skill and the folder's, as git shows it, and exit 0 (nothing differs), 4 (something does) or
 * 1 (an error). The formatter itself is checked line for line without a database.
 */
class DiffTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String PYTHON = Scene.PYTHON;
    static final String JAVA = Scene.JAVA;
    static final String TDD = Scene.TDD;
    static final String TUNING = "operations/databases/postgres-tuning";
    static final String RED_LINE = "1. **Red** — write one test that fails for the right reason.";

    @TempDir Path tmp;
    Scene scene;

    @AfterEach
    void tearDown() throws Exception {
        Scene.close(scene);
    }

    /** diff on a folder, never coloured (a developer may run the tests in a terminal). */
    TestSupport.Run diff(Path dir, String... args) {
        List<String> all = new ArrayList<>(List.of("--no-color"));
        all.addAll(List.of(args));
        return scene.run("diff", dir, all.toArray(String[]::new));
    }

    /**
     * Every file below root, .skill-fleet/ (the sync state and the hash cache) included, with its modification time
     * and the hash of its bytes: a file written again, even with the same bytes, shows.
     */
    static Map<String, String> everything(Path root) throws Exception {
        Map<String, String> files = new java.util.TreeMap<>();
        try (var paths = Files.walk(root)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), Files.getLastModifiedTime(p) + " "
                        + Skill.sha256(Files.readAllBytes(p)));
            }
        }
        assertTrue(files.keySet().stream().anyMatch(f -> f.startsWith(".skill-fleet/")), files.keySet().toString());
        return files;
    }

    static void replaceLine(Path dir, String skill, String line, String with) throws Exception {
        Path md = dir.resolve(skill).resolve("SKILL.md");
        String text = TestSupport.read(md);
        assertTrue(text.contains(line + "\n"), text);
        TestSupport.write(md, text.replace(line + "\n", with + "\n"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void inSyncExitsZeroAndPrintsNothing(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        for (Path dir : List.of(scene.a, scene.b)) {
            TestSupport.Run d = diff(dir);
            assertEquals(0, d.code(), d.all());
            assertEquals("", d.out());
            assertEquals("", d.err());
        }
        TestSupport.Run one = diff(scene.a, PYTHON);
        assertEquals(0, one.code(), one.all());
        assertEquals("", one.out());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anEditedLineShowsBothLinesAndExitsFour(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        replaceLine(scene.a, TDD, RED_LINE, "1. **Red** — edited in the folder.");
        Map<String, String> before = everything(scene.a.getParent());
        TestSupport.Run d = diff(scene.a);
        assertEquals(4, d.code(), d.all());
        String t = TDD;
        assertEquals("skill " + t + ": the database and the folder differ\n"
                + "diff --git db/" + t + "/SKILL.md local/" + t + "/SKILL.md\n"
                + "--- db/" + t + "/SKILL.md\n"
                + "+++ local/" + t + "/SKILL.md\n"
                + "@@ -11,7 +11,7 @@\n"
                + " \n"
                + " # Test-driven development\n"
                + " \n"
                + "-" + RED_LINE + "\n"
                + "+1. **Red** — edited in the folder.\n"
                + " 2. **Green** — write the least code that makes it pass.\n"
                + " 3. **Refactor** — remove duplication while every test stays green.\n"
                + " \n", d.out());
        assertEquals(1, d.out().lines().filter(l -> l.startsWith("skill ")).count(), "only the edited skill");
        assertEquals(before, everything(scene.a.getParent()), "diff wrote nothing, not even the hash cache");
        assertFalse(d.out().contains("\033"), "no colour when asked for none");

        TestSupport.Run other = diff(scene.a, PYTHON);
        assertEquals(0, other.code(), "a skill named that does not differ: " + other.all());
        assertEquals("", other.out());
        // The skill named by its folder, as shell completion gives it, and with ./ and a trailing slash.
        for (String name : List.of(scene.a.resolve(TDD).toString(), "./" + TDD + "/")) {
            TestSupport.Run named = diff(scene.a, name);
            assertEquals(4, named.code(), name + ": " + named.all());
            assertEquals(d.out(), named.out(), name);
        }
        TestSupport.Run scoped = diff(scene.a, "--skill-path", "writing");
        assertEquals(0, scoped.code(), "--skill-path leaves the edited skill out: " + scoped.all());

        Path none = tmp.resolve("none.db");
        TestSupport.Run empty = TestSupport.run("diff", scene.env, "-s", scene.a.toString(), "--db",
                "jdbc:sqlite:" + none, "--no-color", TDD);
        assertEquals(4, empty.code(), empty.all());
        assertTrue(empty.out().startsWith("skill " + TDD + ": only in the folder\n"), empty.out());
        assertFalse(Files.exists(none), "diff creates no database");
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFolderThatCannotBeReadAsOneSkillIsNamedAndDiffers(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        TestSupport.Run d = diff(scene.a, "--max-file-size", "600B");
        assertEquals(4, d.code(), d.all());
        Path png = scene.a.resolve(TUNING).resolve("assets/plan-reading.png");
        assertTrue(Files.size(png) > 600);
        assertTrue(d.out().contains("skill " + TUNING + ": not compared: "), d.out());
        assertFalse(d.out().contains("diff --git db/" + TUNING), d.out());
    }

    /** Only the skills whose hashes differ are fetched from the database: the statement's bound paths are recorded. */
    @ParameterizedTest
    @FieldSource("KINDS")
    void onlyTheSkillsThatDifferAreFetched(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        replaceLine(scene.a, TDD, RED_LINE, "1. **Red** — edited.");
        List<String> fetched = java.util.Collections.synchronizedList(new ArrayList<>());
        var before = TestSupport.connections;
        TestSupport.connections = c -> (java.sql.Connection) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {java.sql.Connection.class}, (proxy, m, args) -> {
                    Object r = invoke(m, c, args);
                    if (m.getName().equals("prepareStatement") && ((String) args[0]).contains("m.frontmatter")) {
                        java.sql.PreparedStatement ps = (java.sql.PreparedStatement) r;
                        return java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                                new Class<?>[] {java.sql.PreparedStatement.class}, (p2, m2, a2) -> {
                                    if (m2.getName().equals("setString")) {
                                        fetched.add((String) a2[1]);
                                    }
                                    return invoke(m2, ps, a2);
                                });
                    }
                    return r;
                });
        try {
            TestSupport.Run d = diff(scene.a);
            assertEquals(4, d.code(), d.all());
        } finally {
            TestSupport.connections = before;
        }
        assertEquals(1, fetched.size(), fetched.toString());
        assertTrue(fetched.get(0).contains(TDD), fetched.toString());
        for (String other : List.of(PYTHON, JAVA, TUNING, Scene.WRITING)) {
            assertFalse(fetched.get(0).contains(other), fetched.toString());
        }
    }

    static Object invoke(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The case: two folders edit the same line; the second sync is a conflict, and diff shows both lines. */
    @ParameterizedTest
    @FieldSource("KINDS")
    void twoFoldersEditingTheSameLineConflictAndDiffShowsBothLines(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        replaceLine(scene.a, TDD, RED_LINE, "1. **Red** — the line as folder a wrote it.");
        replaceLine(scene.b, TDD, RED_LINE, "1. **Red** — the line as folder b wrote it.");
        assertEquals(0, scene.run("sync-db", scene.a).code());
        TestSupport.Run sync = scene.run("sync-db", scene.b);
        assertEquals(3, sync.code(), sync.all());
        assertTrue(sync.err().contains("conflict " + TDD + ": changed in the folder and in the database"), sync.err());

        TestSupport.Run d = diff(scene.b, TDD);
        assertEquals(4, d.code(), d.all());
        List<String> lines = d.out().lines().toList();
        assertTrue(lines.contains("-1. **Red** — the line as folder a wrote it."), d.out());
        assertTrue(lines.contains("+1. **Red** — the line as folder b wrote it."), d.out());
        assertEquals(1, lines.stream().filter(l -> l.startsWith("-") && !l.startsWith("---")).count(), d.out());
        assertEquals(1, lines.stream().filter(l -> l.startsWith("+") && !l.startsWith("+++")).count(), d.out());
        TestSupport.Run inA = diff(scene.a, TDD);
        assertEquals(0, inA.code(), "folder a holds what the database holds: " + inA.all());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void addedAndRemovedFilesAnExecutableBitAndABinaryFile(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        Path python = scene.a.resolve(PYTHON);
        TestSupport.write(python.resolve("references/new.md"), "first\nsecond");
        Files.delete(python.resolve("references/style.md"));
        Path check = python.resolve("scripts/check.sh");
        Files.setPosixFilePermissions(check, PosixFilePermissions.fromString("rw-r--r--"));
        Path png = scene.a.resolve(TUNING).resolve("assets/plan-reading.png");
        byte[] old = Files.readAllBytes(png);
        Files.write(png, java.util.Arrays.copyOf(old, old.length + 10));
        TestSupport.write(scene.a.resolve(TUNING).resolve("scripts/explain.sh"),
                TestSupport.read(scene.a.resolve(TUNING).resolve("scripts/explain.sh")) + "echo done\n");

        TestSupport.Run d = diff(scene.a);
        assertEquals(4, d.code(), d.all());
        String out = d.out();
        String style = TestSupport.read(scene.b.resolve(PYTHON).resolve("references/style.md"));
        StringBuilder removed = new StringBuilder();
        style.lines().forEach(l -> removed.append('-').append(l).append('\n'));
        String p = PYTHON;
        assertTrue(out.contains("skill " + p + ": the database and the folder differ\n"
                + "diff --git db/" + p + "/references/new.md local/" + p + "/references/new.md\n"
                + "new file mode 100644\n"
                + "--- /dev/null\n"
                + "+++ local/" + p + "/references/new.md\n"
                + "@@ -0,0 +1,2 @@\n"
                + "+first\n"
                + "+second\n"
                + "\\ No newline at end of file\n"
                + "diff --git db/" + p + "/references/style.md local/" + p + "/references/style.md\n"
                + "deleted file mode 100644\n"
                + "--- db/" + p + "/references/style.md\n"
                + "+++ /dev/null\n"
                + "@@ -1," + style.lines().count() + " +0,0 @@\n"
                + removed
                + "diff --git db/" + p + "/scripts/check.sh local/" + p + "/scripts/check.sh\n"
                + "old mode 100755\n"
                + "new mode 100644\n"), out);
        String t = TUNING;
        assertTrue(out.contains("skill " + t + ": the database and the folder differ\n"
                + "diff --git db/" + t + "/assets/plan-reading.png local/" + t + "/assets/plan-reading.png\n"
                + "Binary files db/" + t + "/assets/plan-reading.png and local/" + t + "/assets/plan-reading.png "
                + "differ (" + old.length + " bytes vs " + (old.length + 10) + " bytes)\n"
                + "diff --git db/" + t + "/scripts/explain.sh local/" + t + "/scripts/explain.sh\n"
                + "--- db/" + t + "/scripts/explain.sh\n"), out);
        assertTrue(out.contains("\n+echo done\n"), out);
        assertEquals(2, out.lines().filter(l -> l.startsWith("skill ")).count(), out);
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillOnOneSideOnlyShowsEveryFileAddedOrRemoved(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        TestSupport.copyTree(scene.a.resolve(JAVA), scene.a.resolve("development/languages/kotlin"));
        replaceLine(scene.a, "development/languages/kotlin", "name: java", "name: kotlin");
        TestSupport.Run local = diff(scene.a, "development/languages/kotlin");
        assertEquals(4, local.code(), local.all());
        String k = "development/languages/kotlin";
        assertTrue(local.out().startsWith("skill " + k + ": only in the folder\n"
                + "diff --git db/" + k + "/SKILL.md local/" + k + "/SKILL.md\n"
                + "new file mode 100644\n"
                + "--- /dev/null\n"
                + "+++ local/" + k + "/SKILL.md\n"
                + "@@ -0,0 +1,"), local.out());
        assertTrue(local.out().contains("\n+name: kotlin\n"), local.out());
        assertTrue(local.out().contains("diff --git db/" + k + "/references/jdbc-checklist.md local/" + k
                + "/references/jdbc-checklist.md\nnew file mode 100644\n"), local.out());

        SkillFolder.deleteTree(scene.b.resolve(JAVA));
        TestSupport.Run gone = diff(scene.b);
        assertEquals(4, gone.code(), gone.all());
        String j = JAVA;
        assertTrue(gone.out().startsWith("skill " + j + ": only in the database\n"
                + "diff --git db/" + j + "/SKILL.md local/" + j + "/SKILL.md\n"
                + "deleted file mode 100644\n"
                + "--- db/" + j + "/SKILL.md\n"
                + "+++ /dev/null\n"), gone.out());
        assertTrue(gone.out().contains("diff --git db/" + j + "/references/jdbc-checklist.md local/" + j
                + "/references/jdbc-checklist.md\ndeleted file mode 100644\n"), gone.out());
        assertEquals(1, gone.out().lines().filter(l -> l.startsWith("skill ")).count(), gone.out());

        // Archived in the database (the sync of b's deletion), the skill is in neither: nothing differs.
        assertEquals(0, scene.run("sync-db", scene.b).code());
        TestSupport.Run archived = diff(scene.b);
        assertEquals(0, archived.code(), archived.all());
        TestSupport.Run stillInA = diff(scene.a, JAVA);
        assertEquals(4, stillInA.code(), stillInA.all());
        assertTrue(stillInA.out().startsWith("skill " + j + ": only in the folder\n"), stillInA.out());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anUnknownSkillOrScopeIsOneErrorLineExitOne(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        TestSupport.Run d = diff(scene.a, PYTHON, "development/languages/cobol");
        assertEquals(1, d.code(), d.all());
        assertEquals("", d.out());
        assertEquals("error: no skill development/languages/cobol in the folder or the database\n", d.err());
        TestSupport.Run scope = diff(scene.a, "--skill-path", "misc");
        assertEquals(1, scope.code(), scope.all());
        assertEquals("error: --skill-path misc matches no skill in the folder or the database\n", scope.err());
    }

    /** --base: the folder against what both sides held at the last sync, so the database's changes do not show. */
    @ParameterizedTest
    @FieldSource("KINDS")
    void baseShowsWhatChangedInTheFolderSinceTheLastSync(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        TestSupport.Run none = diff(scene.a, "--base");
        assertEquals(0, none.code(), none.all());
        assertEquals("", none.out());

        replaceLine(scene.b, TDD, "Never write production code without a failing test that asks for it.",
                "Edited in b and synced.");
        assertEquals(0, scene.run("sync-db", scene.b).code());
        replaceLine(scene.a, TDD, RED_LINE, "1. **Red** — edited in a.");
        Path png = scene.a.resolve(TUNING).resolve("assets/plan-reading.png");
        byte[] old = Files.readAllBytes(png);
        Files.write(png, java.util.Arrays.copyOf(old, old.length + 1));
        TestSupport.copyTree(scene.a.resolve(JAVA), scene.a.resolve("development/languages/kotlin"));
        SkillFolder.deleteTree(scene.a.resolve(PYTHON));

        TestSupport.Run d = diff(scene.a, "--base");
        assertEquals(4, d.code(), d.all());
        String out = d.out();
        String t = TDD;
        assertTrue(out.contains("skill " + t + ": the last sync and the folder differ\n"
                + "diff --git base/" + t + "/SKILL.md local/" + t + "/SKILL.md\n"
                + "--- base/" + t + "/SKILL.md\n"
                + "+++ local/" + t + "/SKILL.md\n"
                + "@@ -11,7 +11,7 @@\n"), out);
        assertTrue(out.contains("\n-" + RED_LINE + "\n+1. **Red** — edited in a.\n"), out);
        assertFalse(out.contains("Edited in b and synced."), "the database's change is not the folder's: " + out);
        String u = TUNING;
        assertTrue(out.contains("skill " + u + ": the last sync and the folder differ\n"
                + "diff --git base/" + u + "/assets/plan-reading.png local/" + u + "/assets/plan-reading.png\n"
                + "Binary files base/" + u + "/assets/plan-reading.png and local/" + u + "/assets/plan-reading.png "
                + "differ (" + old.length + " bytes vs " + (old.length + 1) + " bytes)\n"), out);
        assertTrue(out.contains("skill development/languages/kotlin: only in the folder\n"), out);
        String p = PYTHON;
        assertTrue(out.contains("skill " + p + ": only in the last sync\n"
                + "diff --git base/" + p + "/SKILL.md local/" + p + "/SKILL.md\n"
                + "deleted file mode 100644\n"
                + "--- base/" + p + "/SKILL.md\n"
                + "+++ /dev/null\n"), out);
        assertTrue(out.contains("\n-name: python\n"), out);
        assertTrue(out.contains("diff --git base/" + p + "/scripts/check.sh local/" + p + "/scripts/check.sh\n"
                + "deleted file mode 100755\n"), out);
        assertEquals(4, out.lines().filter(l -> l.startsWith("skill ")).count(), out);

        TestSupport.Run named = diff(scene.a, "--base", TDD);
        assertEquals(4, named.code(), named.all());
        assertEquals(1, named.out().lines().filter(l -> l.startsWith("skill ")).count(), named.out());
        // No connection is needed: the same without the database.
        scene.db.close();
        if (kind.equals("sqlite")) {
            Files.delete(Path.of(scene.db.name()));
        }
        TestSupport.Run offline = diff(scene.a, "--base");
        assertEquals(4, offline.code(), offline.all());
        assertEquals(out, offline.out());
        TestSupport.Run unknown = diff(scene.a, "--base", "development/languages/cobol");
        assertEquals(1, unknown.code(), unknown.all());
        assertEquals("error: no skill development/languages/cobol in the folder or the last sync\n", unknown.err());
    }

    /** The conflict seen with --base: the folder's line against the line both sides had before. */
    @ParameterizedTest
    @FieldSource("KINDS")
    void afterAConflictBaseShowsTheFoldersOwnEdit(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        replaceLine(scene.a, TDD, RED_LINE, "1. **Red** — the line as folder a wrote it.");
        replaceLine(scene.b, TDD, RED_LINE, "1. **Red** — the line as folder b wrote it.");
        assertEquals(0, scene.run("sync-db", scene.a).code());
        assertEquals(3, scene.run("sync-db", scene.b).code());
        TestSupport.Run d = diff(scene.b, "--base", TDD);
        assertEquals(4, d.code(), d.all());
        List<String> lines = d.out().lines().toList();
        assertTrue(lines.contains("-" + RED_LINE), d.out());
        assertTrue(lines.contains("+1. **Red** — the line as folder b wrote it."), d.out());
        assertFalse(d.out().contains("folder a"), d.out());
    }

    /** Without the last sync's content (a folder synced by an older version), --base says so and exits 1. */
    @ParameterizedTest
    @FieldSource("KINDS")
    void baseWithoutTheLastSyncsContentSaysSo(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        replaceLine(scene.a, TDD, RED_LINE, "1. **Red** — edited.");
        SkillFolder.deleteTree(scene.a.getParent().resolve(".skill-fleet/base"));
        TestSupport.Run d = diff(scene.a, "--base");
        assertEquals(1, d.code(), d.all());
        assertEquals("skill " + TDD + ": differs from the last sync, whose content is not kept\n", d.out());
        assertEquals("error: the content of the last sync is not kept for the skill that differs from it (it is kept "
                + "from the next sync-db on); without --base, diff compares with the database\n", d.err());

        Path fresh = Scene.samples(tmp.resolve("c/skills"));
        TestSupport.Run never = diff(fresh, "--base");
        assertEquals(1, never.code(), never.all());
        assertEquals("", never.out());
        assertTrue(never.err().startsWith("error: no sync of " + fresh + " with "), never.err());
        assertTrue(never.err().endsWith(" is recorded, so there is no last sync to compare with; without --base, "
                + "diff compares with the database\n"), never.err());
    }

    /**
     * Colour only on a terminal: a real process whose output goes to a file prints none, one on a terminal (a pseudo
     * terminal from util-linux's script) does unless NO_COLOR is set; --color=always forces it.
     */
    @ParameterizedTest
    @FieldSource("KINDS")
    void colourOnlyOnATerminal(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        replaceLine(scene.a, TDD, RED_LINE, "1. **Red** — edited.");
        Path logs = tmp.resolve("logs");
        Process p = TestSupport.start(logs, scene.env, "diff_skills", "-s", scene.a.toString(), "--db",
                scene.db.url());
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        String out = TestSupport.outputOf(logs);
        assertEquals(4, p.exitValue(), out);
        assertTrue(out.contains("\n+1. **Red** — edited.\n"), out);
        assertFalse(out.contains("\033"), out);

        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")) && Files.isExecutable(
                Path.of("/usr/bin/script")), "needs /proc and util-linux's script");
        String terminal = onATerminal(Map.of(), "-s", scene.a.toString(), "--db", scene.db.url());
        assertTrue(terminal.contains("\033[31m-" + RED_LINE + "\033[m"), terminal);
        assertTrue(terminal.contains("\033[32m+1. **Red** — edited.\033[m"), terminal);
        String noColor = onATerminal(Map.of("NO_COLOR", "1"), "-s", scene.a.toString(), "--db", scene.db.url());
        assertTrue(noColor.contains("+1. **Red** — edited."), noColor);
        assertFalse(noColor.contains("\033"), noColor);

        TestSupport.Run always = scene.run("diff", scene.a, "--color=always");
        assertEquals(4, always.code(), always.all());
        assertTrue(always.out().contains("\033[31m-" + RED_LINE + "\033[m\n"), always.out());
        assertTrue(always.out().contains("\033[32m+1. **Red** — edited.\033[m\n"), always.out());
        assertTrue(always.out().contains("\033[36m@@ -11,7 +11,7 @@\033[m\n"), always.out());
    }

    /** What diff, started as its own JVM with its output on a pseudo terminal, prints; it must exit 4. */
    String onATerminal(Map<String, String> env, String... args) throws Exception {
        StringBuilder line = new StringBuilder();
        for (String arg : TestSupport.java("diff_skills", args)) {
            line.append(line.length() == 0 ? "" : " ").append("'").append(arg.replace("'", "'\\''")).append("'");
        }
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", line.toString(), "/dev/null")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).redirectErrorStream(true);
        pb.environment().remove("NO_COLOR");
        pb.environment().putAll(scene.env);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(4, p.exitValue(), out);
        return out;
    }

    @Test
    void anUnreachableDatabaseIsOneErrorLineExitOneWithoutThePassword() throws Exception {
        Files.createDirectories(tmp.resolve("skills"));
        String secret = "pw-diff-9431";
        TestSupport.Run d = TestSupport.run("diff", Map.of("PGCONNECT_TIMEOUT", "2"), "-s",
                tmp.resolve("skills").toString(), "--db", "postgresql://someone:" + secret
                        + "@127.0.0.1:1/nothing?connect_timeout=2");
        assertEquals(1, d.code(), d.all());
        assertEquals(1, d.err().lines().count(), d.err());
        assertTrue(d.err().startsWith("error: cannot connect to postgresql://someone@127.0.0.1:1/nothing"), d.err());
        assertFalse(d.all().contains(secret));
    }

    // The formatter alone.

    static Skill skill(Skill.SkillFile... files) {
        return new Skill("a/b", List.of(files));
    }

    static Skill.SkillFile file(String path, String text, boolean executable) {
        return new Skill.SkillFile(path, text.getBytes(StandardCharsets.UTF_8), executable);
    }

    static String format(Skill old, Skill now, boolean color) {
        return SkillDiff.format("a/b", SkillDiff.Side.of("db", "the database", old),
                SkillDiff.Side.of("local", "the folder", now), color);
    }

    @Test
    void theFormatterWritesWhatGitWrites() {
        Skill.SkillFile md = file("SKILL.md", "---\nname: b\n---\none\ntwo\n", false);
        assertEquals("", format(skill(md), skill(md), false), "the same files: nothing");
        assertEquals("", format(null, null, false));
        assertEquals("""
                skill a/b: the database and the folder differ
                diff --git db/a/b/SKILL.md local/a/b/SKILL.md
                --- db/a/b/SKILL.md
                +++ local/a/b/SKILL.md
                @@ -2,4 +2,4 @@
                \sname: b
                \s---
                \sone
                -two
                +two
                \\ No newline at end of file
                diff --git db/a/b/run.sh local/a/b/run.sh
                old mode 100644
                new mode 100755
                diff --git db/a/b/x.bin local/a/b/x.bin
                deleted file mode 100644
                Binary files db/a/b/x.bin and /dev/null differ (3 bytes vs 0 bytes)
                """, format(skill(md, file("run.sh", "echo\n", false), new Skill.SkillFile("x.bin",
                        new byte[] {0, 1, 2}, false)),
                        skill(file("SKILL.md", "---\nname: b\n---\none\ntwo", false), file("run.sh", "echo\n", true)),
                        false));
        assertEquals("""
                skill a/b: the database and the folder differ
                diff --git db/a/b/img local/a/b/img
                old mode 100644
                new mode 100755
                Binary files db/a/b/img and local/a/b/img differ (4 bytes vs 3 bytes)
                """, format(skill(md, file("img", "text", false)), skill(md, new Skill.SkillFile("img",
                        new byte[] {(byte) 0xff, 0, 1}, true)), false));
        assertEquals("""
                skill a/b: only in the database
                diff --git db/a/b/SKILL.md local/a/b/SKILL.md
                deleted file mode 100755
                --- db/a/b/SKILL.md
                +++ /dev/null
                @@ -1,1 +0,0 @@
                -x
                """, format(skill(file("SKILL.md", "x\n", true)), null, false));
        assertEquals("skill a/b: only in the folder\n"
                + "diff --git db/a/b/n\033[31m local/a/b/n\033[31m\n".replace("\033[31m", "?[31m")
                + "new file mode 100644\n--- /dev/null\n+++ local/a/b/n?[31m\n@@ -0,0 +1,1 @@\n+x\n",
                format(null, skill(file("n\033[31m", "x\n", false)), false), "control characters in names");
        assertEquals("\033[1mskill a/b: only in the folder\033[m\n"
                + "\033[1mdiff --git db/a/b/n local/a/b/n\033[m\n"
                + "\033[1mnew file mode 100644\033[m\n"
                + "\033[1m--- /dev/null\033[m\n"
                + "\033[1m+++ local/a/b/n\033[m\n"
                + "\033[36m@@ -0,0 +1,1 @@\033[m\n"
                + "\033[32m+x\033[m\n", format(null, skill(file("n", "x\n", false)), true));
    }
}
