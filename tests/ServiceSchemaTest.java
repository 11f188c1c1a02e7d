import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pointed at a database the skill-fleet service created, the tool works unchanged and alters none of its tables. */
class ServiceSchemaTest {
    static final String COLUMNS = "select table_name || '.' || column_name || ':' || data_type || ':'"
            + " || coalesce(column_default, '') from information_schema.columns"
            + " where table_schema = current_schema() and table_name not like 'skill_fleet_%' order by 1";

    @Test
    void exportAndImportWorkAgainstTheServiceSchema(@TempDir Path tmp) throws Exception {
        try (TestDatabases.TestDb db = TestDatabases.create("postgresql", tmp)) {
            TestSupport.execute(db, Files.readString(TestSupport.repoRoot().resolve("tests/fixtures/service-schema.sql")));
            List<String> before = TestSupport.column(db, COLUMNS);
            Path src = tmp.resolve("a/skills");
            TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), src);
            Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());

            TestSupport.Run export = TestSupport.run("export-to-db", env, "-s", src.toString(), "--db", db.url());
            assertEquals(0, export.code(), export.all());
            assertEquals(before, TestSupport.column(db, COLUMNS), "service tables unchanged");
            assertEquals(List.of("development/languages/java", "development/languages/python",
                    "development/testing/test-driven-development", "operations/databases/postgres-tuning",
                    "writing/technical-writing"), TestSupport.column(db,
                    "select skill_path from active_skills_view order by 1"));
            assertEquals(List.of("development/languages/python"), TestSupport.column(db, "select skill_path from skills"
                    + " where search_vector @@ to_tsquery('english', 'pytest')"));

            String modifiedBefore = TestSupport.column(db, "select last_modified from skills where name = 'java'").get(0);
            Path md = src.resolve("development/languages/java/SKILL.md");
            TestSupport.write(md, TestSupport.read(md) + "More.\n");
            assertEquals(0, TestSupport.run("export-to-db", env, "-s", src.toString(), "--db", db.url()).code());
            String modifiedAfter = TestSupport.column(db, "select last_modified from skills where name = 'java'").get(0);
            assertTrue(modifiedAfter.compareTo(modifiedBefore) > 0, "the service's trigger keeps last_modified current");

            Path dst = tmp.resolve("b/skills");
            TestSupport.Run imp = TestSupport.run("import-from-db", env, "--status", "all", "-s", dst.toString(),
                    "--db", db.url());
            assertEquals(0, imp.code(), imp.all());
            TestSupport.assertSameTree(src, dst);
        }
    }
}
