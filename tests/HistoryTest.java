import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * History, log and restore through the real commands, PostgreSQL and SQLite alike: each version a run replaces or
 * archives is kept (none for a first export), log lists them newest first, restore brings one back into the folder
 * (the next sync sends it, an archived row active again with its skill_id) or into the database, byte for byte.
 */
class HistoryTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String PYTHON = Scene.PYTHON;
    static final String JAVA = Scene.JAVA;
    static final String TDD = Scene.TDD;
    static final String WRITING = Scene.WRITING;
    static final String TUNING = "operations/databases/postgres-tuning";

    @TempDir Path tmp;
    Scene scene;
    Map<String, String> env;

    @AfterEach
    void tearDown() throws Exception {
        Scene.close(scene);
    }

    void setUp(String kind, boolean synced) throws Exception {
        scene = Scene.create(kind, tmp, synced);
        env = new HashMap<>(scene.env);
        env.put("SKILL_FLEET_USER", "ada");
        env.put("SKILL_FLEET_HOST", "build-7");
    }

    TestSupport.Run run(String command, Path dir, String... args) {
        List<String> all = new ArrayList<>(List.of("-s", dir.toString(), "--db", scene.db.url()));
        all.addAll(List.of(args));
        return TestSupport.run(command, env, all.toArray(String[]::new));
    }

    TestSupport.Run ok(String command, Path dir, String... args) {
        TestSupport.Run r = run(command, dir, args);
        assertEquals(0, r.code(), command + " " + List.of(args) + ": " + r.all());
        return r;
    }

    JsonNode log(String skill) throws Exception {
        return new ObjectMapper().readTree(ok("log", scene.a, skill, "--json").out());
    }

    int versions() throws Exception {
        return Integer.parseInt(scene.one("select count(*) from skill_fleet_versions"));
    }

    static Path sample(String skill) {
        return TestSupport.repoRoot().resolve("skills").resolve(skill);
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void logListsEveryReplacedVersionNewestFirstAndAFirstExportKeepsNone(String kind) throws Exception {
        setUp(kind, false);
        ok("sync-db", scene.a);
        assertEquals(0, versions(), "a first export of new skills keeps no history");
        String original = log(PYTHON).get("current").get("hash").asText();
        Scene.append(scene.a, PYTHON, "First edit.\n");
        ok("sync-db", scene.a);
        String first = log(PYTHON).get("current").get("hash").asText();
        Scene.append(scene.a, PYTHON, "Second edit.\n");
        ok("export-to-db", scene.a);
        env.put("SKILL_FLEET_HISTORY", "off");
        Scene.append(scene.a, TDD, "Not kept.\n");
        ok("sync-db", scene.a);
        env.remove("SKILL_FLEET_HISTORY");

        JsonNode log = log(PYTHON);
        assertEquals(PYTHON, log.get("skill").asText());
        assertEquals("active", log.get("current").get("status").asText());
        JsonNode versions = log.get("versions");
        assertEquals(2, versions.size(), log.toPrettyString());
        assertTrue(versions.get(0).get("version").asLong() > versions.get(1).get("version").asLong(), "newest first");
        assertEquals(List.of(first, original), List.of(versions.get(0).get("hash").asText(),
                versions.get(1).get("hash").asText()), "each version is the skill as it was before the write");
        assertEquals(List.of("export-to-db", "sync-db"), List.of(versions.get(0).get("command").asText(),
                versions.get(1).get("command").asText()));
        for (JsonNode v : versions) {
            assertEquals("export", v.get("reason").asText());
            assertEquals("ada", v.get("user").asText());
            assertEquals("build-7", v.get("host").asText());
            assertEquals(3, v.get("files").asInt(), "SKILL.md, a reference and a script");
        }
        assertEquals(2, versions(), "SKILL_FLEET_HISTORY=off keeps nothing; nothing else was replaced");
        // File contents are kept once: the reference and the script did not change between the versions.
        assertEquals("2", scene.one("select count(*) from skill_fleet_blobs"));

        TestSupport.Run table = ok("log", scene.a, PYTHON);
        List<String> lines = table.out().lines().toList();
        assertTrue(lines.get(0).startsWith("VERSION"), table.out());
        assertTrue(lines.get(1).startsWith("current") && lines.get(1).contains("active"), table.out());
        assertTrue(lines.get(2).startsWith(versions.get(0).get("version").asText() + " ")
                && lines.get(2).contains("export-to-db") && lines.get(2).contains("ada@build-7"), table.out());
        assertTrue(lines.get(3).contains("sync-db"), table.out());

        // The oldest version comes back byte for byte (executable script included) into a folder of its own.
        Path c = tmp.resolve("c/skills");
        TestSupport.Run restored = ok("restore", c, PYTHON, "--version", versions.get(1).get("version").asText());
        assertTrue(restored.out().contains("restored version"), restored.out());
        TestSupport.assertSameTree(sample(PYTHON), c.resolve(PYTHON));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillDeletedAndArchivedComesBackWithItsSkillIdActive(String kind) throws Exception {
        setUp(kind, true);
        String id = scene.one("select skill_id from skills where skill_path = '" + TUNING + "'");
        SkillFolder.deleteTree(scene.a.resolve(TUNING));
        TestSupport.Run archive = ok("sync-db", scene.a);
        assertTrue(archive.out().contains("archive-in-db " + TUNING), archive.out());
        assertEquals("archived", scene.one("select status from skills where skill_path = '" + TUNING + "'"));
        ok("sync-db", scene.b);
        assertFalse(TestSupport.exists(scene.b.resolve(TUNING)), "the other folder removed it");
        JsonNode log = log(TUNING);
        assertEquals("archived", log.get("current").get("status").asText());
        assertEquals("archive", log.get("versions").get(0).get("reason").asText());

        TestSupport.Run dry = ok("restore", scene.a, TUNING, "--dry-run");
        assertTrue(dry.out().contains("would restore version"), dry.out());
        assertFalse(TestSupport.exists(scene.a.resolve(TUNING)), "a dry run writes nothing");
        TestSupport.Run restore = ok("restore", scene.a, TUNING);
        assertTrue(restore.out().contains("sync-db sends it"), restore.out());
        TestSupport.assertSameTree(sample(TUNING), scene.a.resolve(TUNING));
        TestSupport.Run sync = ok("sync-db", scene.a);
        assertTrue(sync.out().contains("update-in-db " + TUNING), sync.out());
        assertEquals(id, scene.one("select skill_id from skills where skill_path = '" + TUNING + "'"),
                "the same skill_id");
        assertEquals("active", scene.one("select status from skills where skill_path = '" + TUNING + "'"));
        ok("sync-db", scene.b);
        TestSupport.assertSameTree(sample(TUNING), scene.b.resolve(TUNING));
        TestSupport.assertSameTree(scene.a, scene.b);
        assertTrue(ok("sync-db", scene.a).out().contains("0 created, 0 updated"), "in step");
    }

    /**
     * A row archived by someone else (the API, SQL) kept no version, and a kept version is older than it: undelete
     * brings back the archived row itself, the last edit included.
     */
    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillArchivedThroughSqlComesBackWithItsLastEdit(String kind) throws Exception {
        setUp(kind, true);
        Scene.append(scene.a, TUNING, "EDIT ONE\n");
        ok("sync-db", scene.a);
        Scene.append(scene.a, TUNING, "EDIT TWO (latest)\n");
        ok("sync-db", scene.a);
        String id = scene.one("select skill_id from skills where skill_path = '" + TUNING + "'");
        TestSupport.execute(scene.db, "update skills set status = 'archived' where skill_id = " + id);
        TestSupport.Run removed = ok("sync-db", scene.a);
        assertTrue(removed.out().contains("remove-local " + TUNING), removed.out());
        TestSupport.Run restore = ok("restore", scene.a, TUNING);
        assertTrue(restore.out().contains("restored the archived row of " + TUNING), restore.out());
        String md = TestSupport.read(scene.a.resolve(TUNING).resolve("SKILL.md"));
        assertTrue(md.endsWith("EDIT ONE\nEDIT TWO (latest)\n"), md);
        assertTrue(md.contains("status: active") && !md.contains("archived"), "a folder cannot say archived: " + md);
        ok("sync-db", scene.a);
        assertEquals("active", scene.one("select status from skills where skill_id = " + id));
        assertTrue(scene.one("select skill_content from skills where skill_id = " + id).endsWith("EDIT TWO (latest)\n"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void restoringOverLocalEditsBacksThemUpAndTheSyncSendsTheVersionOn(String kind) throws Exception {
        setUp(kind, true);
        Scene.append(scene.a, JAVA, "A change to undo.\n");
        ok("sync-db", scene.a);
        long version = log(JAVA).get("versions").get(0).get("version").asLong();
        Scene.append(scene.a, JAVA, "Unsynced local edit.\n");
        TestSupport.Run restore = ok("restore", scene.a, JAVA, "--version", String.valueOf(version));
        assertTrue(restore.out().contains("saved in"), restore.out());
        TestSupport.assertSameTree(sample(JAVA), scene.a.resolve(JAVA));
        try (var stamps = Files.list(scene.a.getParent().resolve(".skill-fleet/backup"))) {
            Path saved = stamps.toList().get(0).resolve("local").resolve(JAVA).resolve("SKILL.md");
            assertTrue(TestSupport.read(saved).contains("Unsynced local edit."), "the local edit is backed up");
        }
        TestSupport.Run sync = ok("sync-db", scene.a);
        assertTrue(sync.out().contains("update-in-db " + JAVA), sync.out());
        assertFalse(scene.content(JAVA).contains("A change to undo."));
        ok("sync-db", scene.b);
        TestSupport.assertSameTree(sample(JAVA), scene.b.resolve(JAVA));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void restoreToTheDatabaseKeepsWhatItReplacesAndTheFolderFollows(String kind) throws Exception {
        setUp(kind, true);
        Scene.append(scene.a, PYTHON, "To be rolled back.\n");
        ok("sync-db", scene.a);
        JsonNode before = log(PYTHON);
        String hash = before.get("versions").get(0).get("hash").asText();
        String id = scene.one("select skill_id from skills where skill_path = '" + PYTHON + "'");

        TestSupport.Run restore = ok("restore", scene.a, PYTHON, "--version", hash.substring(0, 8), "--to-db");
        assertTrue(restore.out().contains("into the database"), restore.out());
        JsonNode after = log(PYTHON);
        assertEquals(hash, after.get("current").get("hash").asText(), "the database holds the version again");
        assertEquals(id, scene.one("select skill_id from skills where skill_path = '" + PYTHON + "'"));
        JsonNode replaced = after.get("versions").get(0);
        assertEquals("restore", replaced.get("reason").asText());
        assertEquals("restore", replaced.get("command").asText());
        assertEquals(before.get("current").get("hash").asText(), replaced.get("hash").asText());

        TestSupport.Run sync = ok("sync-db", scene.a);
        assertTrue(sync.out().contains("update-local " + PYTHON), sync.out());
        TestSupport.assertSameTree(sample(PYTHON), scene.a.resolve(PYTHON));
        TestSupport.Run again = ok("restore", scene.a, PYTHON, "--version", hash.substring(0, 8), "--to-db");
        assertTrue(again.out().contains("already holds"), again.out());

        // Archived through the API while the folder still holds that very version: restoring it changes no file,
        // but the last sync's record goes, so the next sync sends the folder up instead of removing it.
        TestSupport.execute(scene.db, "update skills set status = 'archived' where skill_path = '" + PYTHON + "'");
        TestSupport.Run undelete = ok("restore", scene.a, PYTHON, "--version", hash.substring(0, 8));
        assertTrue(undelete.out().contains("the folder already holds"), undelete.out());
        TestSupport.Run up = ok("sync-db", scene.a);
        assertTrue(up.out().contains("update-in-db " + PYTHON), up.out());
        assertEquals("active", scene.one("select status from skills where skill_path = '" + PYTHON + "'"));
        TestSupport.assertSameTree(sample(PYTHON), scene.a.resolve(PYTHON));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void historyOutlivesARowDeletedThroughSql(String kind) throws Exception {
        setUp(kind, true);
        Scene.append(scene.a, WRITING, "Edited.\n");
        ok("sync-db", scene.a);
        TestSupport.execute(scene.db, "delete from skills where skill_path = '" + WRITING + "'");
        TestSupport.Run log = ok("log", scene.a, WRITING);
        assertFalse(log.out().contains("current"), log.out());
        assertTrue(log.err().contains("1 kept version of " + WRITING + " (no longer in the database)"), log.err());
        Path c = tmp.resolve("c/skills");
        ok("restore", c, WRITING);
        TestSupport.assertSameTree(sample(WRITING), c.resolve(WRITING));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void whatCannotBeRestoredIsOneLineExitOneAndChangesNothing(String kind) throws Exception {
        setUp(kind, true);
        Scene.append(scene.a, JAVA, "Edited.\n");
        ok("sync-db", scene.a);
        long javaVersion = log(JAVA).get("versions").get(0).get("version").asLong();
        Map<String, byte[]> folder = TestSupport.tree(scene.a);

        assertRefused(run("log", scene.a, "misc/nothing"), "no skill misc/nothing in the database or its history");
        assertRefused(run("restore", scene.a, "misc/nothing"), "no skill misc/nothing");
        assertRefused(run("restore", scene.a, PYTHON), "neither archived nor removed");
        assertRefused(run("restore", scene.a, PYTHON, "--version", String.valueOf(javaVersion)),
                "version " + javaVersion + " is of skill " + JAVA);
        assertRefused(run("restore", scene.a, JAVA, "--version", "99999"), "no version 99999 of " + JAVA);
        assertRefused(run("restore", scene.a, JAVA, "--version", "zz"), "no version zz of " + JAVA);
        // The path is now another skill's (renamed through the API): its versions are not that skill's.
        TestSupport.execute(scene.db, "update skills set skill_path = 'development/languages/java-old'"
                + " where skill_path = '" + JAVA + "'");
        TestSupport.execute(scene.db, "update skills set skill_path = '" + JAVA + "' where skill_path = '"
                + PYTHON + "'");
        assertRefused(run("restore", scene.a, JAVA, "--version", String.valueOf(javaVersion)),
                JAVA + " now holds another skill");
        assertEquals(List.copyOf(folder.keySet()), List.copyOf(TestSupport.tree(scene.a).keySet()),
                "nothing was written");
    }

    static void assertRefused(TestSupport.Run r, String says) {
        assertEquals(1, r.code(), r.all());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(says), r.err());
    }
}
