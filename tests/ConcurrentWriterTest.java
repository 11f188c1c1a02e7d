import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
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
    static final String PYTHON = Scene.PYTHON;
    static final String JAVA = Scene.JAVA;

    @TempDir Path tmp;
    Scene scene;

    @AfterEach
    void tearDown() throws Exception {
        Scene.close(scene);
    }

    /** At the given moment, an API edit of the skill's body, committed on its own connection. */
    Hooks apiEdit(Hooks.Moment when, String skill, String text) {
        return (moment, s) -> {
            if (moment == when) {
                try {
                    TestSupport.execute(scene.db, "update skills set skill_content = skill_content || '" + text
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
                    Scene.append(dir, skill, text);
                } catch (Exception e) {
                    throw new java.io.IOException(e);
                }
            }
        };
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("POSTGRESQL")
    void anApiEditAfterThePlanIsKeptByExportAndSync(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        for (String command : List.of("export-to-db", "sync-db")) {
            String skill = command.equals("sync-db") ? JAVA : PYTHON;
            Scene.append(scene.a, skill, "\nlocal edit for " + command + "\n");
            TestSupport.Run r = scene.run(command, scene.a, apiEdit(Hooks.Moment.PLANNED, skill, "API EDIT " + command));
            assertEquals(3, r.code(), command + ": " + r.all());
            assertTrue(r.err().contains("conflict " + skill + ": changed in the database while this run was "
                    + "planning"), r.err());
            assertTrue(scene.content(skill).endsWith("API EDIT " + command), "the API edit is kept");
            assertFalse(scene.content(skill).contains("local edit for " + command));
            assertTrue(TestSupport.read(scene.a.resolve(skill).resolve("SKILL.md")).contains("local edit for " + command),
                    "the local edit is kept too");
        }
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("POSTGRESQL")
    void anApiEditAfterThePlanIsNotArchivedBySync(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        SkillFolder.deleteTree(scene.a.resolve(JAVA));
        TestSupport.Run r = scene.run("sync-db", scene.a, apiEdit(Hooks.Moment.PLANNED, JAVA, "API EDIT"));
        assertEquals(3, r.code(), r.all());
        assertTrue(r.err().contains("conflict " + JAVA + ": changed in the database while this run was planning"),
                r.err());
        assertEquals(List.of("active"), TestSupport.column(scene.db, "select cast(status as text) from skills where "
                + "skill_path = '" + JAVA + "'"));
        assertTrue(scene.content(JAVA).endsWith("API EDIT"));
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void anApiEditAfterTheCommitIsNotWrittenOverTheFolderByImportOrSync(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        for (String command : List.of("import-from-db", "sync-db")) {
            String skill = command.equals("sync-db") ? JAVA : PYTHON;
            Scene.append(scene.b, skill, "\nedited in b before " + command + "\n");
            assertEquals(0, scene.run("sync-db", scene.b, Hooks.NONE).code());
            String before = TestSupport.read(scene.a.resolve(skill).resolve("SKILL.md"));
            TestSupport.Run r = scene.run(command, scene.a, apiEdit(Hooks.Moment.COMMITTED, skill, "API EDIT " + command));
            assertEquals(3, r.code(), command + ": " + r.all());
            assertTrue(r.err().contains("conflict " + skill + ": changed in the database while this run was "
                    + "working"), r.err());
            assertEquals(before, TestSupport.read(scene.a.resolve(skill).resolve("SKILL.md")), "folder untouched");
            assertTrue(scene.content(skill).endsWith("API EDIT " + command));
            TestSupport.Run later = scene.run("sync-db", scene.a, Hooks.NONE);
            assertEquals(0, later.code(), "a later run brings it down: " + later.all());
            assertTrue(TestSupport.read(scene.a.resolve(skill).resolve("SKILL.md")).endsWith("API EDIT " + command));
        }
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aFolderEditAfterThePlanIsKeptByEveryCommand(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        Scene.append(scene.a, PYTHON, "\nfirst local edit\n");
        TestSupport.Run export = scene.run("export-to-db", scene.a, folderEdit(Hooks.Moment.PLANNED, scene.a, PYTHON,
                "second local edit\n"));
        assertEquals(3, export.code(), export.all());
        assertTrue(export.err().contains("conflict " + PYTHON + ": changed in the folder while this run was working"),
                export.err());
        assertFalse(scene.content(PYTHON).contains("first local edit"), "a half-seen version is not sent");

        for (String command : List.of("import-from-db", "sync-db")) {
            String skill = command.equals("sync-db") ? JAVA : "writing/technical-writing";
            Scene.append(scene.b, skill, "\nedited in b before " + command + "\n");
            assertEquals(0, scene.run("sync-db", scene.b, Hooks.NONE).code());
            TestSupport.Run r = scene.run(command, scene.a, folderEdit(Hooks.Moment.PLANNED, scene.a, skill, "saved in a during "
                    + command + "\n"));
            assertEquals(3, r.code(), command + ": " + r.all());
            assertTrue(r.err().contains("conflict " + skill + ": changed in the folder while this run was working"),
                    r.err());
            String md = TestSupport.read(scene.a.resolve(skill).resolve("SKILL.md"));
            assertTrue(md.endsWith("saved in a during " + command + "\n"), "the folder edit is kept");
            assertFalse(md.contains("edited in b before " + command));
        }
    }

    /** Runs of this tool that write one PostgreSQL database take turns: each holds the transaction-scoped lock. */
    @ParameterizedTest(name = "kind={0}")
    @FieldSource("POSTGRESQL")
    void aWritingRunWaitsForAnotherRunsDatabaseLock(String kind) throws Exception {
        scene = Scene.create(kind, tmp, true);
        Scene.append(scene.a, PYTHON, "\nedited\n");
        try (java.sql.Connection other = scene.db.connect(); java.sql.Statement st = other.createStatement()) {
            other.setAutoCommit(false);
            // What another run holds while it writes (the same key as the tool's advisory lock).
            st.execute(SkillSql.LOCK_SYNC);
            java.util.concurrent.CompletableFuture<TestSupport.Run> run = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> scene.run("export-to-db", scene.a));
            Thread.sleep(2000);
            assertFalse(run.isDone(), "the export waits for the other run");
            other.commit();
            TestSupport.Run r = run.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(0, r.code(), r.all());
        }
        assertTrue(scene.content(PYTHON).contains("edited"));
    }
}
