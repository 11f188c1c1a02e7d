import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The two-way sync through the real command on real folders, PostgreSQL and SQLite alike. */
class SyncDbTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String PYTHON = "development/languages/python";
    static final String JAVA = "development/languages/java";
    static final String TDD = "development/testing/test-driven-development";
    static final String WRITING = "writing/technical-writing";

    @TempDir Path tmp;
    TestDatabases.TestDb db;
    Map<String, String> env;
    Path a;
    Path b;

    /** Folder a holds the samples and has synced; folder b has synced from the database: both agree. */
    void setUp(String kind) throws Exception {
        db = TestDatabases.create(kind, tmp);
        env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        a = tmp.resolve("a/skills");
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), a);
        b = tmp.resolve("b/skills");
        assertEquals(0, sync(a).code());
        assertEquals(0, sync(b).code());
        TestSupport.assertSameTree(a, b);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    TestSupport.Run sync(Path dir, String... args) {
        return run("sync-db", dir, args);
    }

    TestSupport.Run run(String command, Path dir, String... args) {
        List<String> all = new ArrayList<>(List.of("-s", dir.toString(), "--db", db.url()));
        all.addAll(List.of(args));
        return TestSupport.run(command, env, all.toArray(String[]::new));
    }

    static void append(Path dir, String skill, String text) throws Exception {
        Path md = dir.resolve(skill).resolve("SKILL.md");
        TestSupport.write(md, TestSupport.read(md) + text);
    }

    String md(Path dir, String skill) throws Exception {
        return TestSupport.read(dir.resolve(skill).resolve("SKILL.md"));
    }

    String one(String sql) throws Exception {
        List<String> values = TestSupport.column(db, sql);
        assertEquals(1, values.size(), sql + " -> " + values);
        return values.get(0);
    }

    String status(String skill) throws Exception {
        return one("select status from skills where skill_path = '" + skill + "'");
    }

    /** Every backed-up copy of a skill's SKILL.md under the folder's .skill-fleet/backup/. */
    List<String> backups(Path dir, String side, String skill) throws Exception {
        Path root = dir.getParent().resolve(".skill-fleet/backup");
        List<String> found = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> stamps = Files.list(root)) {
                for (Path stamp : stamps.sorted().toList()) {
                    Path md = stamp.resolve(side).resolve(skill).resolve("SKILL.md");
                    if (Files.exists(md)) {
                        found.add(TestSupport.read(md));
                    }
                }
            }
        }
        return found;
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anEditOnEitherSideReachesTheOtherAndASecondRunIsANoOp(String kind) throws Exception {
        setUp(kind);
        append(a, TDD, "Edited in a.\n");
        append(b, PYTHON, "Edited in b.\n");
        TestSupport.Run fromA = sync(a);
        assertEquals(0, fromA.code(), fromA.all());
        assertTrue(fromA.out().contains("update-in-db " + TDD), fromA.out());
        TestSupport.Run fromB = sync(b);
        assertEquals(0, fromB.code(), fromB.all());
        assertTrue(fromB.out().contains("update-in-db " + PYTHON) && fromB.out().contains("update-local " + TDD),
                fromB.out());
        assertEquals(0, sync(a).code());
        TestSupport.assertSameTree(a, b);
        assertEquals(List.of(), backups(a, "local", PYTHON).stream().filter(s -> s.contains("Edited in b.")).toList());
        assertEquals(1, backups(a, "local", PYTHON).size(), "the replaced local copy was saved");
        for (Path dir : List.of(a, b)) {
            TestSupport.Run noop = sync(dir);
            assertTrue(noop.out().contains("0 created, 0 updated, 5 unchanged"), noop.out());
            assertEquals(0, sync(dir, "--check").code());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anEditOnBothSidesIsAConflictThatTouchesNeitherUnlessAPreferenceIsGiven(String kind) throws Exception {
        setUp(kind);
        append(a, TDD, "Edited in a.\n");
        append(b, TDD, "Edited in b.\n");
        assertEquals(0, sync(a).code());
        String inDb = one("select skill_content from skills where skill_path = '" + TDD + "'");
        TestSupport.Run conflict = sync(b);
        assertEquals(3, conflict.code(), conflict.all());
        assertTrue(conflict.err().contains("conflict " + TDD + ": changed in the folder and in the database"),
                conflict.err());
        assertTrue(md(b, TDD).endsWith("Edited in b.\n"));
        assertEquals(inDb, one("select skill_content from skills where skill_path = '" + TDD + "'"));

        TestSupport.Run preferDb = sync(b, "--prefer", "db");
        assertEquals(0, preferDb.code(), preferDb.all());
        assertTrue(md(b, TDD).endsWith("Edited in a.\n"));
        assertTrue(backups(b, "local", TDD).stream().anyMatch(s -> s.endsWith("Edited in b.\n")), "loser backed up");

        append(a, TDD, "Again in a.\n");
        append(b, TDD, "Again in b.\n");
        assertEquals(0, sync(a).code());
        TestSupport.Run preferLocal = sync(b, "--prefer", "local");
        assertEquals(0, preferLocal.code(), preferLocal.all());
        assertTrue(one("select skill_content from skills where skill_path = '" + TDD + "'").endsWith("Again in b.\n"));
        assertTrue(backups(b, "database", TDD).stream().anyMatch(s -> s.endsWith("Again in a.\n")),
                "the database version that lost is backed up");
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void deletionsPropagateAsArchiveAndRemovalWithABackup(String kind) throws Exception {
        setUp(kind);
        SkillFolder.deleteTree(a.resolve(WRITING));
        TestSupport.Run archive = sync(a);
        assertEquals(0, archive.code(), archive.all());
        assertTrue(archive.out().contains("archive-in-db " + WRITING) && archive.out().contains("1 deleted"),
                archive.out());
        assertEquals("archived", status(WRITING));
        assertEquals("1", one("select count(*) from skills where skill_path = '" + WRITING + "'"), "never DELETEd");

        String before = md(b, WRITING);
        TestSupport.Run remove = sync(b);
        assertEquals(0, remove.code(), remove.all());
        assertTrue(remove.out().contains("remove-local " + WRITING), remove.out());
        assertFalse(Files.exists(b.resolve(WRITING)));
        assertFalse(Files.exists(b.resolve("writing")), "the emptied category folder goes too");
        assertEquals(List.of(before), backups(b, "local", WRITING));
        assertEquals(0, sync(a).code());
        TestSupport.assertSameTree(a, b);
        assertTrue(sync(b).out().contains("0 created, 0 updated, 4 unchanged"));

        // Archived through the API: the folder copy goes on the next sync.
        TestSupport.execute(db, "update skills set status = 'archived' where skill_path = '" + JAVA + "'");
        assertEquals(0, sync(a).code());
        assertFalse(Files.exists(a.resolve(JAVA)));

        TestSupport.execute(db, "update skills set status = 'archived' where skill_path = '" + TDD + "'");
        TestSupport.Run kept = sync(a, "--no-delete");
        assertEquals(3, kept.code(), "the sides are left different on purpose: " + kept.all());
        assertTrue(kept.err().contains("keep " + TDD), kept.err());
        assertTrue(Files.exists(a.resolve(TDD)), "--no-delete keeps it");
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anArchivedSkillDoesNotHoldItsFolderAgainstNewSkillsBelowIt(String kind) throws Exception {
        setUp(kind);
        TestSupport.write(a.resolve("tools/SKILL.md"), "---\nname: tools\ndescription: Tools.\n---\nTools.\n");
        assertEquals(0, sync(a).code());
        assertEquals(0, sync(b).code());
        SkillFolder.deleteTree(a.resolve("tools"));
        assertEquals(0, sync(a).code());
        assertEquals("archived", status("tools"));
        assertEquals(0, sync(b).code());
        assertFalse(Files.exists(b.resolve("tools")));

        TestSupport.write(a.resolve("tools/grep/SKILL.md"), "---\nname: grep\ndescription: Grep.\n---\nGrep.\n");
        TestSupport.Run created = sync(a);
        assertEquals(0, created.code(), created.all());
        assertTrue(created.out().contains("create-in-db tools/grep"), created.out());
        TestSupport.Run down = sync(b);
        assertEquals(0, down.code(), down.all());
        assertTrue(down.out().contains("create-local tools/grep"), down.out());
        TestSupport.assertSameTree(a, b);
        Path fresh = tmp.resolve("fresh/skills");
        TestSupport.Run first = sync(fresh);
        assertEquals(0, first.code(), first.all());
        TestSupport.assertSameTree(a, fresh);
        for (Path dir : List.of(a, b, fresh)) {
            assertTrue(sync(dir).out().contains("0 created, 0 updated, 6 unchanged, 0 skipped"), dir.toString());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFolderSayingStatusArchivedIsRefusedAndNeverRemoved(String kind) throws Exception {
        setUp(kind);
        String retired = "---\nname: old-tool\ndescription: Retired.\nmetadata:\n  status: archived\n---\nOld.\n";
        TestSupport.write(a.resolve("retired/old-tool/SKILL.md"), retired);
        String tdd = md(a, TDD).replace("  type: cognitive\n", "  type: cognitive\n  status: archived\n");
        TestSupport.write(a.resolve(TDD).resolve("SKILL.md"), tdd);
        for (int run = 0; run < 2; run++) {
            TestSupport.Run r = sync(a);
            assertEquals(3, r.code(), r.all());
            assertTrue(r.err().contains("skipped retired/old-tool: SKILL.md: status 'archived' "), r.err());
            assertTrue(r.err().contains("skipped " + TDD + ": SKILL.md: status 'archived' "), r.err());
            assertTrue(r.out().contains("0 created, 0 updated, 4 unchanged, 2 skipped"), r.out());
            assertEquals(retired, md(a, "retired/old-tool"));
            assertEquals(tdd, md(a, TDD));
            assertEquals("0", one("select count(*) from skills where skill_path = 'retired/old-tool'"));
            assertEquals("active", status(TDD));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillDeletedOnOneSideAndChangedOnTheOtherIsRestored(String kind) throws Exception {
        setUp(kind);
        SkillFolder.deleteTree(a.resolve(TDD));
        append(b, TDD, "Changed in b.\n");
        assertEquals(0, sync(b).code());
        TestSupport.Run restore = sync(a);
        assertEquals(0, restore.code(), restore.all());
        assertTrue(restore.out().contains("create-local " + TDD), restore.out());
        assertTrue(md(a, TDD).endsWith("Changed in b.\n"));

        TestSupport.execute(db, "update skills set status = 'archived' where skill_path = '" + PYTHON + "'");
        append(a, PYTHON, "Changed in a.\n");
        TestSupport.Run unarchive = sync(a);
        assertEquals(0, unarchive.code(), unarchive.all());
        assertTrue(unarchive.out().contains("update-in-db " + PYTHON), unarchive.out());
        assertEquals("active", status(PYTHON));
        assertTrue(one("select skill_content from skills where skill_path = '" + PYTHON + "'").endsWith("Changed in a.\n"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFirstSyncCopiesWhatIsOnOneSideOnlyAndDeletesNothing(String kind) throws Exception {
        setUp(kind);
        Path c = tmp.resolve("c/skills");
        TestSupport.write(c.resolve("new/only-in-c/SKILL.md"), "---\nname: only-in-c\ndescription: x\n---\nC\n");
        TestSupport.write(c.resolve(TDD).resolve("SKILL.md"), "---\nname: test-driven-development\n---\nMine.\n");
        TestSupport.execute(db, "insert into skills (skill_path, name, description, type, status, skill_content)"
                + " values ('api/draft-from-api', 'draft-from-api', 'A draft.', 'tool', 'draft', 'Draft body.')");
        TestSupport.Run first = sync(c);
        assertEquals(3, first.code(), first.all());
        assertTrue(first.err().contains("conflict " + TDD + ": differs between the folder and the database, and "
                + "there is no record of an earlier sync"), first.err());
        assertTrue(first.out().contains("create-in-db new/only-in-c"), first.out());
        assertTrue(Files.exists(c.resolve(PYTHON).resolve("SKILL.md")));
        assertEquals("---\nname: test-driven-development\n---\nMine.\n", md(c, TDD));
        assertTrue(md(c, "api/draft-from-api").endsWith("---\nDraft body."), "a draft comes down like any skill");
        assertEquals("7", one("select count(*) from skills where status <> 'archived'"));

        // Losing the state file is the same as a first sync: nothing is deleted.
        SkillFolder.deleteTree(a.getParent().resolve(".skill-fleet"));
        SkillFolder.deleteTree(a.resolve(WRITING));
        TestSupport.Run lost = sync(a);
        assertTrue(lost.out().contains("create-local " + WRITING), lost.out());
        assertEquals("active", status(WRITING));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void brakesStopASyncThatWouldDeleteTooMuchOrFindsASideEmpty(String kind) throws Exception {
        setUp(kind);
        Map<String, byte[]> dbBefore = dump();
        for (String skill : List.of(PYTHON, JAVA, TDD)) {
            SkillFolder.deleteTree(a.resolve(skill));
        }
        TestSupport.Run tooMany = sync(a);
        assertEquals(1, tooMany.code(), tooMany.all());
        assertTrue(tooMany.err().contains("would archive 3 of 5 database skills, more than 50%"), tooMany.err());
        assertEquals(dbBefore.keySet(), dump().keySet());
        assertEquals("0", one("select count(*) from skills where status = 'archived'"), "nothing changed");
        assertEquals(0, sync(a, "--max-delete", "60").code());
        assertEquals("3", one("select count(*) from skills where status = 'archived'"));

        SkillFolder.deleteTree(b);
        TestSupport.Run missing = sync(b);
        assertEquals(1, missing.code(), missing.all());
        assertTrue(missing.err().contains("is missing but held 5 skills at the last sync"), missing.err());
        Files.createDirectories(b);
        TestSupport.Run empty = sync(b, "--dry-run");
        assertEquals(1, empty.code(), empty.all());
        assertTrue(empty.err().contains("is empty but held 5 skills"), empty.err());
        assertEquals("3", one("select count(*) from skills where status = 'archived'"));
        TestSupport.Run forced = sync(b, "--force");
        assertEquals(0, forced.code(), forced.all());

        Path c = tmp.resolve("c/skills");
        TestSupport.copyTree(a, c);
        assertEquals(0, sync(c).code());
        TestSupport.execute(db, "update skills set status = 'archived'");
        TestSupport.Run emptyDb = sync(c);
        assertEquals(1, emptyDb.code(), emptyDb.all());
        assertTrue(emptyDb.err().contains("the database has no skills in scope"), emptyDb.err());
        assertTrue(Files.exists(c.resolve(WRITING)));
    }

    /** Every skill row's path, status and content, as the test's "nothing changed" witness. */
    Map<String, byte[]> dump() throws Exception {
        Map<String, byte[]> rows = new HashMap<>();
        for (String row : TestSupport.column(db, "select skill_path || '|' || status || '|' || skill_content from skills")) {
            rows.put(row, row.getBytes());
        }
        return rows;
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void dryRunAndCheckChangeNothing(String kind) throws Exception {
        setUp(kind);
        append(a, TDD, "Edited.\n");
        SkillFolder.deleteTree(a.resolve(WRITING));
        TestSupport.execute(db, "update skills set skill_content = skill_content || 'API edit.' where skill_path = '"
                + PYTHON + "'");
        Map<String, byte[]> dbBefore = dump();
        Map<String, byte[]> folderBefore = TestSupport.tree(a);
        TestSupport.Run plan = sync(a, "--dry-run");
        assertEquals(0, plan.code(), plan.all());
        assertTrue(plan.out().contains(TDD) && plan.out().contains("update-in-db")
                && plan.out().contains("archive-in-db") && plan.out().contains("update-local"), plan.out());
        assertEquals(4, sync(a, "--check").code());
        assertEquals(dbBefore.keySet(), dump().keySet());
        assertEquals(folderBefore.keySet(), TestSupport.tree(a).keySet());
        TestSupport.Run json = sync(a, "--dry-run", "--json");
        assertTrue(json.out().contains("\"action\" : \"archive-in-db\""), json.out());
        assertEquals(0, sync(a).code());
        assertEquals(0, sync(a, "--check").code());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void apiEditsAreDetectedWithoutLocalStateAndColumnEditsRewriteOnlyTheirKeys(String kind) throws Exception {
        setUp(kind);
        // A fresh clone (no state) exporting: the API's edit is newer, not silently overwritten (the clone holds what
        // this tool last wrote, so it is no conflict).
        TestSupport.execute(db, "update skills set skill_content = 'Rewritten by the API.' where skill_path = '"
                + TDD + "'");
        Path fresh = tmp.resolve("fresh/skills");
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), fresh);
        TestSupport.Run export = run("export-to-db", fresh);
        assertEquals(3, export.code(), export.all());
        assertTrue(export.err().contains("other-side-newer " + TDD + ": the folder holds what this tool last wrote"),
                export.err());
        assertEquals("Rewritten by the API.", one("select skill_content from skills where skill_path = '" + TDD + "'"));

        // A column the file carries, edited through the API, comes down as that key alone.
        String before = md(a, PYTHON);
        TestSupport.execute(db, "update skills set description = 'Edited: typed Python.', version = '1.3.0'"
                + " where skill_path = '" + PYTHON + "'");
        TestSupport.Run imp = sync(a);
        assertEquals(0, imp.code(), imp.all());
        assertTrue(imp.out().contains("update-local " + PYTHON), imp.out());
        String after = md(a, PYTHON);
        List<String> changed = new ArrayList<>();
        List<String> beforeLines = before.lines().toList();
        List<String> afterLines = after.lines().toList();
        assertEquals(beforeLines.size(), afterLines.size(), after);
        for (int i = 0; i < beforeLines.size(); i++) {
            if (!beforeLines.get(i).equals(afterLines.get(i))) {
                changed.add(afterLines.get(i));
            }
        }
        assertEquals(List.of("description: 'Edited: typed Python.'", "  version: 1.3.0"), changed);
        assertEquals(0, sync(a).code());
        assertTrue(sync(a).out().contains("0 created, 0 updated, 5 unchanged"));
    }

    static final String TUNING = "operations/databases/postgres-tuning";

    /** The skill's name, keywords, tags and allowed tools as its SKILL.md in the folder says (lists sorted or not). */
    static String columns(Path dir, String skill, boolean sorted) throws Exception {
        SkillMapping.SkillRecord r = SkillMapping.toRecord(SkillFolder.read(dir, skill, w -> { }));
        StringBuilder sb = new StringBuilder(r.name());
        for (List<String> list : java.util.Arrays.asList(r.keywords(), r.tags(), r.allowedTools())) {
            List<String> values = list == null ? List.of() : list;
            sb.append(' ').append(sorted ? values.stream().sorted().toList() : values);
        }
        return sb.toString();
    }

    /** The same as the database's rows hold them (each list in the database's order). */
    String rowColumns(String skill) throws Exception {
        String id = "(select skill_id from skills where skill_path = '" + skill + "')";
        return one("select name from skills where skill_path = '" + skill + "'") + " "
                + TestSupport.column(db, "select keyword from skill_keywords where skill_id = " + id + " order by 1") + " "
                + TestSupport.column(db, "select tag from skill_tags where skill_id = " + id + " order by 1") + " "
                + TestSupport.column(db, "select tool_name from skill_allowed_tools where skill_id = " + id + " order by 1");
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void apiEditsOfNameKeywordsTagsAndToolsComeDownAndALaterLocalEditKeepsThem(String kind) throws Exception {
        setUp(kind);
        String python = "(select skill_id from skills where skill_path = '" + PYTHON + "')";
        TestSupport.execute(db, "update skills set name = 'python3' where skill_path = '" + PYTHON + "'");
        TestSupport.execute(db, "insert into skill_tags (skill_id, tag) values (" + python + ", 'scripting')");
        TestSupport.execute(db, "delete from skill_allowed_tools where tool_name = 'Grep' and skill_id = " + python);
        TestSupport.execute(db, "delete from skill_keywords where keyword = 'typing' and skill_id = " + python);
        TestSupport.execute(db, "insert into skill_keywords (skill_id, keyword) values ((select skill_id from skills"
                + " where skill_path = '" + JAVA + "'), 'sql')");
        TestSupport.execute(db, "insert into skill_allowed_tools (skill_id, tool_name) values ((select skill_id from"
                + " skills where skill_path = '" + TUNING + "'), 'Grep')");
        // TDD's frontmatter carries no keywords: a keyword added through SQL stays in the database only.
        TestSupport.execute(db, "insert into skill_keywords (skill_id, keyword) values ((select skill_id from skills"
                + " where skill_path = '" + TDD + "'), 'red-green')");
        String before = md(a, PYTHON);

        TestSupport.Run down = sync(a);
        assertEquals(0, down.code(), down.all());
        for (String skill : List.of(PYTHON, JAVA, TUNING)) {
            assertTrue(down.out().contains("update-local " + skill), down.out());
            assertEquals(rowColumns(skill), columns(a, skill, true), skill);
        }
        assertEquals("python3 [packaging, pytest, python] [backend, language, scripting] [Bash(python:*), "
                + "Bash(uv run:*), Glob, Read]", rowColumns(PYTHON));
        assertEquals("python3 [python, packaging, pytest] [language, backend, scripting] [Read, Glob, "
                + "Bash(python:*), Bash(uv run:*)]", columns(a, PYTHON, false));
        assertTrue(md(a, JAVA).contains("  keywords: java, jdbc, records, sql\n"), md(a, JAVA));
        assertEquals(md(b, TDD), md(a, TDD));
        List<String> changed = new ArrayList<>();
        for (String line : md(a, PYTHON).lines().toList()) {
            if (!before.lines().toList().contains(line)) {
                changed.add(line);
            }
        }
        assertEquals(4, changed.size(), "only the four keys' lines change: " + changed);
        assertTrue(sync(a).out().contains("0 created, 0 updated, 5 unchanged"));

        // A later local edit (in b, which has not seen the API's edits yet: it gets them first) keeps them all.
        assertEquals(0, sync(b).code());
        TestSupport.assertSameTree(a, b);
        for (String skill : List.of(PYTHON, JAVA, TUNING, TDD)) {
            append(b, skill, "Edited in b.\n");
        }
        String rows = rowColumns(PYTHON) + rowColumns(JAVA) + rowColumns(TUNING) + rowColumns(TDD);
        TestSupport.Run up = sync(b);
        assertEquals(0, up.code(), up.all());
        assertTrue(up.out().contains("4 updated"), up.out());
        assertEquals(rows, rowColumns(PYTHON) + rowColumns(JAVA) + rowColumns(TUNING) + rowColumns(TDD));
        assertTrue(rowColumns(TDD).contains("[red-green]"), rowColumns(TDD));
        assertEquals(0, sync(a).code());
        TestSupport.assertSameTree(a, b);
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aDatabaseWrittenByAnEarlierVersionIsBroughtUpToDateByOneRun(String kind) throws Exception {
        setUp(kind);
        // Earlier versions fingerprinted fewer tables, and on SQLite had no triggers on the list tables.
        TestSupport.execute(db, "update skill_fleet_skill_meta set fingerprint = 'earlier'");
        if (kind.equals("sqlite")) {
            for (String list : List.of("keyword", "tag", "tool")) {
                for (String change : List.of("added", "changed", "removed")) {
                    TestSupport.execute(db, "drop trigger skill_fleet_" + list + "_" + change);
                }
            }
        }
        TestSupport.Run run = sync(a);
        assertEquals(0, run.code(), run.all());
        assertTrue(run.out().contains("0 created, 0 updated, 5 unchanged"), run.out());
        assertEquals("0", one("select count(*) from skill_fleet_skill_meta where fingerprint = 'earlier'"),
                "fingerprints recorded again, so the next runs fetch nothing");
        TestSupport.execute(db, "insert into skill_tags (skill_id, tag) values ((select skill_id from skills where"
                + " skill_path = '" + TDD + "'), 'from-sql')");
        TestSupport.Run down = sync(a);
        assertTrue(down.out().contains("update-local " + TDD), down.out());
        assertTrue(md(a, TDD).contains("  tags: [testing, workflow, from-sql]\n"), md(a, TDD));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void emptyingAListInTheFolderEmptiesItInTheDatabase(String kind) throws Exception {
        setUp(kind);
        Path md = a.resolve(TDD).resolve("SKILL.md");
        TestSupport.write(md, TestSupport.read(md).replace("tags: [testing, workflow]", "tags: []"));
        assertEquals(0, sync(a).code());
        assertEquals("test-driven-development [] [] []", rowColumns(TDD));
        TestSupport.Run down = sync(b);
        assertEquals(0, down.code(), down.all());
        assertTrue(down.out().contains("update-local " + TDD), down.out());
        TestSupport.assertSameTree(a, b);
        for (Path dir : List.of(a, b)) {
            assertTrue(sync(dir).out().contains("0 created, 0 updated, 5 unchanged"));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void statusAndSkillPathNarrowWhatIsInPlay(String kind) throws Exception {
        setUp(kind);
        TestSupport.execute(db, "update skills set status = 'draft' where skill_path = '" + JAVA + "'");
        SkillFolder.deleteTree(a.resolve(PYTHON));
        append(a, WRITING, "Outside the path.\n");
        TestSupport.Run drafts = sync(a, "--status", "draft", "--skill-path", "development");
        assertEquals(0, drafts.code(), drafts.all());
        assertEquals("active", status(PYTHON), "out of scope: not archived");
        assertFalse(one("select skill_content from skills where skill_path = '" + WRITING + "'")
                .endsWith("Outside the path.\n"));
        TestSupport.Run dev = sync(a, "--skill-path", "development");
        assertEquals(0, dev.code(), dev.all());
        assertEquals("archived", status(PYTHON));
        assertFalse(one("select skill_content from skills where skill_path = '" + WRITING + "'")
                .endsWith("Outside the path.\n"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void twoConcurrentSyncsFromTwoFoldersLoseNothing(String kind) throws Exception {
        setUp(kind);
        for (int i = 0; i < 4; i++) {
            TestSupport.write(a.resolve("concurrent/a-" + i + "/SKILL.md"), "---\nname: a-" + i + "\n---\nA\n");
            TestSupport.write(b.resolve("concurrent/b-" + i + "/SKILL.md"), "---\nname: b-" + i + "\n---\nB\n");
        }
        append(a, TDD, "From a.\n");
        append(b, PYTHON, "From b.\n");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (Path dir : List.of(a, b)) {
                Callable<Integer> task = () -> Cli.run(new sync_db(), new PrintWriter(new StringWriter()),
                        new PrintWriter(new StringWriter()), TestSupport.context(env, Hooks.NONE), "-s",
                        dir.toString(), "--db", db.url());
                results.add(pool.submit(task));
            }
            for (Future<Integer> r : results) {
                assertEquals(0, r.get());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(0, sync(a).code());
        assertEquals(0, sync(b).code());
        TestSupport.assertSameTree(a, b);
        assertTrue(md(b, TDD).endsWith("From a.\n") && md(a, PYTHON).endsWith("From b.\n"));
        assertEquals("13", one("select count(*) from skills where status <> 'archived'"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void oneWayCommandsAreNoOpsRightAfterASync(String kind) throws Exception {
        setUp(kind);
        assertTrue(run("export-to-db", a).out().contains("0 created, 0 updated, 5 unchanged"));
        assertTrue(run("import-from-db", b, "--status", "all").out().contains("0 created, 0 updated, 5 unchanged"));
    }

    /** Replaces the first occurrence of a text in a skill's SKILL.md. */
    static void edit(Path dir, String skill, String from, String to) throws Exception {
        Path md = dir.resolve(skill).resolve("SKILL.md");
        String text = TestSupport.read(md);
        assertTrue(text.contains(from), from + " not in " + md);
        TestSupport.write(md, text.replaceFirst(java.util.regex.Pattern.quote(from),
                java.util.regex.Matcher.quoteReplacement(to)));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void editsFarApartInOneSkillMdAreMergedAndBothSidesEndEqual(String kind) throws Exception {
        setUp(kind);
        edit(a, TDD, "description: \"Red, green, refactor:", "description: \"Red, green, refactor (edited in a):");
        append(b, TDD, "\nA paragraph added in b.\n");
        assertEquals(0, sync(a).code());
        TestSupport.Run dry = sync(b, "--dry-run");
        assertEquals(0, dry.code(), dry.all());
        assertTrue(dry.out().contains(TDD) && dry.out().contains("merge "), dry.out());
        TestSupport.Run json = sync(b, "--dry-run", "--json");
        assertTrue(json.out().contains("\"action\" : \"merge\""), json.out());
        TestSupport.Run both = run("list", b, "--both");
        assertTrue(both.out().contains("changed on both sides, merges"), both.all());
        TestSupport.Run merged = sync(b);
        assertEquals(0, merged.code(), merged.all());
        assertTrue(merged.out().contains("merge " + TDD + " (SKILL.md (merged line by line))"), merged.out());
        assertTrue(merged.out().contains("1 merged"), merged.out());
        String md = md(b, TDD);
        assertTrue(md.contains("(edited in a)") && md.endsWith("A paragraph added in b.\n"), md);
        assertTrue(one("select description from skills where skill_path = '" + TDD + "'").contains("(edited in a)"));
        assertTrue(one("select skill_content from skills where skill_path = '" + TDD + "'")
                .endsWith("A paragraph added in b.\n"));
        assertTrue(backups(b, "local", TDD).stream().anyMatch(v -> v.endsWith("A paragraph added in b.\n")
                && !v.contains("(edited in a)")), "the folder's version before the merge is backed up");
        assertTrue(backups(b, "database", TDD).stream().anyMatch(v -> v.contains("(edited in a)")
                && !v.contains("A paragraph added in b.")), "the database's version before the merge is backed up");
        assertEquals(0, sync(a).code());
        TestSupport.assertSameTree(a, b);
        assertEquals(0, sync(a, "--check").code());
        assertEquals(0, sync(b, "--check").code());
        TestSupport.Run log = run("log", b, TDD);
        assertEquals(0, log.code(), log.all());
        assertTrue(log.out().contains(" merge "), "the database version the merge replaced is kept: " + log.out());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void editsToDifferentFilesOfOneSkillAreMerged(String kind) throws Exception {
        setUp(kind);
        Path style = Path.of(PYTHON, "references/style.md");
        TestSupport.write(a.resolve(style), TestSupport.read(a.resolve(style)) + "Added in a.\n");
        TestSupport.write(a.resolve(PYTHON).resolve("references/new-in-a.md"), "New in a.\n");
        append(b, PYTHON, "Added in b.\n");
        SkillFolder.deleteTree(b.resolve(PYTHON).resolve("scripts"));
        assertEquals(0, sync(a).code());
        TestSupport.Run merged = sync(b);
        assertEquals(0, merged.code(), merged.all());
        assertTrue(merged.out().contains("merge " + PYTHON), merged.out());
        assertEquals(0, sync(a).code());
        TestSupport.assertSameTree(a, b);
        assertTrue(TestSupport.read(b.resolve(style)).endsWith("Added in a.\n"));
        assertTrue(md(a, PYTHON).endsWith("Added in b.\n"));
        assertFalse(TestSupport.exists(a.resolve(PYTHON).resolve("scripts")), "b's deletion of a file is merged");
        assertTrue(TestSupport.exists(b.resolve(PYTHON).resolve("references/new-in-a.md")));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void overlappingEditsABinaryFileOnBothSidesAndNoMergeStayConflicts(String kind) throws Exception {
        setUp(kind);
        edit(a, TDD, "# Test-driven development", "# Test-driven development, as a sees it");
        edit(b, TDD, "# Test-driven development", "# Test-driven development, as b sees it");
        assertEquals(0, sync(a).code());
        String inDb = one("select skill_content from skills where skill_path = '" + TDD + "'");
        TestSupport.Run same = sync(b);
        assertEquals(3, same.code(), same.all());
        assertTrue(same.err().contains("conflict " + TDD + ":") && same.err().contains("SKILL.md has overlapping "
                + "changes on both sides"), same.err());
        assertTrue(md(b, TDD).contains("as b sees it"));
        assertEquals(inDb, one("select skill_content from skills where skill_path = '" + TDD + "'"));

        Path png = Path.of("operations/databases/postgres-tuning/assets/plan-reading.png");
        Files.write(a.resolve(png), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2});
        Files.write(b.resolve(png), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 3, 4, 5});
        assertEquals(0, sync(a, "--skill-path", "operations").code());
        TestSupport.Run binary = sync(b, "--skill-path", "operations");
        assertEquals(3, binary.code(), binary.all());
        assertTrue(binary.err().contains("binary file assets/plan-reading.png changed on both sides (8 bytes in the "
                + "folder, 7 in the database)"), binary.err());
        assertEquals(8, Files.size(b.resolve(png)));

        append(a, WRITING, "Far below, from a.\n");
        edit(b, WRITING, "\ndescription:", "\nlicense: MIT\ndescription:");
        assertEquals(0, sync(a, "--skill-path", "writing").code());
        TestSupport.Run noMerge = sync(b, "--skill-path", "writing", "--no-merge");
        assertEquals(3, noMerge.code(), noMerge.all());
        assertTrue(noMerge.err().contains("conflict " + WRITING + ": changed in the folder and in the database"),
                noMerge.err());
        assertFalse(md(b, WRITING).contains("Far below, from a."));
        assertEquals(0, sync(b, "--skill-path", "writing").code(), "without --no-merge the same edits merge");
        assertTrue(md(b, WRITING).contains("Far below, from a.") && md(b, WRITING).contains("license: MIT"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aMergedSkillMdThatNoLongerValidatesIsAConflict(String kind) throws Exception {
        setUp(kind);
        // Each side adds a license key, far apart and each valid; merged, the frontmatter would have it twice.
        edit(a, TDD, "name: test-driven-development\n", "license: MIT\nname: test-driven-development\n");
        edit(b, TDD, "  tags: [testing, workflow]\n", "  tags: [testing, workflow]\nlicense: Apache-2.0\n");
        assertEquals(0, sync(a).code());
        TestSupport.Run invalid = sync(b);
        assertEquals(3, invalid.code(), invalid.all());
        assertTrue(invalid.err().contains("conflict " + TDD + ": changed in the folder and in the database since the "
                + "last sync; no merge: the merge is not a valid skill: SKILL.md: unreadable YAML "
                + "frontmatter: found duplicate key license"), invalid.err());
        assertTrue(md(b, TDD).contains("license: Apache-2.0") && !md(b, TDD).contains("license: MIT"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aMergeIsLintedLikeAnySkillSentAndStrictSkipsIt(String kind) throws Exception {
        setUp(kind);
        edit(a, TDD, "name: test-driven-development\n", "name: test-driven-development\nowner: team-a\n");
        append(b, TDD, "From b.\n");
        assertEquals(0, sync(a).code());
        TestSupport.Run strict = sync(b, "--strict");
        assertEquals(3, strict.code(), strict.all());
        assertTrue(strict.err().contains("skipped " + TDD + ": the merge's SKILL.md: ") && strict.err().contains(
                "(--strict)"), strict.err());
        assertFalse(md(b, TDD).contains("owner: team-a"), "nothing written");
        TestSupport.Run merged = sync(b);
        assertEquals(0, merged.code(), merged.all());
        assertTrue(merged.err().contains("warning: lint: " + TDD + ": "), merged.err());
        assertTrue(md(b, TDD).contains("owner: team-a") && md(b, TDD).endsWith("From b.\n"));
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillMovedInTheFolderKeepsItsRowAndTheOtherFolderMovesIt(String kind) throws Exception {
        setUp(kind);
        String id = one("select skill_id from skills where skill_path = '" + TDD + "'");
        String dependents = one("select count(*) from skill_dependencies where dependency_skill_id = " + id);
        assertFalse(dependents.equals("0"), "the samples have a skill depending on " + TDD);
        String tdd = "development/practices/tdd";
        Files.createDirectories(a.resolve(tdd).getParent());
        Files.move(a.resolve(TDD), a.resolve(tdd));
        edit(a, tdd, "name: test-driven-development", "name: tdd");
        TestSupport.Run dry = sync(a, "--dry-run");
        assertTrue(dry.out().contains(TDD + " -> " + tdd) && dry.out().contains("rename-in-db"), dry.out());
        TestSupport.Run moved = sync(a);
        assertEquals(0, moved.code(), moved.all());
        assertTrue(moved.out().contains("rename-in-db " + TDD + " -> " + tdd), moved.out());
        assertTrue(moved.out().contains("1 renamed"), moved.out());
        assertEquals(id, one("select skill_id from skills where skill_path = '" + tdd + "'"));
        assertEquals("tdd", one("select name from skills where skill_id = " + id));
        assertEquals("0", one("select count(*) from skills where skill_path = '" + TDD + "'"));
        assertEquals(TDD, one("select alias_path from skill_aliases where skill_id = " + id));
        assertEquals(dependents, one("select count(*) from skill_dependencies where dependency_skill_id = " + id));
        assertEquals(List.of("development", "development/practices"), TestSupport.column(db, "select c.path from "
                + "skill_categories sc join taxonomy_categories c using (category_id) where sc.skill_id = " + id
                + " order by c.path"));

        TestSupport.Run log = run("log", a, tdd);
        assertTrue(log.code() == 0 && log.out().contains(" rename "), "the version before the rename is kept under the "
                + "same skill: " + log.all());
        TestSupport.Run restore = run("restore", a, TDD);
        assertEquals(1, restore.code(), restore.all());
        assertTrue(restore.err().contains(TDD + " was renamed to " + tdd + " (skill_id " + id + "); restore " + tdd
                + " instead"), "restoring the old path would make a second copy: " + restore.err());
        TestSupport.Run follow = sync(b, "--no-delete");
        assertEquals(0, follow.code(), follow.all());
        assertTrue(follow.out().contains("rename-local " + TDD + " -> " + tdd), follow.out());
        assertFalse(TestSupport.exists(b.resolve(TDD)));
        assertFalse(TestSupport.exists(b.resolve("development/testing")), "the emptied category folder goes");
        TestSupport.assertSameTree(a, b);
        assertEquals(0, sync(a, "--check").code());
        assertEquals(0, sync(b, "--check").code());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillMovedInTheDatabaseMovesTheFolderInOneRename(String kind) throws Exception {
        setUp(kind);
        String id = one("select skill_id from skills where skill_path = '" + TDD + "'");
        String tdd = "development/practices/tdd";
        TestSupport.execute(db, "update skills set skill_path = '" + tdd + "', name = 'tdd' where skill_id = " + id);
        // An empty folder is no part of the skill: only a move of the folder (not a removal and a creation) keeps it.
        Files.createDirectories(a.resolve(TDD).resolve("drafts"));
        TestSupport.Run moved = sync(a);
        assertEquals(0, moved.code(), moved.all());
        assertTrue(moved.out().contains("rename-local " + TDD + " -> " + tdd), moved.out());
        assertFalse(TestSupport.exists(a.resolve(TDD)));
        assertTrue(md(a, tdd).contains("name: tdd"), md(a, tdd));
        assertTrue(Files.isDirectory(a.resolve(tdd).resolve("drafts")), "the folder was moved, not re-created");
        assertEquals(List.of(), backups(a, "local", TDD), "nothing was removed");
        assertEquals(id, one("select skill_id from skills where skill_path = '" + tdd + "'"));
        assertEquals("1", one("select count(*) from skills"
                + " where status <> 'archived' and skill_path like 'development/%tdd%'"));
        assertEquals(0, sync(a, "--check").code());
    }
}
