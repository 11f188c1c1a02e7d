import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Pointed at a database the skill-fleet service created, the tool works unchanged and alters none of its tables; its
 * rows mean to the service what the service's own rows mean (the closure tables), on the service's schema, on one the
 * tool created, and on SQLite.
 */
class ServiceSchemaTest {
    /** service: PostgreSQL built by the service's migration; postgresql and sqlite: schemas the tool created. */
    static final List<String> SCHEMAS = List.of("service", "postgresql", "sqlite");

    static TestDatabases.TestDb open(String schema, Path tmp) throws Exception {
        TestDatabases.TestDb db = TestDatabases.create(schema.equals("sqlite") ? "sqlite" : "postgresql", tmp);
        if (schema.equals("service")) {
            TestSupport.execute(db, Files.readString(TestSupport.repoRoot().resolve(
                    "tests/fixtures/service-schema.sql")));
        }
        return db;
    }

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

    /** The service's "skills in a category, including subcategories" query. */
    static List<String> inCategory(TestDatabases.TestDb db, String category) throws Exception {
        return TestSupport.column(db, "select distinct s.skill_path from taxonomy_closure c"
                + " join taxonomy_categories t on t.category_id = c.ancestor_id"
                + " join skill_categories sc on sc.category_id = c.descendant_id"
                + " join skills s on s.skill_id = sc.skill_id where t.path = '" + category + "' order by 1");
    }

    static void skill(Path root, String path, String deps) throws Exception {
        TestSupport.write(root.resolve(path + "/SKILL.md"), "---\nname: " + path.substring(path.lastIndexOf('/') + 1)
                + "\ndescription: d\n" + (deps.isEmpty() ? "" : "metadata:\n  dependencies:\n" + deps) + "---\nBody.\n");
    }

    @ParameterizedTest
    @FieldSource("SCHEMAS")
    void theServicesCategoryQueryFindsEverySkillOfASubtree(String schema, @TempDir Path tmp) throws Exception {
        try (TestDatabases.TestDb db = open(schema, tmp)) {
            Path src = tmp.resolve("a/skills");
            for (String p : List.of("dev/lang/java", "dev/lang/python", "dev/testing/tdd", "ops/pg")) {
                skill(src, p, "");
            }
            Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
            TestSupport.Run export = TestSupport.run("export-to-db", env, "-s", src.toString(), "--db", db.url());
            assertEquals(0, export.code(), export.all());
            assertEquals(List.of("dev/lang/java", "dev/lang/python", "dev/testing/tdd"), inCategory(db, "dev"));
            assertEquals(List.of("dev/lang/java", "dev/lang/python"), inCategory(db, "dev/lang"));
            assertEquals(List.of("ops/pg"), inCategory(db, "ops"));
            assertEquals(List.of("dev dev 0", "dev dev/lang 1", "dev dev/testing 1", "dev/lang dev/lang 0"),
                    TestSupport.column(db, "select a.path || ' ' || d.path || ' ' || c.depth from taxonomy_closure c"
                            + " join taxonomy_categories a on a.category_id = c.ancestor_id"
                            + " join taxonomy_categories d on d.category_id = c.descendant_id"
                            + " where a.path in ('dev', 'dev/lang') order by 1"));

            // Idempotent: a second write of the same categories adds nothing and fails nothing.
            String count = "select count(*) from taxonomy_closure";
            List<String> before = TestSupport.column(db, count);
            skill(src, "dev/lang/go", "");
            TestSupport.Run again = TestSupport.run("export-to-db", env, "-s", src.toString(), "--db", db.url());
            assertEquals(0, again.code(), again.all());
            assertEquals(before, TestSupport.column(db, count), "dev/lang/go adds no category");
            assertEquals(List.of("dev/lang/go", "dev/lang/java", "dev/lang/python"), inCategory(db, "dev/lang"));
        }
    }

    /** Each pair of dependency_closure: ancestor, descendant, shortest depth, the types along that path. */
    static List<String> closure(TestDatabases.TestDb db, String schema) throws Exception {
        String types = schema.equals("sqlite")
                ? "(select group_concat(value, ',') from json_each(c.dependency_types))"
                : "array_to_string(c.dependency_types, ',')";
        return TestSupport.column(db, "select a.skill_path || ' ' || d.skill_path || ' ' || c.min_depth || ' ' || "
                + types + " from dependency_closure c join skills a on a.skill_id = c.ancestor_id"
                + " join skills d on d.skill_id = c.descendant_id order by 1");
    }

