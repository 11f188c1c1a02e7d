import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Exit 0 means both sides agree on every skill in scope: a run that leaves them different on purpose (a one-way
 * command not taking the other side's change, --no-delete) exits 3 and names each skill, and a --skill-path that
 * matches nothing is an error, not a pass. Through the real commands, PostgreSQL and SQLite alike.
 */
class ExitCodeTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String PYTHON = Scene.PYTHON;
    static final String TDD = Scene.TDD;

    @TempDir Path tmp;
    Scene scene;

    /** Folder a holds the samples and has synced with the database. */
    void setUp(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        assertEquals(0, scene.run("sync-db", scene.a).code());
    }

    @AfterEach
    void tearDown() throws Exception {
        Scene.close(scene);
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void importLeavingALocalEditExitsThreeAndNamesIt(String kind) throws Exception {
        setUp(kind);
        Scene.append(scene.a, TDD, "Edited locally.\n");
        TestSupport.Run imp = scene.run("import-from-db", scene.a, "--status", "all");
        assertEquals(3, imp.code(), imp.all());
        assertTrue(imp.err().contains("other-side-newer " + TDD + ": unchanged in the database, changed in the "
                + "folder"), imp.err());
        assertTrue(imp.out().contains("4 unchanged, 1 left different, 0 skipped, 0 conflicts"), imp.out());
        assertTrue(TestSupport.read(scene.a.resolve(TDD).resolve("SKILL.md")).endsWith("Edited locally.\n"), "kept");
        TestSupport.Run dry = scene.run("import-from-db", scene.a, "--status", "all", "--dry-run");
        assertEquals(3, dry.code(), "a dry run predicts the run's exit code: " + dry.all());

        assertEquals(0, scene.run("export-to-db", scene.a).code());
        TestSupport.Run again = scene.run("import-from-db", scene.a, "--status", "all");
        assertEquals(0, again.code(), "both sides agree now: " + again.all());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void exportLeavingAnApiEditOrAnArchivedRowExitsThreeAndNamesIt(String kind) throws Exception {
        setUp(kind);
        TestSupport.execute(scene.db, "update skills set skill_content = 'Edited through the API.' where "
                + "skill_path = '" + TDD + "'");
        TestSupport.Run export = scene.run("export-to-db", scene.a);
        assertEquals(3, export.code(), export.all());
        assertTrue(export.err().contains("other-side-newer " + TDD + ": unchanged in the folder, changed in the "
                + "database"), export.err());
        assertEquals("Edited through the API.", scene.content(TDD), "the API edit is not overwritten");
        assertEquals(3, scene.run("export-to-db", scene.a, "--dry-run").code());

        assertEquals(0, scene.run("import-from-db", scene.a, "--status", "all").code());
        assertEquals(0, scene.run("export-to-db", scene.a).code());

        TestSupport.execute(scene.db, "update skills set status = 'archived' where skill_path = '" + PYTHON + "'");
        TestSupport.Run archived = scene.run("export-to-db", scene.a);
        assertEquals(3, archived.code(), archived.all());
        assertTrue(archived.err().contains("other-side-newer " + PYTHON + ": archived in the database"),
                archived.err());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void noDeleteKeepingADeletionExitsThreeAndNamesIt(String kind) throws Exception {
        setUp(kind);
        TestSupport.execute(scene.db, "update skills set status = 'archived' where skill_path = '" + TDD + "'");
        TestSupport.Run kept = scene.run("sync-db", scene.a, "--no-delete");
        assertEquals(3, kept.code(), kept.all());
        assertTrue(kept.err().contains("keep " + TDD + ": archived in the database; --no-delete keeps the local "
                + "copy"), kept.err());
        assertTrue(Files.exists(scene.a.resolve(TDD)), "--no-delete keeps it");

        SkillFolder.deleteTree(scene.a.resolve(PYTHON));
        TestSupport.Run both = scene.run("sync-db", scene.a, "--no-delete", "-q");
        assertEquals(3, both.code(), both.all());
        assertTrue(both.err().contains("keep " + PYTHON + ": deleted in the folder; --no-delete keeps the database "
                + "copy"), "named even with -q: " + both.err());
        assertEquals(4, scene.run("sync-db", scene.a, "--check", "--no-delete").code());

        assertEquals(0, scene.run("sync-db", scene.a).code(), "without --no-delete the deletions go through");
        assertFalse(Files.exists(scene.a.resolve(TDD)));
        assertEquals(0, scene.run("sync-db", scene.a, "--no-delete").code());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillPathMatchingNothingIsAnErrorAndDotSlashIsTheSamePrefix(String kind) throws Exception {
        setUp(kind);
        String expected = "error: --skill-path misc matches no skill in the folder or the database\n";
        for (String command : List.of("sync-db", "export-to-db", "import-from-db")) {
            for (String prefix : List.of("./misc", "misc/", "misc")) {
                TestSupport.Run r = scene.run(command, scene.a, "--skill-path", prefix);
                assertEquals(1, r.code(), command + " " + prefix + ": " + r.all());
                assertEquals(expected, r.err(), command);
            }
        }
        TestSupport.Run check = scene.run("sync-db", scene.a, "--check", "--skill-path", "./misc");
        assertEquals(1, check.code(), "a CI gate with a typo fails: " + check.all());
        assertEquals(expected, check.err());
        TestSupport.Run both = scene.run("list", scene.a, "--both", "--skill-path", "misc");
        assertEquals(1, both.code(), both.all());

        // ./development/languages/ is development/languages: in play, and in step.
        TestSupport.Run inStep = scene.run("sync-db", scene.a, "--check", "--skill-path", "./development/languages/");
        assertEquals(0, inStep.code(), inStep.all());
        assertTrue(inStep.out().contains(PYTHON) && !inStep.out().contains(TDD), inStep.out());
        Scene.append(scene.a, PYTHON, "Edited.\n");
        assertEquals(4, scene.run("sync-db", scene.a, "--check", "--skill-path", "./development/languages/").code());

        // A prefix that matches only an archived row, or skills of another status, is not a typo.
        SkillFolder.deleteTree(scene.a.resolve(PYTHON));
        assertEquals(0, scene.run("sync-db", scene.a).code());
        TestSupport.Run archived = scene.run("sync-db", scene.a, "--check", "--skill-path", PYTHON);
        assertEquals(0, archived.code(), archived.all());
        TestSupport.execute(scene.db, "update skills set status = 'draft' where skill_path = '" + TDD + "'");
        Path empty = tmp.resolve("empty/skills");
        TestSupport.Run drafts = scene.run("import-from-db", empty, "--skill-path", "development/testing");
        assertEquals(0, drafts.code(), drafts.all());
    }
}
