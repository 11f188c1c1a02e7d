import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On SQLite a run takes the database's write lock when its transaction begins (BEGIN IMMEDIATE) and holds it through
 * its listing and plan to its commit, so no other writer can slip in between the plan and the write there: another
 * connection's write in that window is refused as locked. With a deferred transaction it would go through (WAL lets
 * a writer past a reader), and the run's compare-and-swap would be all that is left; SyncDbTest's two concurrent
 * syncs notice that only when their timing happens to collide (the mutation check's sqlite-deferred-transaction).
 */
class SqliteWriteLockTest {
    static final String TDD = "development/testing/test-driven-development";

    @Test
    void anotherWriterIsLockedOutBetweenThePlanAndTheCommit(@TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create("sqlite", tmp)) {
            Path a = tmp.resolve("a/skills");
            TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), a);
            assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
            Path md = a.resolve(TDD).resolve("SKILL.md");
            TestSupport.write(md, TestSupport.read(md) + "Edited locally.\n");

            AtomicReference<String> otherWriter = new AtomicReference<>("never tried");
            Hooks writeMeanwhile = (moment, skill) -> {
                if (moment == Hooks.Moment.PLANNED) {
                    try (Connection c = db.connect(); Statement st = c.createStatement()) {
                        st.execute("pragma busy_timeout = 200");
                        st.executeUpdate("update skills set version = '9.9.9' where skill_path = '" + TDD + "'");
                        otherWriter.set("written");
                    } catch (SQLException e) {
                        otherWriter.set("refused: " + e.getMessage());
                    }
                }
            };
            TestSupport.Run r = TestSupport.run("sync-db", env, writeMeanwhile, "-s", a.toString(), "--db", db.url());
            assertEquals(0, r.code(), r.all());
            assertTrue(otherWriter.get().startsWith("refused: ") && otherWriter.get().contains("locked"),
                    "the other writer waits for the run's commit: " + otherWriter.get());
            assertTrue(TestSupport.column(db, "select skill_content from skills where skill_path = '" + TDD + "'")
                    .get(0).endsWith("Edited locally.\n"));
        }
    }
}