    @ParameterizedTest
    @FieldSource("SCHEMAS")
    void dependencyClosureHoldsTheTransitivePairsAfterExportAndSync(String schema, @TempDir Path tmp)
            throws Exception {
        try (TestDatabases.TestDb db = open(schema, tmp)) {
            Path src = tmp.resolve("a/skills");
            skill(src, "x/a", "    x/b: required\n    x/c: recommended\n");
            skill(src, "x/b", "    x/c: required\n");
            skill(src, "x/c", "    x/d: required\n");
            skill(src, "x/d", "");
            Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
            TestSupport.Run export = TestSupport.run("export-to-db", env, "-s", src.toString(), "--db", db.url());
            assertEquals(0, export.code(), export.all());
            assertEquals(List.of("x/a x/b 1 required", "x/a x/c 1 recommended", "x/a x/d 2 recommended,required",
                    "x/b x/c 1 required", "x/b x/d 2 required,required", "x/c x/d 1 required"), closure(db, schema));

            TestSupport.Run first = TestSupport.run("sync-db", env, "-s", src.toString(), "--db", db.url());
            assertEquals(0, first.code(), first.all());
            skill(src, "x/d", "    x/e: conflict\n");
            skill(src, "x/e", "");
            TestSupport.Run sync = TestSupport.run("sync-db", env, "-s", src.toString(), "--db", db.url());
            assertEquals(0, sync.code(), sync.all());
            assertEquals(List.of("x/a x/b 1 required", "x/a x/c 1 recommended", "x/a x/d 2 recommended,required",
                    "x/a x/e 3 recommended,required,conflict", "x/b x/c 1 required", "x/b x/d 2 required,required",
                    "x/b x/e 3 required,required,conflict", "x/c x/d 1 required", "x/c x/e 2 required,conflict",
                    "x/d x/e 1 conflict"), closure(db, schema));
        }
    }

