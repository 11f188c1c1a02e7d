import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Another writer slips in between the plan and the write, on either side, for export, import and sync: its change
 * is kept, the skill is reported as a conflict, and the exit code is 3. This is what the compare-and-swap of both
 * sides is for. (On SQLite a run holds the database's write lock from its listing to its commit, so no other
 * writer can change a row in that window; there, the database-side cases are those after the commit.)
 */
class ConcurrentWriterTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final List<String> POSTGRESQL = List.of("postgresql");
    static final String PYTHON = "development/languages/python";
    static final String JAVA = "development/languages/java";

    @TempDir Path tmp;
    TestDatabases.TestDb db;
    Map<String, String> env;
    Path a;
    Path b;

    void setUp(String kind) throws Exception {
        db = TestDatabases.create(kind, tmp);
        env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        a = tmp.resolve("a/skills");
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), a);
        b = tmp.resolve("b/skills");
        assertEquals(0, run("sync-db", a, Hooks.NONE).code());
        assertEquals(0, run("sync-db", b, Hooks.NONE).code());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    TestSupport.Run run(String command, Path dir, Hooks hooks, String... args) {
        List<String> all = new ArrayList<>(List.of("-s", dir.toString(), "--db", db.url()));
        all.addAll(List.of(args));
        return TestSupport.run(command, env, hooks, all.toArray(String[]::new));
    }

    static void append(Path dir, String skill, String text) throws Exception {
        Path md = dir.resolve(skill).resolve("SKILL.md");
        TestSupport.write(md, TestSupport.read(md) + text);
    }

    String content(String skill) throws Exception {
        return TestSupport.column(db, "select skill_content from skills where skill_path = '" + skill + "'").get(0);
    }

    /** At the given moment, an API edit of the skill's body, committed on its own connection. */
    Hooks apiEdit(Hooks.Moment when, String skill, String text) {
        return (moment, s) -> {
            if (moment == when) {
                try {
                    TestSupport.execute(db, "update skills set skill_content = skill_content || '" + text
                            + "' where skill_path = '" + skill + "'");
                } catch (Exception e) {
                    throw new java.io.IOException(e);
                }
            }
        };
    }

    /** At the given moment, an edit of the skill's SKILL.md in the folder. */
    static Hooks folderEdit(Hooks.Moment when, Path dir, String skill, String text) {
        return (moment, s) -> {
            if (moment == when) {
                try {
                    append(dir, skill, text);
                } catch (Exception e) {
                    throw new java.io.IOException(e);
                }
            }
        };
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("POSTGRESQL")
    void anApiEditAfterThePlanIsKeptByExportAndSync(String kind) throws Exception {
        setUp(kind);
        for (String command : List.of("export-to-db", "sync-db")) {
            String skill = command.equals("sync-db") ? JAVA : PYTHON;
            append(a, skill, "\nlocal edit for " + command + "\n");
            TestSupport.Run r = run(command, a, apiEdit(Hooks.Moment.PLANNED, skill, "API EDIT " + command));
            assertEquals(3, r.code(), command + ": " + r.all());
            assertTrue(r.err().contains("conflict " + skill + ": changed in the database while this run was "
                    + "planning"), r.err());
            assertTrue(content(skill).endsWith("API EDIT " + command), "the API edit is kept");
            assertFalse(content(skill).contains("local edit for " + command));
            assertTrue(TestSupport.read(a.resolve(skill).resolve("SKILL.md")).contains("local edit for " + command),
                    "the local edit is kept too");
        }
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("POSTGRESQL")
    void anApiEditAfterThePlanIsNotArchivedBySync(String kind) throws Exception {
        setUp(kind);
        SkillFolder.deleteTree(a.resolve(JAVA));
        TestSupport.Run r = run("sync-db", a, apiEdit(Hooks.Moment.PLANNED, JAVA, "API EDIT"));
        assertEquals(3, r.code(), r.all());
        assertTrue(r.err().contains("conflict " + JAVA + ": changed in the database while this run was planning"),
                r.err());
        assertEquals(List.of("active"), TestSupport.column(db, "select cast(status as text) from skills where "
                + "skill_path = '" + JAVA + "'"));
        assertTrue(content(JAVA).endsWith("API EDIT"));
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void anApiEditAfterTheCommitIsNotWrittenOverTheFolderByImportOrSync(String kind) throws Exception {
        setUp(kind);
        for (String command : List.of("import-from-db", "sync-db")) {
            String skill = command.equals("sync-db") ? JAVA : PYTHON;
            append(b, skill, "\nedited in b before " + command + "\n");
            assertEquals(0, run("sync-db", b, Hooks.NONE).code());
            String before = TestSupport.read(a.resolve(skill).resolve("SKILL.md"));
            TestSupport.Run r = run(command, a, apiEdit(Hooks.Moment.COMMITTED, skill, "API EDIT " + command));
            assertEquals(3, r.code(), command + ": " + r.all());
            assertTrue(r.err().contains("conflict " + skill + ": changed in the database while this run was "
                    + "working"), r.err());
            assertEquals(before, TestSupport.read(a.resolve(skill).resolve("SKILL.md")), "folder untouched");
            assertTrue(content(skill).endsWith("API EDIT " + command));
            TestSupport.Run later = run("sync-db", a, Hooks.NONE);
            assertEquals(0, later.code(), "a later run brings it down: " + later.all());
            assertTrue(TestSupport.read(a.resolve(skill).resolve("SKILL.md")).endsWith("API EDIT " + command));
        }
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aFolderEditAfterThePlanIsKeptByEveryCommand(String kind) throws Exception {
        setUp(kind);
        append(a, PYTHON, "\nfirst local edit\n");
        TestSupport.Run export = run("export-to-db", a, folderEdit(Hooks.Moment.PLANNED, a, PYTHON,
                "second local edit\n"));
        assertEquals(3, export.code(), export.all());
        assertTrue(export.err().contains("conflict " + PYTHON + ": changed in the folder while this run was working"),
                export.err());
        assertFalse(content(PYTHON).contains("first local edit"), "a half-seen version is not sent");

        for (String command : List.of("import-from-db", "sync-db")) {
            String skill = command.equals("sync-db") ? JAVA : "writing/technical-writing";
            append(b, skill, "\nedited in b before " + command + "\n");
            assertEquals(0, run("sync-db", b, Hooks.NONE).code());
            TestSupport.Run r = run(command, a, folderEdit(Hooks.Moment.PLANNED, a, skill, "saved in a during "
                    + command + "\n"));
            assertEquals(3, r.code(), command + ": " + r.all());
            assertTrue(r.err().contains("conflict " + skill + ": changed in the folder while this run was working"),
                    r.err());
            String md = TestSupport.read(a.resolve(skill).resolve("SKILL.md"));
            assertTrue(md.endsWith("saved in a during " + command + "\n"), "the folder edit is kept");
            assertFalse(md.contains("edited in b before " + command));
        }
    }
}
