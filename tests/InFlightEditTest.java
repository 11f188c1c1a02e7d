import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * An edit another writer (the API, psql) commits while a sync is writing the same skill is never overwritten: the
 * writer holds its transaction open until the sync waits on its row locks, then commits; the sync reports the skill
 * as a conflict (exit 3) and the edit stays. On SQLite the sync's BEGIN IMMEDIATE waits for the writer before it
 * lists, so the plan itself sees the edit.
 */
class InFlightEditTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String PYTHON = Scene.PYTHON;
    static final String TDD = Scene.TDD;

    @TempDir Path tmp;
    Scene scene;

    void setUp(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        assertEquals(0, sync().code());
    }

    @AfterEach
    void tearDown() throws Exception {
        Scene.close(scene);
    }

    TestSupport.Run sync() {
        return scene.run("sync-db", scene.a);
    }

    /** An API edit of the skill's body: appends 'API EDIT'. */
    static String bodyEdit(String skill) {
        return "update skills set skill_content = skill_content || 'API EDIT' where skill_path = '" + skill + "'";
    }

    /** An API edit of the skill's references/style.md: appends 'API EDIT'. */
    static String styleFileEdit(String skill) {
        return "update skill_files set content = content || 'API EDIT' where relative_path = 'references/style.md'"
                + " and skill_id = (select skill_id from skills where skill_path = '" + skill + "')";
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anEditOfTheSkillRowCommittedWhileTheSyncUpdatesItIsKept(String kind) throws Exception {
        setUp(kind);
        syncALocalEditDuring(TDD, bodyEdit(TDD));
        assertTrue(scene.content(TDD).endsWith("API EDIT"));
        assertTrue(localEditKept(TDD));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anEditOfAFileRowCommittedWhileTheSyncUpdatesTheSkillIsKept(String kind) throws Exception {
        setUp(kind);
        syncALocalEditDuring(PYTHON, styleFileEdit(PYTHON));
        assertTrue(scene.one("select f.content from skill_files f join skills s on s.skill_id = f.skill_id where"
                + " s.skill_path = '" + PYTHON + "' and f.relative_path = 'references/style.md'").endsWith("API EDIT"));
        assertTrue(localEditKept(PYTHON));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aTagRemovedWhileTheSyncUpdatesTheSkillStaysRemoved(String kind) throws Exception {
        setUp(kind);
        syncALocalEditDuring(TDD, "delete from skill_tags where tag = 'workflow' and skill_id = (select"
                + " skill_id from skills where skill_path = '" + TDD + "')");
        assertEquals(List.of("testing"), TestSupport.column(scene.db, "select t.tag from skill_tags t join skills s on"
                + " s.skill_id = t.skill_id where s.skill_path = '" + TDD + "'"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anEditCommittedWhileTheSyncArchivesTheSkillKeepsItActive(String kind) throws Exception {
        setUp(kind);
        syncADeletionDuring(TDD, bodyEdit(TDD));
        assertEquals("active", scene.one("select status from skills where skill_path = '" + TDD + "'"));
        assertTrue(scene.content(TDD).endsWith("API EDIT"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFileEditCommittedWhileTheSyncArchivesTheSkillKeepsItActive(String kind) throws Exception {
        setUp(kind);
        syncADeletionDuring(PYTHON, styleFileEdit(PYTHON));
        assertEquals("active", scene.one("select status from skills where skill_path = '" + PYTHON + "'"));
    }

    /**
     * Edits the skill in folder a, then syncs while the writer holds its edit. PostgreSQL: the plan saw the row
     * unchanged, the write finds it changed: a conflict. SQLite: the run waits for the writer's lock before listing,
     * so it sees both edits: merged when they are apart, else a conflict; either way both are kept (the callers
     * check).
     */
    void syncALocalEditDuring(String skill, String edit) throws Exception {
        Scene.append(scene.a, skill, "Local edit.\n");
        TestSupport.Run run = syncDuring(edit);
        if (scene.db.kind().equals("postgresql")) {
            assertConflict(run, skill);
        } else {
            assertTrue(run.code() == 3 && run.err().contains("conflict " + skill + ": ")
                    || run.code() == 0 && run.out().contains("merge " + skill), run.all());
        }
    }

    /** Deletes the skill from folder a, then syncs while the writer holds its edit. */
    void syncADeletionDuring(String skill, String edit) throws Exception {
        SkillFolder.deleteTree(scene.a.resolve(skill));
        assertConflictOrRestored(syncDuring(edit), skill);
    }

    /** Whether the skill's SKILL.md in folder a still ends with the local edit. */
    boolean localEditKept(String skill) throws Exception {
        return TestSupport.read(scene.a.resolve(skill).resolve("SKILL.md")).endsWith("Local edit.\n");
    }

    /**
     * PostgreSQL: the plan saw the row unchanged and archives it; the write finds it changed: a conflict. SQLite: the
     * plan already sees the edit (deleted here, changed there): the skill is restored into the folder.
     */
    void assertConflictOrRestored(TestSupport.Run run, String skill) {
        if (scene.db.kind().equals("postgresql")) {
            assertConflict(run, skill);
        } else {
            assertEquals(0, run.code(), run.all());
            assertTrue(run.out().contains("create-local " + skill), run.out());
        }
    }

    void assertConflict(TestSupport.Run run, String skill) {
        assertEquals(3, run.code(), run.all());
        assertTrue(run.err().contains("conflict " + skill + ": " + (scene.db.kind().equals("postgresql")
                ? "changed in the database while this run was planning; run again" : "")), run.err());
    }

    /**
     * Runs a sync while another connection holds the edit uncommitted; commits it once the sync waits on a lock
     * (PostgreSQL: a 'skill-fleet' backend waiting in pg_stat_activity; SQLite cannot show that, so after a pause),
     * or once the sync has finished without waiting.
     */
    TestSupport.Run syncDuring(String edit) throws Exception {
        boolean postgres = scene.db.kind().equals("postgresql");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection writer = scene.db.connect()) {
            if (postgres) {
                try (Statement st = writer.createStatement()) {
                    st.execute("set application_name = 'api-writer'");
                }
            }
            writer.setAutoCommit(false);
            try (Statement st = writer.createStatement()) {
                assertTrue(st.executeUpdate(edit) > 0, edit);
            }
            Future<TestSupport.Run> run = pool.submit(this::sync);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(postgres ? 30 : 2);
            boolean waited = false;
            while (!run.isDone() && System.nanoTime() < deadline && !waited) {
                Thread.sleep(50);
                waited = postgres && syncIsWaiting();
            }
            writer.commit();
            // sqlite-jdbc begins the next transaction right after a commit: end it, or it keeps the write lock.
            writer.setAutoCommit(true);
            TestSupport.Run result = run.get(2, TimeUnit.MINUTES);
            assertTrue(waited || !postgres, "the sync waited for the writer's lock: " + result.all());
            return result;
        } finally {
            pool.shutdownNow();
        }
    }

    boolean syncIsWaiting() throws Exception {
        try (Connection c = scene.db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from pg_stat_activity where application_name ="
                        + " 'skill-fleet' and wait_event_type = 'Lock' and datname = current_database()")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }
}
