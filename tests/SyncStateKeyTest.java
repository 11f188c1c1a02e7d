import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync state (the base of the three-way comparison) belongs to the data a URL picks, not to how the URL is
 * written: another schema of the same database is another database; another path to the same SQLite file is not.
 */
class SyncStateKeyTest {
    static final String WRITING = "writing/technical-writing";
    static final String PYTHON = "development/languages/python";

    @TempDir Path tmp;

    TestSupport.Run sync(Path dir, String url) {
        return TestSupport.run("sync-db", Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString()), "-s",
                dir.toString(), "--db", url);
    }

    static String with(String url, String parameter) {
        return url + (url.contains("?") ? "&" : "?") + parameter;
    }

    Path samples(String name) throws Exception {
        Path dir = tmp.resolve(name).resolve("skills");
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), dir);
        return dir;
    }

    static List<String> skills(Path dir) throws Exception {
        return SkillFolder.list(dir, w -> { });
    }

    @Test
    void anotherSchemaOfTheSameDatabaseIsAFirstSyncNeverARemoval() throws Exception {
        try (TestDatabases.TestDb db = TestDatabases.create("postgresql", tmp)) {
            TestSupport.execute(db, "create schema team_a; create schema team_b; create schema team_c");
            String a = with(db.url(), "currentSchema=team_a");
            String b = with(db.url(), "options=-c%20search_path%3Dteam_b");
            String c = with(db.url(), "options=-csearch_path%3Dteam_c");

            Path other = tmp.resolve("other/skills");
            TestSupport.write(other.resolve("misc/only-in-b/SKILL.md"),
                    "---\nname: only-in-b\ndescription: A skill that only schema team_b holds.\n---\n\n# Only in B\n");
            assertEquals(0, sync(other, b).code());

            Path folder = samples("folder");
            List<String> local = skills(folder);
            assertEquals(5, local.size(), local.toString());
            TestSupport.Run first = sync(folder, a);
            assertEquals(0, first.code(), first.all());

            // team_b holds one other skill: a first sync with it, the union, removes nothing on either side.
            TestSupport.Run toB = sync(folder, b);
            assertEquals(0, toB.code(), toB.all());
            assertFalse(toB.out().contains("remove-local") || toB.out().contains("archive-in-db"), toB.out());
            assertTrue(skills(folder).containsAll(local) && skills(folder).contains("misc/only-in-b"),
                    skills(folder).toString());
            assertEquals("6", one(db, "select count(*) from team_b.skills where status <> 'archived'"));

            // team_c holds nothing: the same, not the brake for "the database is empty".
            TestSupport.Run toC = sync(folder, c);
            assertEquals(0, toC.code(), toC.all());
            assertEquals("6", one(db, "select count(*) from team_c.skills where status <> 'archived'"));

            for (String schema : List.of("team_a", "team_b", "team_c")) {
                assertEquals("0", one(db, "select count(*) from " + schema + ".skills where status = 'archived'"),
                        schema);
            }
            assertEquals("5", one(db, "select count(*) from team_a.skills"));
            TestSupport.Run backToA = sync(folder, a);
            assertEquals(0, backToA.code(), backToA.all());
            assertTrue(backToA.out().contains("create-in-db misc/only-in-b"), backToA.out());
            assertEquals(6, skills(folder).size());
        }
    }

    @Test
    void twoPathsToOneSqliteFileShareOneState() throws Exception {
        Path real = tmp.resolve("real");
        Files.createDirectories(real);
        Files.createSymbolicLink(tmp.resolve("linked"), real);
        Path folder = samples("folder");

        // The file does not exist yet when the first run names it through the link.
        TestSupport.Run first = sync(folder, "jdbc:sqlite:" + tmp.resolve("linked/skills.db"));
        assertEquals(0, first.code(), first.all());
        assertTrue(Files.isRegularFile(real.resolve("skills.db")));

        SkillFolder.deleteTree(folder.resolve(WRITING));
        TestSupport.Run direct = sync(folder, "jdbc:sqlite:" + real.resolve("skills.db"));
        assertEquals(0, direct.code(), direct.all());
        assertTrue(direct.out().contains("archive-in-db " + WRITING), "a deletion, not a first sync: " + direct.out());
        assertFalse(Files.exists(folder.resolve(WRITING)));

        Path alias = Files.createSymbolicLink(tmp.resolve("alias.db"), real.resolve("skills.db"));
        SkillFolder.deleteTree(folder.resolve(PYTHON));
        TestSupport.Run viaAlias = sync(folder, "jdbc:sqlite:" + alias);
        assertEquals(0, viaAlias.code(), viaAlias.all());
        assertTrue(viaAlias.out().contains("archive-in-db " + PYTHON), viaAlias.out());
        assertFalse(Files.exists(folder.resolve(PYTHON)));
        try (var states = Files.list(tmp.resolve("folder/.skill-fleet"))) {
            assertEquals(1, states.filter(p -> p.getFileName().toString().startsWith("state-")).count());
        }
    }

    static String one(TestDatabases.TestDb db, String sql) throws Exception {
        List<String> values = TestSupport.column(db, sql);
        assertEquals(1, values.size(), sql + " -> " + values);
        return values.get(0);
    }
}
