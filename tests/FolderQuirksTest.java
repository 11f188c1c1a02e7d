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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Folders as real machines have them, through the real commands (PostgreSQL and SQLite alike): every file executable
 * (WSL, FAT), frontmatter values YAML reads as dates, a skills folder that is a symbolic link, a SKILL.md added above
 * other skills or replaced by a link, a backslash in a file name, and a locale that is not UTF-8 (cron, Docker).
 * None of them may lose work, delete a skill, or leave a conflict that never goes away.
 */
class FolderQuirksTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String PYTHON = Scene.PYTHON;
    static final String CAFE = "---\nname: cafe\ndescription: Names with accents.\n---\n# Café\n";

    @TempDir Path tmp;
    Scene scene;

    @AfterEach
    void tearDown() throws Exception {
        Scene.close(scene);
    }

    /** Makes a symbolic link at {@code at} (its parent created) to {@code target}; returns the link. */
    static Path link(Path at, Path target) throws Exception {
        Files.createDirectories(at.getParent());
        return Files.createSymbolicLink(at, target);
    }

    /** Two syncs in a row from each folder: the first may fast-forward, the second must find nothing to do. */
    void assertSyncsAreNoOps(Path... dirs) {
        for (Path dir : dirs) {
            TestSupport.Run sync = scene.run("sync-db", dir);
            assertEquals(0, sync.code(), sync.all());
            assertFalse(sync.all().contains("conflict "), sync.all());
            assertTrue(sync.out().contains(" 0 created, 0 updated, "), sync.out());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anExecutableSkillMdAndADateDescriptionComeBackAsTheyWentAndNeverConflict(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        Path a = scene.a;
        // On WSL's /mnt/c and on FAT or NTFS checkouts every file is executable, SKILL.md included.
        Files.setPosixFilePermissions(a.resolve(PYTHON).resolve("SKILL.md"),
                PosixFilePermissions.fromString("rwxr-xr-x"));
        TestSupport.write(a.resolve("misc/dated/SKILL.md"), "---\nname: dated\ndescription: 2024-01-05\n"
                + "scope: 2024-02-29\n---\n# Dated\n");
        TestSupport.Run export = scene.run("export-to-db", a);
        assertEquals(0, export.code(), export.all());
        assertEquals("2024-01-05", TestSupport.column(scene.db,
                "select description from skills where skill_path = 'misc/dated'").get(0));

        Path b = scene.b;
        TestSupport.Run imported = scene.run("import-from-db", b, "--status", "all");
        assertEquals(0, imported.code(), imported.all());
        TestSupport.assertSameTree(a, b);
        assertSyncsAreNoOps(a, b, a, b);
        TestSupport.assertSameTree(a, b);
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillsFolderThatIsASymbolicLinkIsFollowed(String kind) throws Exception {
        scene = Scene.empty(kind, tmp);
        Path real = Scene.samples(tmp.resolve("dotfiles/skills"));
        Path a = link(scene.a, real);
        TestSupport.Run export = scene.run("export-to-db", a);
        assertEquals(0, export.code(), export.all());
        assertTrue(export.out().contains("5 created"), export.out());

        Path realB = Files.createDirectories(tmp.resolve("dotfiles-b/skills"));
        Path b = link(scene.b, realB);
        TestSupport.Run imported = scene.run("import-from-db", b);
        assertEquals(0, imported.code(), imported.all());
        assertTrue(imported.out().contains("5 created"), imported.out());
        assertTrue(Files.isSymbolicLink(b), "the link itself stays a link");
        TestSupport.assertSameTree(real, realB);
        assertSyncsAreNoOps(a, b);

        Scene.append(b, PYTHON, "\nEdited through the link.\n");
        assertEquals(0, scene.run("sync-db", b).code());
        TestSupport.Run down = scene.run("sync-db", a);
        assertEquals(0, down.code(), down.all());
        assertTrue(down.out().contains("update-local " + PYTHON), down.out());
        TestSupport.assertSameTree(real, realB);

        // A run killed between its two renames left the old folder aside: the next run puts it back.
        Path python = a.resolve(PYTHON);
        Files.move(python, python.resolveSibling(SkillFolder.WORK_PREFIX + "old-" + java.util.UUID.randomUUID()
                + "-python"));
        TestSupport.Run recovered = scene.run("sync-db", a);
        assertEquals(0, recovered.code(), recovered.all());
        assertTrue(recovered.err().contains(PYTHON + ": restored the copy an interrupted run had set aside"),
                recovered.err());
        TestSupport.assertSameTree(real, realB);
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillMdAddedAboveOtherSkillsIsRefusedAndSwallowsNothing(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        Path a = scene.a;
        assertEquals(0, scene.run("sync-db", a).code());
        String python = TestSupport.column(scene.db, "select skill_content from skills where skill_path = '"
                + PYTHON + "'").get(0);
        TestSupport.write(a.resolve("development/SKILL.md"), "---\nname: development\ndescription: All of it.\n---\n");

        for (int i = 0; i < 2; i++) {
            TestSupport.Run sync = scene.run("sync-db", a);
            assertEquals(3, sync.code(), sync.all());
            assertTrue(sync.err().contains("skipped development: SKILL.md: its folder holds skill "
                    + "development/languages/java"), sync.err());
            assertTrue(sync.out().contains("0 created, 0 updated, 5 unchanged, 1 skipped"), sync.out());
            assertEquals(List.of(), TestSupport.column(scene.db, "select skill_path from skills where status = "
                    + "'archived' or skill_path = 'development'"));
            assertEquals(List.of(python), TestSupport.column(scene.db, "select skill_content from skills where "
                    + "skill_path = '" + PYTHON + "' and status = 'active'"));
        }
        // The inner skills are still skills: an edit to one goes up as usual.
        Scene.append(a, PYTHON, "\nStill its own skill.\n");
        TestSupport.Run sync = scene.run("sync-db", a);
        assertEquals(3, sync.code(), sync.all());
        assertTrue(sync.out().contains("update-in-db " + PYTHON), sync.out());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillMdReplacedByASymbolicLinkIsSkippedNeverDeleted(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        Path a = scene.a;
        Path b = scene.b;
        Path md = a.resolve(PYTHON).resolve("SKILL.md");
        Path elsewhere = tmp.resolve("elsewhere.md");
        Files.move(md, elsewhere);
        Files.createSymbolicLink(md, elsewhere);

        TestSupport.Run sync = scene.run("sync-db", a);
        assertEquals(3, sync.code(), sync.all());
        assertTrue(sync.err().contains("skipped " + PYTHON + ": SKILL.md: is a symbolic link"), sync.err());
        assertEquals("active", TestSupport.column(scene.db, "select status from skills where skill_path = '"
                + PYTHON + "'").get(0));
        TestSupport.Run other = scene.run("sync-db", b);
        assertEquals(0, other.code(), other.all());
        assertTrue(Files.isRegularFile(b.resolve(PYTHON).resolve("SKILL.md")));
        assertTrue(Files.isSymbolicLink(md), "the link is left as the user made it");
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aBackslashInAFileNameIsRefusedNeverTurnedIntoAFolder(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        Path a = scene.a;
        Files.writeString(a.resolve(PYTHON).resolve("back\\slash.md"), "one file, not a folder\n");
        TestSupport.Run export = scene.run("export-to-db", a);
        assertEquals(3, export.code(), export.all());
        assertTrue(export.err().contains("skipped " + PYTHON + ": back\\slash.md: a backslash in a file name"),
                export.err());
        assertTrue(export.out().contains("4 created"), export.out());
        assertEquals(List.of(), TestSupport.column(scene.db, "select relative_path from skill_files where "
                + "relative_path like 'back%'"));

        Path b = scene.b;
        assertEquals(0, scene.run("import-from-db", b).code());
        assertFalse(Files.exists(b.resolve(PYTHON)), "the refused skill is not half-sent");
    }

    /** Runs a command as its own JVM with the given locale variables; returns its exit code and output. */
    TestSupport.Run process(String mainClass, Map<String, String> locale, String... args) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("process-" + System.nanoTime()));
        List<String> all = new ArrayList<>(List.of("--db", scene.db.url()));
        all.addAll(List.of(args));
        Map<String, String> processEnv = new java.util.HashMap<>(locale);
        processEnv.putAll(scene.env);
        Process p = TestSupport.start(dir, processEnv, mainClass, all.toArray(String[]::new));
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the command finished");
        try (Stream<Path> files = Files.list(dir)) {
            Path out = files.filter(f -> f.getFileName().toString().startsWith("out-")).findFirst().orElseThrow();
            return new TestSupport.Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), "");
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void withoutAUtf8LocaleTheCommandsRefuseAndNoNameIsMangled(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        Path a = scene.a;
        assertEquals(0, scene.run("export-to-db", a).code());
        Path cafe = a.resolve("misc/cafe");
        TestSupport.write(cafe.resolve("SKILL.md"), CAFE);
        TestSupport.write(cafe.resolve("café.md"), "crème brûlée\n");
        Map<String, String> c = Map.of("LANG", "C", "LC_ALL", "C");

        for (String command : List.of("export_to_db", "sync_db")) {
            TestSupport.Run refused = process(command, c, "-s", a.toString());
            assertEquals(1, refused.code(), refused.out());
            assertEquals(1, refused.out().lines().count(), refused.out());
            assertTrue(refused.out().startsWith("error: file names need a UTF-8 locale"), refused.out());
            assertEquals(List.of(), TestSupport.column(scene.db, "select relative_path from skill_files where "
                    + "relative_path like 'caf%'"));
        }
        TestSupport.Run utf8 = process("export_to_db", Map.of("LANG", "C", "LC_ALL", "C.UTF-8"), "-s", a.toString());
        assertEquals(0, utf8.code(), utf8.out());
        assertEquals(List.of("café.md"), TestSupport.column(scene.db, "select relative_path from skill_files where "
                + "relative_path like 'caf%'"));

        Path b = scene.b;
        TestSupport.Run importRefused = process("import_from_db", c, "-s", b.toString());
        assertEquals(1, importRefused.code(), importRefused.out());
        assertFalse(Files.exists(b), "nothing written");
        assertEquals(0, process("import_from_db", Map.of("LC_ALL", "C.UTF-8"), "-s", b.toString()).code());
        TestSupport.assertSameTree(a, b);
    }

    @Test
    void theWrapperRunsTheCommandsInAUtf8LocaleWhenTheCallersIsNot() throws Exception {
        Path work = tmp.resolve("work");
        Path cafe = work.resolve("skills/misc/cafe");
        TestSupport.write(cafe.resolve("SKILL.md"), CAFE);
        TestSupport.write(cafe.resolve("café.md"), "crème brûlée\n");
        Path file = tmp.resolve("wrapper.db");
        CliTest.Proc p = CliTest.exec(work, Map.of("LANG", "C", "LC_ALL", "C", "SKILL_FLEET_HOME",
                tmp.resolve("home").toString()), CliTest.wrapper(), "export-to-db@" + TestSupport.repoRoot(),
                "--db", "jdbc:sqlite:" + file);
        assertEquals(0, p.code(), p.out() + p.err());
        try (java.sql.Connection conn = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                java.sql.Statement st = conn.createStatement();
                java.sql.ResultSet rs = st.executeQuery("select relative_path from skill_files")) {
            assertTrue(rs.next());
            assertEquals("café.md", rs.getString(1));
        }
    }
}
