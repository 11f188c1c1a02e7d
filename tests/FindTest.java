import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * skill-fleet find through the real command, PostgreSQL (the service's search_vector) and SQLite (the tool's FTS5
 * index) alike: the best match first, --status, --limit, --json, words no query syntax can trip on, and rows written
 * by plain SQL found as well as the tool's own.
 */
class FindTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String VACUUM = "operations/databases/vacuum";
    static final String BACKUP = "operations/databases/sqlite-backup";
    static final String CHANGELOG = "writing/changelog";
    /** Skills whose entry in the SQLite index is missing or stale, plus entries of skills that are gone. */
    static final String OUT_OF_STEP = """
            select (select count(*) from skills s left join skill_fleet_search f on f.rowid = s.skill_id
                     where f.rowid is null or f.name is not s.name or f.description is not s.description
                        or f.skill_content is not s.skill_content)
                 + (select count(*) from skill_fleet_search where rowid not in (select skill_id from skills))
            """;

    /** After a find, the SQLite index holds exactly the skills' text, and FTS5 finds itself consistent. */
    void assertIndexInStep() throws Exception {
        assertEquals(0, find("anything").code());
        assertEquals("0", scene.one("select count(*) from skill_fleet_search_pending"));
        assertEquals("0", scene.one(OUT_OF_STEP));
        TestSupport.execute(scene.db, "insert into skill_fleet_search (skill_fleet_search) values ('integrity-check')");
    }

    @TempDir Path tmp;
    Scene scene;

    @AfterEach
    void tearDown() throws Exception {
        Scene.close(scene);
    }

    /** The sample skills plus three of this test's own, exported: two about VACUUM (one only in passing), one draft. */
    void setUp(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        skill(scene.a, VACUUM, "vacuum", "Reclaim space in PostgreSQL tables with VACUUM and tune autovacuum.", null,
                "# Vacuum\n\nRun VACUUM (VERBOSE) on bloated tables; autovacuum keeps up when its cost limit is raised."
                + "\nA table that vacuum cannot clean holds dead rows behind a long transaction.\n");
        skill(scene.a, BACKUP, "sqlite-backup", "Back up an SQLite database file safely while it is in use.", null,
                "# SQLite backup\n\nUse the online backup API, or VACUUM INTO a new file for a compact copy.\n");
        skill(scene.a, CHANGELOG, "changelog", "Write a changelog entry for every release.", "draft",
                "# Changelog\n\nGroup entries under Added, Changed and Fixed; link each to its pull request.\n");
        TestSupport.Run export = scene.run("export-to-db", scene.a);
        assertEquals(0, export.code(), export.all());
    }

    static void skill(Path dir, String path, String name, String description, String status, String body)
            throws Exception {
        TestSupport.write(dir.resolve(path).resolve("SKILL.md"), "---\nname: " + name + "\ndescription: "
                + description + "\nmetadata:\n  type: technical\n"
                + (status == null ? "" : "  status: " + status + "\n")
                + "---\n\n" + body);
    }

    /** find against the scene's database (find has no folder: no -s). */
    TestSupport.Run find(String... args) {
        List<String> all = new ArrayList<>(List.of("--db", scene.db.url()));
        all.addAll(List.of(args));
        return TestSupport.run("find", scene.env, all.toArray(String[]::new));
    }

    /** The paths find prints, in its order (the table's first column, header dropped). */
    static List<String> paths(TestSupport.Run run) {
        List<String> paths = new ArrayList<>();
        List<String> lines = run.out().lines().toList();
        if (!lines.isEmpty()) {
            assertTrue(lines.get(0).startsWith("SKILL "), run.out());
        }
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            paths.add(line.split("\\s+")[0]);
        }
        return paths;
    }

    static JsonNode json(TestSupport.Run run) throws Exception {
        assertEquals(0, run.code(), run.all());
        JsonNode hits = new ObjectMapper().readTree(run.out());
        assertTrue(hits.isArray(), run.out());
        return hits;
    }

    static List<String> jsonPaths(TestSupport.Run run) throws Exception {
        List<String> paths = new ArrayList<>();
        json(run).forEach(h -> paths.add(h.get("path").asText()));
        return paths;
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void theSkillAboutTheWordsComesFirst(String kind) throws Exception {
        setUp(kind);
        TestSupport.Run vacuum = find("vacuum");
        assertEquals(0, vacuum.code(), vacuum.all());
        // In the name, the description and the body beats one mention in the body.
        assertEquals(List.of(VACUUM, BACKUP), paths(vacuum), vacuum.out());
        assertTrue(vacuum.err().contains("2 skills"), vacuum.err());

        assertEquals(Scene.PYTHON, paths(find("typed", "python", "code")).get(0));
        // Stemmed on both: "tuning" finds "tune", "backups" finds "backup".
        assertEquals(List.of(VACUUM), paths(find("tuning", "autovacuum")));
        assertEquals(List.of(BACKUP), paths(find("backups")));
        assertEquals(List.of(Scene.JAVA), paths(find("jdbc")));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void theWordsReadAsAWebSearch(String kind) throws Exception {
        setUp(kind);
        // Every word must match; -word excludes; "quoted words" are a phrase; or between alternatives.
        assertEquals(List.of(BACKUP), paths(find("vacuum -postgresql")));
        assertEquals(List.of(BACKUP), paths(find("--", "vacuum", "-postgresql")));
        // Unquoted, -word would be an option: a usage error, never a silent different search (find has no -s that
        // would take -sqlite for "-s qlite").
        for (String word : List.of("-postgresql", "-sqlite", "-dry")) {
            TestSupport.Run option = find("vacuum", word);
            assertEquals(Cli.USAGE, option.code(), word + ": " + option.all());
            assertEquals("", option.out(), word);
        }
        assertEquals(List.of(BACKUP), paths(find("\"compact copy\"")));
        assertEquals(List.of(), paths(find("\"copy compact\"")));
        assertEquals(List.of(Scene.JAVA, Scene.PYTHON), jsonPaths(find("jdbc or pytest", "--json")).stream().sorted()
                .toList());
        assertEquals(List.of(), paths(find("vacuum", "jdbc")));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void statusChoosesWhichSkillsAreSearched(String kind) throws Exception {
        setUp(kind);
        TestSupport.Run active = find("changelog");
        assertEquals(0, active.code(), active.all());
        assertEquals("", active.out(), "a draft is not found among the active skills (the default)");
        assertTrue(active.err().contains("no skills match among the active skills"), active.err());

        assertEquals(List.of(CHANGELOG), paths(find("changelog", "--status", "draft")));
        assertEquals(List.of(CHANGELOG), paths(find("changelog", "--status", "all")));
        assertEquals(List.of(), paths(find("vacuum", "--status", "draft")));
        assertEquals(List.of(VACUUM, BACKUP), paths(find("vacuum", "--status", "all")));
        assertEquals(List.of(BACKUP), paths(find("vacuum", "--skill-path", BACKUP)));
        assertEquals(List.of(VACUUM, BACKUP), paths(find("vacuum", "--skill-path", "./operations/")));
        assertEquals(List.of(), paths(find("vacuum", "--skill-path", "writing")));

        TestSupport.Run bad = find("vacuum", "--status", "retired");
        assertEquals(Cli.USAGE, bad.code(), bad.all());
        assertTrue(bad.err().contains("--status must be one of"), bad.err());

        TestSupport.Run quiet = find("changelog", "-q");
        assertEquals(0, quiet.code());
        assertEquals("", quiet.out() + quiet.err());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void limitKeepsTheBest(String kind) throws Exception {
        setUp(kind);
        // "write" is in four of the five active skills' descriptions or bodies.
        List<String> all = paths(find("write"));
        assertTrue(all.size() >= 4, all.toString());
        TestSupport.Run two = find("write", "--limit", "2");
        assertEquals(all.subList(0, 2), paths(two));
        assertTrue(two.err().contains("2 skills (the best 2; --limit shows more)"), two.err());
        assertEquals(List.of(VACUUM), paths(find("vacuum", "--limit", "1")));

        TestSupport.Run zero = find("write", "--limit", "0");
        assertEquals(Cli.USAGE, zero.code(), zero.all());
        assertTrue(zero.err().contains("--limit must be 1 or more"), zero.err());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void jsonGivesPathNameStatusScoreAndSnippet(String kind) throws Exception {
        setUp(kind);
        JsonNode hits = json(find("vacuum", "--json"));
        assertEquals(2, hits.size(), hits.toString());
        JsonNode first = hits.get(0);
        assertEquals(List.of("name", "path", "score", "snippet", "status"), sortedFields(first));
        assertEquals(VACUUM, first.get("path").asText());
        assertEquals("vacuum", first.get("name").asText());
        assertEquals("active", first.get("status").asText());
        assertTrue(first.get("score").isNumber() && first.get("score").asDouble() > 0, first.toString());
        assertTrue(first.get("score").asDouble() > hits.get(1).get("score").asDouble(), hits.toString());
        // The snippet is one line with the matched words in brackets.
        String snippet = first.get("snippet").asText();
        assertTrue(snippet.matches("(?s).*\\[(?i:vacuum|autovacuum)\\].*") && !snippet.contains("\n"), snippet);
        assertTrue(hits.get(1).get("snippet").asText().contains("[VACUUM] INTO"), hits.toString());

        TestSupport.Run none = find("zeppelin", "--json");
        assertEquals(0, json(none).size());
        assertTrue(none.err().contains("no skills match"), none.err());
    }

    static List<String> sortedFields(JsonNode node) {
        List<String> fields = new ArrayList<>();
        node.fieldNames().forEachRemaining(fields::add);
        return fields.stream().sorted().toList();
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void noWordsAreASyntaxError(String kind) throws Exception {
        setUp(kind);
        for (String words : List.of("\"", "\"vacuum", "vacuum\"", "vacuum*", "*", "NEAR(vacuum autovacuum)",
                "vacuum AND OR NOT", "- vacuum", "--", "-vacuum", "name:vacuum", "^vacuum", "vacuum + autovacuum",
                "(vacuum", "vacuum)", "'", "\\", "!vacuum & | <->", "{name}: vacuum", "or", "or vacuum or", "\"\"",
                "vacuum:*", "'; drop table skills; --")) {
            TestSupport.Run run = find("--json", "--", words);
            assertEquals(0, run.code(), words + ": " + run.all());
            assertFalse(run.err().contains("error"), words + ": " + run.err());
            new ObjectMapper().readTree(run.out());
        }
        // What the punctuation leaves is still searched for.
        assertEquals(List.of(VACUUM, BACKUP), jsonPaths(find("--json", "--", "\"vacuum")));
        assertEquals(List.of(VACUUM, BACKUP), jsonPaths(find("--json", "--", "vacuum*")));
        assertEquals(List.of(VACUUM, BACKUP), jsonPaths(find("--json", "--", "or vacuum or")));
        assertEquals("8", scene.one("select count(*) from skills"), "the samples and this test's three");

        TestSupport.Run blank = find(" ");
        assertEquals(Cli.USAGE, blank.code(), blank.all());
        assertTrue(blank.err().contains("give the words to look for"), blank.err());
    }

    @Test
    void anSqliteExportNotesTheSkillsAndTheNextFindIndexesThem() throws Exception {
        setUp("sqlite");
        // The export only noted its skills; indexing them is left to find.
        assertEquals("8", scene.one("select count(*) from skill_fleet_search_pending"));
        assertEquals("0", scene.one("select count(*) from skill_fleet_search"));
        assertEquals(List.of(VACUUM, BACKUP), paths(find("vacuum")));
        assertEquals("8", scene.one("select count(*) from skill_fleet_search"));
        assertIndexInStep();
        Scene.append(scene.a, VACUUM, "\nFreeze old transaction ids before wraparound.\n");
        assertEquals(0, scene.run("export-to-db", scene.a).code());
        assertEquals(List.of(VACUUM), TestSupport.column(scene.db, "select s.skill_path from skills s join"
                + " skill_fleet_search_pending p on p.skill_id = s.skill_id"));
        assertEquals(List.of(VACUUM), paths(find("wraparound")));
        assertIndexInStep();
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void rowsWrittenThroughSqlAreFound(String kind) throws Exception {
        setUp(kind);
        TestSupport.execute(scene.db, "insert into skills (skill_path, name, description, type, status, skill_content)"
                + " values ('zoo/zebra-care', 'zebra-care', 'Feed and groom zebras.', 'domain', 'active',"
                + " 'Zebras need hay twice a day.')");
        TestSupport.execute(scene.db, "insert into skills (skill_path, name, description, type, status, skill_content)"
                + " values ('zoo/hay', 'hay', 'Store it dry.', 'domain', 'active', 'Keep it off the ground.')");
        TestSupport.execute(scene.db, "insert into skills (skill_path, name, description, type, status, skill_content)"
                + " values ('zoo/grazers', 'grazers', 'Give grazers hay and water.', 'domain', 'active', 'Daily.')");
        assertEquals(List.of("zoo/zebra-care"), paths(find("zebra", "hay")));
        // The name counts more than the description, the description more than the body.
        assertEquals(List.of("zoo/hay", "zoo/grazers", "zoo/zebra-care"), paths(find("hay")));

        TestSupport.execute(scene.db, "update skills set skill_content = 'Giraffes need acacia leaves.'"
                + " where skill_path = 'zoo/zebra-care'");
        assertEquals(List.of("zoo/hay", "zoo/grazers"), paths(find("hay")), "the old body is no longer found");
        assertEquals(List.of("zoo/zebra-care"), paths(find("acacia")));
        TestSupport.execute(scene.db, "update skills set status = 'deprecated' where skill_path = 'zoo/zebra-care'");
        assertEquals(List.of(), paths(find("acacia")));
        assertEquals(List.of("zoo/zebra-care"), paths(find("acacia", "--status", "deprecated")));

        TestSupport.execute(scene.db, "delete from skills where skill_path = 'zoo/zebra-care'");
        assertEquals(List.of(), paths(find("acacia", "--status", "all")));

        // The tool's own writes still go through and are found: an edit exported; a sync imports the rows SQL wrote,
        // and the next one changes nothing.
        Scene.append(scene.a, VACUUM, "\nFreeze old transaction ids with VACUUM FREEZE before wraparound.\n");
        TestSupport.Run export = scene.run("export-to-db", scene.a);
        assertEquals(0, export.code(), export.all());
        assertEquals(List.of(VACUUM), paths(find("wraparound")));
        TestSupport.Run sync = scene.run("sync-db", scene.a);
        assertEquals(0, sync.code(), sync.all());
        assertTrue(sync.out().contains("create-local zoo/hay"), sync.out());
        TestSupport.Run again = scene.run("sync-db", scene.a);
        assertTrue(again.out().contains("0 created, 0 updated"), again.out());
        assertEquals(List.of("zoo/hay", "zoo/grazers"), paths(find("hay")));
        if (kind.equals("sqlite")) {
            assertIndexInStep();
        }
    }

    static final String SEARCH_OBJECTS = "select count(*) from sqlite_master where name in ('skill_fleet_search',"
            + " 'skill_fleet_search_pending', 'skill_fleet_search_added', 'skill_fleet_search_changed',"
            + " 'skill_fleet_search_removed')";

    /** Takes the search index and its triggers away, as in a database an earlier version made. */
    void dropSearchIndex() throws Exception {
        for (String drop : List.of("drop trigger skill_fleet_search_added", "drop trigger skill_fleet_search_changed",
                "drop trigger skill_fleet_search_removed", "drop table skill_fleet_search",
                "drop table skill_fleet_search_pending")) {
            TestSupport.execute(scene.db, drop);
        }
        assertEquals("0", scene.one(SEARCH_OBJECTS));
    }

    @Test
    void anSqliteDatabaseMadeBeforeTheIndexGetsItOnTheFirstFindOrWrite() throws Exception {
        setUp("sqlite");
        dropSearchIndex();
        TestSupport.execute(scene.db, "update skills set skill_content = skill_content || ' Mind the wraparound.'"
                + " where skill_path = '" + VACUUM + "'");
        assertEquals(List.of(VACUUM), paths(find("wraparound")));
        assertEquals(List.of(VACUUM, BACKUP), paths(find("vacuum")));
        assertEquals("5", scene.one(SEARCH_OBJECTS));

        // A run that writes creates it too, and indexes what is there.
        dropSearchIndex();
        TestSupport.execute(scene.db, "update skills set description = 'Copy an SQLite file while in use.'"
                + " where skill_path = '" + BACKUP + "'");
        TestSupport.Run sync = scene.run("sync-db", scene.a);
        assertEquals(0, sync.code(), sync.all());
        assertEquals("5", scene.one(SEARCH_OBJECTS));
        assertEquals(List.of(BACKUP), paths(find("copy", "file")));
        // Creating it again where it exists changes nothing (the schema step runs while anything is missing).
        TestSupport.execute(scene.db, "drop table skill_fleet_blobs");
        assertEquals(0, scene.run("sync-db", scene.a).code());
        assertEquals("5", scene.one(SEARCH_OBJECTS));
        assertIndexInStep();

        // An insert or replace by someone else replaces the indexed text too.
        long id = Long.parseLong(scene.one("select skill_id from skills where skill_path = '" + BACKUP + "'"));
        TestSupport.execute(scene.db, "insert or replace into skills (skill_id, skill_path, name, description, type,"
                + " status, skill_content) values (" + id + ", '" + BACKUP + "', 'sqlite-backup', 'Copy it.',"
                + " 'technical', 'active', 'Use the sqlite3 .backup command.')");
        assertEquals(List.of(VACUUM), paths(find("vacuum")));
        assertEquals(List.of(BACKUP), paths(find("sqlite3")));
        assertIndexInStep();
    }

    @Test
    void aServiceDatabaseTheToolNeverWroteIsSearchedThroughItsOwnSearchVector() throws Exception {
        try (TestDatabases.TestDb db = TestDatabases.create("postgresql", tmp)) {
            TestSupport.execute(db, Files.readString(TestSupport.repoRoot().resolve(
                    "tests/fixtures/service-schema.sql")));
            TestSupport.execute(db, "insert into skills (skill_path, name, description, type, status, skill_content)"
                    + " values ('zoo/zebra-care', 'zebra-care', 'Feed and groom zebras.', 'domain', 'active',"
                    + " 'Zebras need hay.'), ('zoo/hay', 'hay', 'Store hay dry.', 'domain', 'active', 'Keep it dry.')");
            TestSupport.Run run = TestSupport.run("find", java.util.Map.of(), "--db", db.url(), "zebra");
            assertEquals(0, run.code(), run.all());
            assertEquals(List.of("zoo/zebra-care"), paths(run));
            // The name (weight A) outranks the body (weight C).
            assertEquals(List.of("zoo/hay", "zoo/zebra-care"), paths(TestSupport.run("find", java.util.Map.of(),
                    "--db", db.url(), "hay")));
            assertEquals("0", TestSupport.column(db, "select count(*) from information_schema.tables"
                    + " where table_schema = current_schema() and table_name like 'skill\\_fleet\\_%'").get(0),
                    "find creates nothing on PostgreSQL");
            // The query goes through the service's GIN index (sequential scans off, as a large table would choose).
            try (java.sql.Connection c = db.connect(); java.sql.Statement st = c.createStatement();
                    java.sql.PreparedStatement ps = c.prepareStatement("explain " + SkillSql.SEARCH_SKILLS_POSTGRES)) {
                st.execute("set enable_seqscan = off");
                Object[] values = {"zebra", "zebra", "all", "all", "", "", 1, "/", 10, "zebra"};
                for (int i = 0; i < values.length; i++) {
                    ps.setObject(i + 1, values[i]);
                }
                StringBuilder plan = new StringBuilder();
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
                assertTrue(plan.toString().contains("Bitmap Index Scan on idx_skills_search"), plan.toString());
            }
        }
    }

    @Test
    void helpShowsExamplesAndExitCodesAndNoFolderOptions() {
        TestSupport.Run help = TestSupport.run("find", java.util.Map.of(), "--help");
        assertEquals(0, help.code(), help.all());
        assertTrue(help.out().contains("Examples:") && help.out().contains("Exit codes:")
                && help.out().contains("also when nothing matches"), help.out());
        assertFalse(help.out().contains("--skills-dir") || help.out().contains("--dry-run"), help.out());
        TestSupport.Run viaParent = TestSupport.run("skill-fleet", java.util.Map.of(), "find", "--help");
        assertEquals(0, viaParent.code(), viaParent.all());
        assertTrue(viaParent.out().startsWith("Usage: skill-fleet find "), viaParent.out());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aDatabaseWithoutSkillsFindsNothingAndCreatesNothing(String kind) throws Exception {
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            TestSupport.Run run = TestSupport.run("find", java.util.Map.of(), "--db", db.url(), "vacuum");
            assertEquals(0, run.code(), run.all());
            assertEquals("", run.out());
            assertTrue(run.err().contains("no skills match"), run.err());
            if (kind.equals("sqlite")) {
                assertFalse(Files.exists(Path.of(db.name())), "no SQLite file made");
            } else {
                assertEquals(List.of("0"), TestSupport.column(db, "select count(*) from information_schema.tables"
                        + " where table_schema = current_schema()"));
            }
        }
    }
}
