import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Folders as real machines have them, through the real commands (PostgreSQL and SQLite alike): every file executable
 * (WSL, FAT) and frontmatter values YAML reads as dates.
 * None of them may lose work, delete a skill, or leave a conflict that never goes away.
 */
class FolderQuirksTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String PYTHON = "development/languages/python";

    @TempDir Path tmp;
    TestDatabases.TestDb db;
    Map<String, String> env;

    void setUp(String kind) throws Exception {
        db = TestDatabases.create(kind, tmp);
        env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    Path samples(String name) throws Exception {
        Path dir = tmp.resolve(name).resolve("skills");
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), dir);
        return dir;
    }

    TestSupport.Run run(String command, Path dir, String... args) {
        List<String> all = new ArrayList<>(List.of("-s", dir.toString(), "--db", db.url()));
        all.addAll(List.of(args));
        return TestSupport.run(command, env, all.toArray(String[]::new));
    }

    /** Two syncs in a row from each folder: the first may fast-forward, the second must find nothing to do. */
    void assertSyncsAreNoOps(Path... dirs) {
        for (Path dir : dirs) {
            TestSupport.Run sync = run("sync-db", dir);
            assertEquals(0, sync.code(), sync.all());
            assertFalse(sync.all().contains("conflict "), sync.all());
            assertTrue(sync.out().contains(" 0 created, 0 updated, "), sync.out());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anExecutableSkillMdAndADateDescriptionComeBackAsTheyWentAndNeverConflict(String kind) throws Exception {
        setUp(kind);
        Path a = samples("a");
        // On WSL's /mnt/c and on FAT or NTFS checkouts every file is executable, SKILL.md included.
        Files.setPosixFilePermissions(a.resolve(PYTHON).resolve("SKILL.md"),
                PosixFilePermissions.fromString("rwxr-xr-x"));
        TestSupport.write(a.resolve("misc/dated/SKILL.md"), "---\nname: dated\ndescription: 2024-01-05\n"
                + "scope: 2024-02-29\n---\n# Dated\n");
        TestSupport.Run export = run("export-to-db", a);
        assertEquals(0, export.code(), export.all());
        assertEquals("2024-01-05", TestSupport.column(db,
                "select description from skills where skill_path = 'misc/dated'").get(0));

        Path b = tmp.resolve("b/skills");
        TestSupport.Run imported = run("import-from-db", b, "--status", "all");
        assertEquals(0, imported.code(), imported.all());
        TestSupport.assertSameTree(a, b);
        assertSyncsAreNoOps(a, b, a, b);
        TestSupport.assertSameTree(a, b);
    }
}
