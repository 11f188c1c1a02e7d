import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The pieces users reach for around the three commands: list, lint, completion, an installed command. */
class EcosystemTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String TDD = "development/testing/test-driven-development";

    @ParameterizedTest
    @FieldSource("KINDS")
    void listShowsTheDatabaseTheFolderAndWhichSideIsAhead(String kind, @TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            Path a = tmp.resolve("a/skills");
            TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), a);
            assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
            TestSupport.execute(db, "update skills set status = 'draft' where skill_path = '" + TDD + "'");

            TestSupport.Run all = TestSupport.run("list", env, "--db", db.url());
            assertEquals(0, all.code(), all.all());
            List<String> lines = all.out().lines().toList();
            assertTrue(lines.get(0).matches("SKILL +NAME +STATUS +VERSION +FILES +LAST MODIFIED"), lines.get(0));
            assertEquals(6, lines.size(), all.out());
            assertTrue(lines.stream().anyMatch(l -> l.matches("development/languages/python +python +active +1\\.2\\.0 "
                    + "+3 +\\S.*")), all.out());

            TestSupport.Run drafts = TestSupport.run("list", env, "--db", db.url(), "--status", "draft", "--json");
            JsonNode json = new ObjectMapper().readTree(drafts.out());
            assertEquals(1, json.size());
            assertEquals(TDD, json.get(0).get("path").asText());
            assertEquals("2.0.1", json.get(0).get("version").asText());

            TestSupport.Run local = TestSupport.run("list", env, "--local", "-s", a.toString(), "--skill-path",
                    "operations");
            assertEquals(List.of("operations/databases/postgres-tuning", "postgres-tuning", "active", "0.3.0", "3"),
                    List.of(local.out().lines().toList().get(1).split(" +")).subList(0, 5));

            SyncDbTest.append(a, "development/languages/java", "More.\n");
            TestSupport.execute(db, "update skills set skill_content = 'API edit' where skill_path = 'writing/technical-writing'");
            TestSupport.Run both = TestSupport.run("list", env, "--both", "-s", a.toString(), "--db", db.url());
            assertEquals(0, both.code(), both.all());
            assertTrue(both.out().contains("development/languages/java") && both.out().contains("folder ahead"), both.out());
            assertTrue(both.out().lines().anyMatch(l -> l.startsWith("writing/technical-writing") && l.endsWith("database ahead")),
                    both.out());
            assertTrue(both.out().lines().anyMatch(l -> l.startsWith("development/languages/python") && l.endsWith("in sync")));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void lintWarnsWithoutBlockingAndStrictRefuses(String kind, @TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            Path a = tmp.resolve("a/skills");
            TestSupport.write(a.resolve("misc/folder-name/SKILL.md"),
                    "---\nname: other-name\ndescription: ''\nversion: 1.0.0\n---\nbody\n");
            TestSupport.write(a.resolve("misc/clean/SKILL.md"), "---\nname: clean\ndescription: Fine.\n---\nbody\n");
            TestSupport.Run strict = TestSupport.run("export-to-db", env, "-s", a.toString(), "--db", db.url(),
                    "--strict");
            assertEquals(3, strict.code(), strict.all());
            assertTrue(strict.err().contains("skipped misc/folder-name: SKILL.md: name 'other-name' differs from the "
                    + "folder name 'folder-name'; description must be 1-1024 characters (has 0); unknown top-level "
                    + "key 'version'"), strict.err());
            assertEquals(List.of("misc/clean"), TestSupport.column(db, "select skill_path from skills"));

            TestSupport.Run warn = TestSupport.run("export-to-db", env, "-s", a.toString(), "--db", db.url());
            assertEquals(0, warn.code(), warn.all());
            assertTrue(warn.err().contains("warning: lint: misc/folder-name: name 'other-name' differs from the folder "
                    + "name 'folder-name'"), warn.err());
            assertTrue(warn.err().contains("warning: lint: misc/folder-name: unknown top-level key 'version'"));
            assertFalse(warn.err().contains("lint: misc/clean"), warn.err());
            assertEquals("2", TestSupport.column(db, "select count(*) from skills").get(0));
        }
    }

    @Test
    void completionScriptsAreGenerated() {
        TestSupport.Run r = TestSupport.run("skill-fleet", Map.of(), "generate-completion");
        assertEquals(0, r.code(), r.all());
        for (String expected : List.of("complete -F", "export-to-db", "import-from-db", "sync-db", "list",
                "--skill-path", "--prefer")) {
            assertTrue(r.out().contains(expected), expected);
        }
    }

    @Test
    void anInstalledCommandActsOnTheCallersFolder(@TempDir Path tmp) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("jbang"), TestSupport.repoRoot().resolve("jbang"));
        Path jbangDir = tmp.resolve("jbang-dir");
        // With the install folder already on PATH, JBang does not edit shell start-up files.
        String path = jbangDir.resolve("bin") + ":" + bin + ":" + System.getenv("PATH");
        Path work = tmp.resolve("work");
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), work.resolve("skills"));
        String wrapperCache = System.getenv().getOrDefault("JBANG_WRAPPER_HOME",
                Path.of(System.getProperty("user.home"), ".jbang", "wrapper").toString());
        Map<String, String> env = Map.of("JBANG_DIR", jbangDir.toString(), "PATH", path,
                "JBANG_WRAPPER_HOME", wrapperCache, "SKILL_FLEET_HOME", tmp.resolve("home").toString());
        CliTest.Proc install = CliTest.exec(work, env, bin.resolve("jbang").toString(), "app", "install", "--name", "skill-fleet",
                "skill-fleet@" + TestSupport.repoRoot());
        assertEquals(0, install.code(), install.out() + install.err());
        CliTest.Proc sync = CliTest.exec(work, env, jbangDir.resolve("bin/skill-fleet").toString(), "sync-db");
        Files.delete(bin.resolve("jbang")); // a link out of the temporary folder; JUnit would warn about it
        assertEquals(0, sync.code(), sync.out() + sync.err());
        assertTrue(sync.out().contains("sync-db: 5 created"), sync.out());
        assertTrue(Files.isDirectory(work.resolve(".skill-fleet")), "state beside the caller's skills folder");
    }
}