    /**
     * Edits made through the API (a body, a column) and a row the service wrote, brought into the folder by sync-db
     * or import-from-db, count as what this tool last wrote: a fresh clone (no sync state) that edits them exports
     * them as fast-forwards, not as conflicts.
     */
    @ParameterizedTest
    @FieldSource("SCHEMAS")
    void aFreshCloneExportsEditsOfAbsorbedApiChangesAsFastForwards(String schema, @TempDir Path tmp)
            throws Exception {
        try (TestDatabases.TestDb db = open(schema, tmp)) {
            Path a = tmp.resolve("a/skills");
            skill(a, "x/body", "");
            skill(a, "x/column", "");
            Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
            assertEquals(0, TestSupport.run("export-to-db", env, "-s", a.toString(), "--db", db.url()).code());
            TestSupport.execute(db, "update skills set skill_content = skill_content || 'API.' where skill_path = 'x/body'");
            TestSupport.execute(db, "update skills set description = 'set through the API' where skill_path = 'x/column'");
            TestSupport.execute(db, "insert into skills (skill_path, name, description, type, status, skill_content)"
                    + " values ('x/service', 'service', 'Written by the service.', 'technical', 'active', 'Body.')");
            TestSupport.Run sync = TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url());
            assertEquals(0, sync.code(), sync.all());
            assertTrue(sync.out().contains("update-local x/body") && sync.out().contains("create-local x/service"),
                    sync.out());

            Path b = tmp.resolve("b/skills");
            TestSupport.copyTree(a, b);
            for (String p : List.of("x/body", "x/column", "x/service")) {
                Path md = b.resolve(p + "/SKILL.md");
                TestSupport.write(md, TestSupport.read(md) + "\nEdited in a fresh clone.\n");
            }
            TestSupport.Run export = TestSupport.run("export-to-db", env, "-s", b.toString(), "--db", db.url());
            assertEquals(0, export.code(), export.all());
            assertTrue(export.out().contains("3 updated"), export.out());

            // The same through import-from-db.
            TestSupport.execute(db, "update skills set skill_content = skill_content || 'Again.' where skill_path = 'x/body'");
            TestSupport.Run imp = TestSupport.run("import-from-db", env, "-s", b.toString(), "--db", db.url());
            assertEquals(0, imp.code(), imp.all());
            Path c = tmp.resolve("c/skills");
            TestSupport.copyTree(b, c);
            Path md = c.resolve("x/body/SKILL.md");
            TestSupport.write(md, TestSupport.read(md) + "\nEdited in another clone.\n");
            TestSupport.Run again = TestSupport.run("export-to-db", env, "-s", c.toString(), "--db", db.url());
            assertEquals(0, again.code(), again.all());
            assertTrue(again.out().contains("1 updated"), again.out());
        }
    }

    /** The service's tables the tool does not own, and the skills column it never writes. */
    static final List<String> NOT_OURS = List.of("usage_events", "skill_facets", "facet_definitions", "jobs",
            "validation_reports", "validation_checks", "skill_aliases");

    static List<String> notOurs(TestDatabases.TestDb db) throws Exception {
        List<String> facts = new ArrayList<>();
        for (String table : NOT_OURS) {
            facts.addAll(TestSupport.column(db, "select '" + table + " ' || count(*) || ' '"
                    + " || coalesce(md5(string_agg(cast(t as text), '|' order by cast(t as text))), '') from " + table
                    + " t"));
        }
        facts.addAll(TestSupport.column(db, "select 'parent_version_id ' || string_agg(skill_path || '='"
                + " || coalesce(cast(parent_version_id as text), ''), ',' order by skill_path) from skills"));
        return facts;
    }

    @Test
    void theServicesOtherTablesAreUnchangedAfterEveryCommand(@TempDir Path tmp) throws Exception {
        try (TestDatabases.TestDb db = open("service", tmp)) {
            Path src = tmp.resolve("a/skills");
            TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), src);
            Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
            assertEquals(0, TestSupport.run("export-to-db", env, "-s", src.toString(), "--db", db.url()).code());
            TestSupport.execute(db, """
                    insert into usage_events (skill_id, user_id) select skill_id, 'u' from skills;
                    insert into skill_facets (skill_id, facet_key, facet_value) select skill_id, 'lang', 'java' from skills;
                    insert into facet_definitions (facet_key, allowed_values) values ('lang', array['java']);
                    insert into jobs (task_description) values ('make a skill');
                    insert into validation_reports (skill_id, status, passed, score)
                      select skill_id, 'passed', true, 0.5 from skills;
                    insert into validation_checks (report_id, check_name) select report_id, 'c' from validation_reports;
                    insert into skill_aliases (skill_id, alias_path) select skill_id, 'old/' || name from skills;
                    update skills set parent_version_id = (select min(skill_id) from skills)
                     where skill_id = (select max(skill_id) from skills);
                    """);
            List<String> before = notOurs(db);
            Path md = src.resolve("development/languages/java/SKILL.md");
            Path other = tmp.resolve("b/skills");
            List<List<String>> commands = List.of(
                    List.of("export-to-db", "-s", src.toString()),
                    List.of("export-to-db", "--dry-run", "-s", src.toString()),
                    List.of("import-from-db", "--status", "all", "-s", other.toString()),
                    List.of("sync-db", "-s", src.toString()),
                    List.of("sync-db", "--check", "-s", src.toString()),
                    List.of("sync-db", "-s", src.toString()),
                    List.of("list"),
                    List.of("list", "--both", "-s", src.toString()));
            int i = 0;
            for (List<String> command : commands) {
                // Something to write each time: a local edit, then an edit through the API.
                TestSupport.write(md, TestSupport.read(md) + "Edit " + i + ".\n");
                TestSupport.execute(db, "update skills set skill_content = skill_content || 'API " + i++ + ".'"
                        + " where skill_path = 'writing/technical-writing'");
                List<String> args = new ArrayList<>(command.subList(1, command.size()));
                args.addAll(List.of("--db", db.url()));
                TestSupport.Run r = TestSupport.run(command.get(0), env, args.toArray(String[]::new));
                assertTrue(r.code() != Cli.ERROR && r.code() != Cli.USAGE, String.join(" ", command) + ": " + r.all());
                assertEquals(before, notOurs(db), String.join(" ", command) + " left the service's other tables alone");
            }
        }
    }
}
