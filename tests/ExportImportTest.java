import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The one-way commands' behaviour on real folders and real databases (PostgreSQL and SQLite alike). */
class ExportImportTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String PYTHON = "development/languages/python";
    static final String TDD = "development/testing/test-driven-development";

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
        String[] all = new String[args.length + 4];
        all[0] = "-s";
        all[1] = dir.toString();
        all[2] = "--db";
        all[3] = db.url();
        System.arraycopy(args, 0, all, 4, args.length);
        return TestSupport.run(command, env, all);
    }

    String one(String sql) throws Exception {
        List<String> values = TestSupport.column(db, sql);
        assertEquals(1, values.size(), sql + " -> " + values);
        return values.get(0);
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void newSkillsGetServiceDefaultsAndColumnsTheFrontmatterLacksKeepTheirValue(String kind) throws Exception {
        setUp(kind);
        Path a = samples("a");
        assertEquals(0, run("export-to-db", a).code());
        // The Java sample carries neither status nor type at any level.
        String java = "development/languages/java";
        assertEquals("active", one("select status from skills where skill_path = '" + java + "'"));
        assertEquals("technical", one("select type from skills where skill_path = '" + java + "'"));
        assertEquals("1.0.0", one("select version from skills where skill_path = '" + java + "'"));
        assertEquals("cognitive", one("select type from skills where skill_path = '" + TDD + "'"));

        TestSupport.execute(db, "update skills set status = 'draft', scope = 'set by the API' where skill_path = '"
                + java + "'");
        Path md = a.resolve(java).resolve("SKILL.md");
        TestSupport.write(md, TestSupport.read(md) + "\nOne more line.\n");
        TestSupport.Run update = run("export-to-db", a);
        assertEquals(0, update.code(), update.all());
        assertTrue(update.out().contains("1 updated"), update.out());
        assertEquals("draft", one("select status from skills where skill_path = '" + java + "'"));
        assertEquals("set by the API", one("select scope from skills where skill_path = '" + java + "'"));
        assertTrue(one("select skill_content from skills where skill_path = '" + java + "'").endsWith("One more line.\n"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void mapsFilesListsRelationsAndTaxonomy(String kind) throws Exception {
        setUp(kind);
        assertEquals(0, run("export-to-db", samples("a")).code());
        String id = "(select skill_id from skills where skill_path = '" + PYTHON + "')";
        assertEquals(List.of("pytest", "packaging", "python", "typing").stream().sorted().toList(),
                TestSupport.column(db, "select keyword from skill_keywords where skill_id = " + id + " order by keyword"));
        assertEquals(List.of("backend", "language"),
                TestSupport.column(db, "select tag from skill_tags where skill_id = " + id + " order by tag"));
        assertEquals(List.of("Bash(python:*)", "Bash(uv run:*)", "Glob", "Grep", "Read"), TestSupport.column(db,
                "select tool_name from skill_allowed_tools where skill_id = " + id + " order by tool_name"));
        assertEquals(List.of("project-setup", "pytest-suites", "typed-python"),
                TestSupport.column(db, "select name from capabilities where skill_id = " + id + " order by name"));
        assertEquals(List.of("references/style.md|reference|t", "scripts/check.sh|script|t"), TestSupport.column(db,
                "select relative_path || '|' || file_type || '|' || case when content is null then 'b' else 't' end"
                        + " from skill_files where skill_id = " + id + " order by relative_path"));
        assertEquals("b", one("select case when content is null and binary_data is not null then 'b' else 't' end"
                + " from skill_files where relative_path = 'assets/plan-reading.png'"));
        assertEquals(List.of("development|false", "development/languages|true"), TestSupport.column(db,
                "select c.path || '|' || case when sc.is_primary then 'true' else 'false' end from skill_categories sc"
                        + " join taxonomy_categories c on c.category_id = sc.category_id where sc.skill_id = " + id
                        + " order by c.path"));
        assertEquals(List.of("development/languages/java>" + TDD + ":recommended",
                "operations/databases/postgres-tuning>" + PYTHON + ":required"), TestSupport.column(db,
                "select a.skill_path || '>' || b.skill_path || ':' || d.dependency_type from skill_dependencies d"
                        + " join skills a on a.skill_id = d.dependent_id join skills b on b.skill_id = d.dependency_skill_id"
                        + " order by 1"));
        assertEquals(List.of(PYTHON + ">" + TDD), TestSupport.column(db, "select a.skill_path || '>' || b.skill_path"
                + " from skill_references r join skills a on a.skill_id = r.source_skill_id"
                + " join skills b on b.skill_id = r.target_skill_id"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anInvalidSkillIsSkippedWithItsRuleWhileTheOthersGoThrough(String kind) throws Exception {
        setUp(kind);
        Path a = samples("a");
        TestSupport.write(a.resolve("misc/broken/SKILL.md"), "---\nname: Not_Kebab\ndescription: x\n---\nbody\n");
        TestSupport.Run r = run("export-to-db", a);
        assertEquals(3, r.code(), r.all());
        assertTrue(r.err().contains("skipped misc/broken: SKILL.md: name 'Not_Kebab' must be kebab-case"), r.err());
        assertEquals("5", one("select count(*) from skills"));
        assertEquals("0", one("select count(*) from skills where skill_path = 'misc/broken'"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void rowsWrittenByOtherToolsImportWithFrontmatterRebuiltFromColumns(String kind) throws Exception {
        setUp(kind);
        Path a = samples("a");
        assertEquals(0, run("export-to-db", a).code());
        TestSupport.execute(db, "insert into skills (skill_path, name, description, type, status, version,"
                + " skill_content) values ('api/made-by-api', 'made-by-api', 'Created through the API.', 'tool',"
                + " 'draft', '0.1.0', '# Made by the API\n')");
        TestSupport.execute(db, "insert into skill_keywords (skill_id, keyword) select skill_id, 'api' from skills"
                + " where skill_path = 'api/made-by-api'");
        Path b = tmp.resolve("b/skills");
        TestSupport.Run imp = run("import-from-db", b, "--status", "draft");
        assertEquals(0, imp.code(), imp.all());
        assertEquals("""
                ---
                name: made-by-api
                description: Created through the API.
                metadata:
                  version: 0.1.0
                  type: tool
                  weight: medium
                  load_priority: task_specific
                  status: draft
                  keywords:
                  - api
                ---
                # Made by the API
                """, TestSupport.read(b.resolve("api/made-by-api/SKILL.md")));
        assertFalse(Files.exists(b.resolve(PYTHON)), "only drafts were asked for");
        TestSupport.Run back = run("export-to-db", b);
        assertEquals(0, back.code(), back.all());
        assertTrue(back.out().contains("0 created, 0 updated, 1 unchanged"), "rebuilt file hashes as the row: " + back.out());
        Path md = b.resolve("api/made-by-api/SKILL.md");
        TestSupport.write(md, TestSupport.read(md).replace("0.1.0", "0.2.0"));
        TestSupport.Run edited = run("export-to-db", b);
        assertEquals(0, edited.code(), edited.all());
        assertTrue(edited.out().contains("0 created, 1 updated"), edited.out());
        assertEquals("0.2.0", one("select version from skills where skill_path = 'api/made-by-api'"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void importFiltersByStatusAndSkillPath(String kind) throws Exception {
        setUp(kind);
        assertEquals(0, run("export-to-db", samples("a")).code());
        TestSupport.execute(db, "update skills set status = 'deprecated' where skill_path = '" + TDD + "'");
        Path active = tmp.resolve("active/skills");
        assertEquals(0, run("import-from-db", active).code());
        assertFalse(Files.exists(active.resolve(TDD)));
        assertTrue(Files.exists(active.resolve(PYTHON).resolve("SKILL.md")));
        Path dev = tmp.resolve("dev/skills");
        assertEquals(0, run("import-from-db", dev, "--status", "all", "--skill-path", "development/languages/").code());
        assertEquals(List.of("development/languages/java", PYTHON), SkillFolder.list(dev, w -> { }));
        assertEquals(2, run("import-from-db", dev, "--status", "live").code());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void importFastForwardsUntouchedCopiesAndKeepsLocalEditsUnlessForced(String kind) throws Exception {
        setUp(kind);
        Path a = samples("a");
        Path b = tmp.resolve("b/skills");
        assertEquals(0, run("export-to-db", a).code());
        assertEquals(0, run("import-from-db", b, "--status", "all").code());

        Path aMd = a.resolve(TDD).resolve("SKILL.md");
        TestSupport.write(aMd, TestSupport.read(aMd) + "Edited in folder a.\n");
        assertEquals(0, run("export-to-db", a).code());
        TestSupport.Run ff = run("import-from-db", b, "--status", "all");
        assertEquals(0, ff.code(), ff.all());
        assertTrue(ff.out().contains("1 updated"), ff.out());
        assertEquals(TestSupport.read(aMd), TestSupport.read(b.resolve(TDD).resolve("SKILL.md")));

        // A third folder holds a different copy and has never synced: import leaves it alone.
        Path c = samples("c");
        Path cMd = c.resolve(TDD).resolve("SKILL.md");
        TestSupport.write(cMd, "---\nname: test-driven-development\n---\nMy own notes.\n");
        TestSupport.Run conflict = run("import-from-db", c, "--status", "all");
        assertEquals(3, conflict.code(), conflict.all());
        assertTrue(conflict.err().contains("conflict " + TDD), conflict.err());
        assertEquals("---\nname: test-driven-development\n---\nMy own notes.\n", TestSupport.read(cMd));
        TestSupport.Run forced = run("import-from-db", c, "--status", "all", "-f");
        assertEquals(0, forced.code(), forced.all());
        assertEquals(TestSupport.read(aMd), TestSupport.read(cMd));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void exportReportsAConflictWhereAnotherWriterChangedTheRow(String kind) throws Exception {
        setUp(kind);
        Path a = samples("a");
        assertEquals(0, run("export-to-db", a).code());
        TestSupport.execute(db, "update skills set skill_content = 'Edited through the API.' where skill_path = '"
                + TDD + "'");
        Path md = a.resolve(TDD).resolve("SKILL.md");
        TestSupport.write(md, TestSupport.read(md) + "Edited locally.\n");
        // A fresh clone has no sync state: the tool's own earlier writes may be overwritten, the API edit may not.
        Path fresh = samples("fresh");
        TestSupport.write(fresh.resolve(TDD).resolve("SKILL.md"), TestSupport.read(md));
        TestSupport.write(fresh.resolve(PYTHON).resolve("references/style.md"), "# Changed style\n");
        TestSupport.Run r = run("export-to-db", fresh);
        assertEquals(3, r.code(), r.all());
        assertTrue(r.err().contains("conflict " + TDD), r.err());
        assertTrue(r.out().contains("1 updated"), "the python skill fast-forwards: " + r.out());
        assertEquals("Edited through the API.", one("select skill_content from skills where skill_path = '" + TDD + "'"));
        TestSupport.Run forced = run("export-to-db", fresh, "-f");
        assertEquals(0, forced.code(), forced.all());
        assertTrue(one("select skill_content from skills where skill_path = '" + TDD + "'").endsWith("Edited locally.\n"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void dryRunChangesNothingAnywhere(String kind) throws Exception {
        setUp(kind);
        Path a = samples("a");
        TestSupport.Run plan = run("export-to-db", a, "--dry-run");
        assertEquals(0, plan.code(), plan.all());
        assertTrue(plan.out().contains(PYTHON) && plan.out().contains("create-in-db"), plan.out());
        if (kind.equals("sqlite")) {
            assertFalse(Files.exists(Path.of(db.name())), "no database file created");
        } else {
            assertEquals("0", one("select count(*) from information_schema.tables where table_name = 'skills'"
                    + " and table_schema = current_schema()"));
        }
        assertEquals(0, run("export-to-db", a).code());
        Path b = tmp.resolve("b/skills");
        TestSupport.Run imp = run("import-from-db", b, "-n");
        assertEquals(0, imp.code(), imp.all());
        assertTrue(imp.out().contains("create-local"), imp.out());
        assertFalse(Files.exists(b), "no folder written");
        assertFalse(Files.exists(tmp.resolve("b/.skill-fleet")), "no state written");
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void jsonReportsPlanAndCounts(String kind) throws Exception {
        setUp(kind);
        TestSupport.Run r = run("export-to-db", samples("a"), "--json");
        assertEquals(0, r.code(), r.all());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("export-to-db", json.get("command").asText());
        assertEquals(5, json.get("steps").size());
        assertEquals(5, json.get("counts").get("create-in-db").asInt());
        assertEquals("create-in-db", json.get("steps").get(0).get("action").asText());
        assertEquals(0, json.get("exitCode").asInt());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void syncDbCarriesChangesBothWaysAndASecondRunIsANoOp(String kind) throws Exception {
        setUp(kind);
        Path a = samples("a");
        Path b = tmp.resolve("b/skills");
        assertEquals(0, run("sync-db", a).code());
        assertEquals(0, run("sync-db", b).code());
        TestSupport.assertSameTree(a, b);

        Path aMd = a.resolve(TDD).resolve("SKILL.md");
        TestSupport.write(aMd, TestSupport.read(aMd) + "From a.\n");
        TestSupport.write(b.resolve("new/from-b/SKILL.md"), "---\nname: from-b\ndescription: New in b.\n---\nHi\n");
        assertEquals(4, run("sync-db", a, "--check").code());
        assertEquals(0, run("sync-db", a).code());
        assertEquals(0, run("sync-db", b).code());
        assertEquals(0, run("sync-db", a).code());
        TestSupport.assertSameTree(a, b);
        TestSupport.Run noop = run("sync-db", a);
        assertTrue(noop.out().contains("0 created, 0 updated, 6 unchanged"), noop.out());
        assertEquals(0, run("sync-db", b, "--check").code());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void hostilePathsFromTheDatabaseAreRefusedAndNothingIsWrittenOutsideTheFolder(String kind) throws Exception {
        setUp(kind);
        assertEquals(0, run("export-to-db", samples("a")).code());
        String python = "(select skill_id from skills where skill_path = '" + PYTHON + "')";
        String tdd = "(select skill_id from skills where skill_path = '" + TDD + "')";
        TestSupport.execute(db, "insert into skill_files (skill_id, file_type, relative_path, filename, content)"
                + " values (" + python + ", 'reference', '../../escape.txt', 'escape.txt', 'owned')");
        TestSupport.execute(db, "insert into skill_files (skill_id, file_type, relative_path, filename, content)"
                + " values (" + tdd + ", 'reference', 'Skill.MD', 'Skill.MD', 'collides')");
        Path b = tmp.resolve("b/skills");
        TestSupport.Run r = run("import-from-db", b, "--status", "all");
        assertEquals(3, r.code(), r.all());
        assertTrue(r.err().contains("skipped " + PYTHON + ": file path '../../escape.txt' is not a safe relative path"),
                r.err());
        assertTrue(r.err().contains("skipped " + TDD + ": file path 'Skill.MD' collides"), r.err());
        assertFalse(Files.exists(b.resolve(PYTHON)));
        assertFalse(Files.exists(b.resolve("development/escape.txt")));
        assertTrue(Files.exists(b.resolve("development/languages/java/SKILL.md")), "the others go through");
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void symbolicLinksInsideASkillAreReportedAndNeverFollowed(String kind) throws Exception {
        setUp(kind);
        Path a = samples("a");
        Path secret = tmp.resolve("secret-key.txt");
        TestSupport.write(secret, "PRIVATE KEY");
        Files.createSymbolicLink(a.resolve(PYTHON).resolve("references/key.txt"), secret);
        TestSupport.Run r = run("export-to-db", a);
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("warning: " + PYTHON + "/references/key.txt: symbolic link left out"), r.err());
        assertEquals("0", one("select count(*) from skill_files where relative_path = 'references/key.txt'"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void userErrorsAreOneLineWithTheirExitCode(String kind) throws Exception {
        setUp(kind);
        TestSupport.Run missing = run("export-to-db", tmp.resolve("nowhere"));
        assertEquals(1, missing.code(), missing.all());
        assertTrue(missing.err().startsWith("error: skills folder ") && missing.err().contains("nowhere"), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        TestSupport.Run usage = run("export-to-db", tmp, "--no-such-option");
        assertEquals(2, usage.code(), usage.all());
    }
}
