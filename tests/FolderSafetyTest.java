import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * What writing into a folder keeps: whatever stands where a skill would go, what the tool does not manage inside a
 * skill (links, empty folders, special files, permission bits), and an edit saved while the folder is swapped.
 * Two folders a and b synced with one database, through the real commands.
 */
class FolderSafetyTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String PYTHON = Scene.PYTHON;
    static final String JAVA = Scene.JAVA;
    static final String WRITING = Scene.WRITING;

    @TempDir Path tmp;
    Scene scene;

    @AfterEach
    void tearDown() throws Exception {
        Scene.close(scene);
    }

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    /** The backup folder of the latest run that saved anything. */
    static Path latestBackup(Path skills) throws Exception {
        try (Stream<Path> dirs = Files.list(skills.getParent().resolve(".skill-fleet/backup"))) {
            return dirs.max(java.util.Comparator.comparing(p -> {
                String name = p.getFileName().toString();
                int dash = name.indexOf('-');
                return dash < 0 ? name + "-00000" : name.substring(0, dash) + String.format("-%05d",
                        Integer.parseInt(name.substring(dash + 1)));
            })).orElseThrow();
        }
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aFileOrForeignFolderWhereASkillWouldGoIsAConflictAndKept(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        Path c = tmp.resolve("c/skills");
        TestSupport.write(c.resolve("development/languages/python"), "my notes, not a skill\n");
        TestSupport.write(c.resolve("writing"), "a file where a category folder goes\n");
        TestSupport.write(c.resolve("development/languages/java/notes.txt"), "a folder without SKILL.md\n");
        for (String command : List.of("import-from-db", "sync-db")) {
            TestSupport.Run r = scene.run(command, c, Hooks.NONE);
            assertEquals(3, r.code(), command + ": " + r.all());
            assertTrue(r.err().contains("conflict " + PYTHON + ": a file is in the way"), r.err());
            assertTrue(r.err().contains("conflict " + WRITING + ": the file writing is where a folder must go"),
                    r.err());
            assertTrue(r.err().contains("conflict " + JAVA + ": a folder that is not a skill"), r.err());
            assertEquals("my notes, not a skill\n", TestSupport.read(c.resolve(PYTHON)));
            assertEquals("a file where a category folder goes\n", TestSupport.read(c.resolve("writing")));
            assertEquals(List.of("notes.txt"), Files.list(c.resolve(JAVA)).map(p -> p.getFileName().toString())
                    .toList());
            assertFalse(Files.exists(c.getParent().resolve(".skill-fleet/backup")), "nothing replaced");
        }
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void replacingOrRemovingASkillKeepsWhatTheToolDoesNotManageAndNeverWidensAMode(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        Path py = scene.b.resolve(PYTHON);
        TestSupport.write(scene.a.resolve(PYTHON).resolve("local.env"), "TOKEN=x\n");
        assertEquals(0, scene.run("sync-db", scene.a, Hooks.NONE).code());
        assertEquals(0, scene.run("sync-db", scene.b, Hooks.NONE).code());
        Files.setPosixFilePermissions(py.resolve("local.env"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(py, PosixFilePermissions.fromString("rwx------"));
        Files.createSymbolicLink(py.resolve("link"), Path.of("../../../elsewhere"));
        Files.createDirectories(py.resolve("empty/inner"));
        Path writing = scene.b.resolve(WRITING);
        Files.createSymbolicLink(writing.resolve("link"), Path.of("SKILL.md"));
        Files.createDirectories(writing.resolve("drafts"));

        Scene.append(scene.a, PYTHON, "\nEdited in a.\n");
        SkillFolder.deleteTree(scene.a.resolve(WRITING));
        assertEquals(0, scene.run("sync-db", scene.a, Hooks.NONE).code());
        TestSupport.Run r = scene.run("sync-db", scene.b, Hooks.NONE);
        assertEquals(0, r.code(), r.all());

        assertTrue(TestSupport.read(py.resolve("SKILL.md")).endsWith("Edited in a.\n"));
        assertEquals("rw-------", mode(py.resolve("local.env")), "a rewritten file keeps its mode");
        assertEquals("rwx------", mode(py), "the skill folder keeps its mode");
        assertEquals(Path.of("../../../elsewhere"), Files.readSymbolicLink(py.resolve("link")));
        assertTrue(Files.isDirectory(py.resolve("empty/inner")));
        assertFalse(Files.exists(writing.resolve("SKILL.md")), "the removed skill's files are gone");
        assertTrue(Files.isSymbolicLink(writing.resolve("link")), "its link stays");
        assertTrue(Files.isDirectory(writing.resolve("drafts")), "its empty folder stays");

        Path backup = latestBackup(scene.b).resolve("local");
        assertEquals("rw-------", mode(backup.resolve(PYTHON).resolve("local.env")), "the backup keeps the mode");
        assertTrue(Files.isSymbolicLink(backup.resolve(PYTHON).resolve("link")));
        assertFalse(TestSupport.read(backup.resolve(PYTHON).resolve("SKILL.md")).contains("Edited in a."));
        assertTrue(Files.isRegularFile(backup.resolve(WRITING).resolve("SKILL.md")));
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aSkillHoldingASpecialFileIsNeitherReplacedNorRemoved(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        Path fifo = scene.b.resolve(PYTHON).resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Scene.append(scene.a, PYTHON, "\nEdited in a.\n");
        assertEquals(0, scene.run("sync-db", scene.a, Hooks.NONE).code());
        String before = TestSupport.read(scene.b.resolve(PYTHON).resolve("SKILL.md"));
        TestSupport.Run r = scene.run("sync-db", scene.b, Hooks.NONE);
        assertEquals(3, r.code(), r.all());
        assertTrue(r.err().contains("conflict " + PYTHON + ": holds pipe, a special file"), r.err());
        assertEquals(before, TestSupport.read(scene.b.resolve(PYTHON).resolve("SKILL.md")));
        assertTrue(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS));
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void anEditSavedWhileTheFolderIsSwappedIsKeptAndReported(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        Scene.append(scene.a, PYTHON, "\nEdited in a.\n");
        assertEquals(0, scene.run("sync-db", scene.a, Hooks.NONE).code());
        Path note = scene.b.resolve(PYTHON).resolve("note-saved-meanwhile.md");
        Hooks saveAnEdit = (moment, skill) -> {
            if (moment == Hooks.Moment.FOLDER_BUILT && PYTHON.equals(skill)) {
                TestSupport.write(note, "saved while the sync was writing\n");
            }
        };
        TestSupport.Run r = scene.run("sync-db", scene.b, saveAnEdit);
        assertEquals(3, r.code(), r.all());
        assertTrue(r.err().contains("conflict " + PYTHON + ": changed in the folder while this run was working"),
                r.err());
        assertEquals("saved while the sync was writing\n", TestSupport.read(note));
        assertFalse(TestSupport.read(scene.b.resolve(PYTHON).resolve("SKILL.md")).contains("Edited in a."));
        try (Stream<Path> left = Files.list(scene.b.resolve("development/languages"))) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(SkillFolder.WORK_PREFIX)).toList(), "no work folder left");
        }
        // Changed on both sides now, far apart (a new file here, SKILL.md there): the next sync merges them.
        TestSupport.Run again = scene.run("sync-db", scene.b, Hooks.NONE);
        assertEquals(0, again.code(), "changed on both sides now: " + again.all());
        assertTrue(again.out().contains("merge " + PYTHON), again.out());
        assertEquals("saved while the sync was writing\n", TestSupport.read(note), "the edit saved meanwhile is kept");
        assertTrue(TestSupport.read(scene.b.resolve(PYTHON).resolve("SKILL.md")).contains("Edited in a."));
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aFailureWhileTheOldFolderIsAsidePutsItBack(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        Scene.append(scene.a, PYTHON, "\nEdited in a.\n");
        assertEquals(0, scene.run("sync-db", scene.a, Hooks.NONE).code());
        Map<String, byte[]> before = TestSupport.tree(scene.b);
        Hooks failAside = (moment, skill) -> {
            if (moment == Hooks.Moment.FOLDER_ASIDE) {
                throw new java.io.IOException("disk full (simulated)");
            }
        };
        TestSupport.Run r = scene.run("sync-db", scene.b, failAside);
        assertEquals(1, r.code(), r.all());
        assertTrue(r.err().contains("skipped " + PYTHON + ": could not write the folder: disk full"), r.err());
        assertEquals(before.keySet(), TestSupport.tree(scene.b).keySet(), "the old folder is back in place");
        assertFalse(TestSupport.read(scene.b.resolve(PYTHON).resolve("SKILL.md")).contains("Edited in a."));
        TestSupport.Run again = scene.run("sync-db", scene.b, Hooks.NONE);
        assertEquals(0, again.code(), again.all());
        assertTrue(again.out().contains("update-local " + PYTHON), "brought down, not archived: " + again.out());
        assertEquals("active", scene.one("select cast(status as text) from skills where skill_path = '" + PYTHON
                + "'"));
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aSkillOrCategoryFolderThatIsALinkIsSkippedNeverReadAsDeleted(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        Path elsewhere = Files.createDirectories(tmp.resolve("dotfiles"));
        Files.move(scene.a.resolve(WRITING), elsewhere.resolve("technical-writing"));
        Files.createSymbolicLink(scene.a.resolve(WRITING), elsewhere.resolve("technical-writing"));
        Files.move(scene.a.resolve("development/languages"), elsewhere.resolve("languages"));
        Files.createSymbolicLink(scene.a.resolve("development/languages"), elsewhere.resolve("languages"));
        for (String command : List.of("export-to-db", "sync-db")) {
            TestSupport.Run r = scene.run(command, scene.a, Hooks.NONE);
            assertEquals(3, r.code(), command + ": " + r.all());
            assertTrue(r.err().contains("skipped " + WRITING + ": the folder path goes through the symbolic link "
                    + WRITING), r.err());
            assertTrue(r.err().contains("skipped " + PYTHON + ": the folder path goes through the symbolic link "
                    + "development/languages"), r.err());
        }
        assertEquals("0", scene.one("select count(*) from skills where status = 'archived'"), "nothing archived");
        TestSupport.Run b = scene.run("sync-db", scene.b, Hooks.NONE);
        assertEquals(0, b.code(), b.all());
        assertTrue(Files.isRegularFile(scene.b.resolve(WRITING).resolve("SKILL.md")), "the other folder keeps it");
    }
}
