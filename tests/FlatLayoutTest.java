import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Agents' folders: nested database rows installed flat (each skill at <folder>/<name>/), edits there synced back to
 * the same rows, new flat skills placed by name or under --skill-path, and two skills of one name refused; through
 * the real commands on PostgreSQL and SQLite.
 */
class FlatLayoutTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final List<String> NAMES = List.of("java", "postgres-tuning", "python", "technical-writing",
            "test-driven-development");

    @TempDir Path tmp;

    /** The sample skills exported nested into a fresh database. */
    Scene nestedRows(String kind) throws Exception {
        Scene scene = Scene.create(kind, tmp, false);
        assertEquals(0, scene.run("export-to-db", scene.a).code());
        return scene;
    }

    /** The scene's environment with HOME at a temporary folder. */
    Map<String, String> withHome(Scene scene) {
        Map<String, String> env = new HashMap<>(scene.env);
        env.put("HOME", tmp.resolve("user").toString());
        return env;
    }

    TestSupport.Run run(Scene scene, String command, String... args) {
        List<String> all = new ArrayList<>(List.of("--db", scene.db.url()));
        all.addAll(List.of(args));
        return TestSupport.run(command, withHome(scene), all.toArray(String[]::new));
    }

    /** The skill folders directly in a flat folder. */
    static List<String> folders(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The five sample skills, one row each: nothing created twice. */
    static void assertFiveRows(Scene scene) throws Exception {
        assertEquals(List.of("5"), TestSupport.column(scene.db, "select count(*) from skills"));
    }

    /** The sample skills and one more at {@code path}, of this frontmatter name, sent to a fresh database. */
    static Scene withSkill(String kind, Path tmp, String path, String name) throws Exception {
        Scene scene = Scene.create(kind, tmp, false);
        TestSupport.write(scene.a.resolve(path + "/SKILL.md"), "---\nname: " + name + "\ndescription: The skill "
                + name + " at " + path + ".\n---\n# " + name + "\n");
        assertEquals(0, scene.run("sync-db", scene.a).code());
        return scene;
    }

    /** A run that went through and took an edit to the row at {@code path}, the five sample skills one row each. */
    static void assertReached(Scene scene, TestSupport.Run run, String path, String edit) throws Exception {
        assertEquals(0, run.code(), run.all());
        assertTrue(scene.content(path).contains(edit), path);
        assertFiveRows(scene);
    }

    /** Every skill of a flat folder passes the Agent Skills rules (the tool's own lint): name equals folder, ... */
    static void assertAgentSkills(Path dir) throws Exception {
        for (String name : folders(dir)) {
            Skill skill = SkillFolder.read(dir, name, w -> { });
            assertEquals(List.of(), SkillMapping.toRecord(skill).lint(), dir + "/" + name);
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void nestedRowsInstallFlatForTwoAgentsInTheProjectAndTheUsersFolder(String kind) throws Exception {
        try (Scene scene = nestedRows(kind)) {
            // The user's folder: --global, under HOME.
            TestSupport.Run global = run(scene, "import-from-db", "--agent", "claude-code", "--global");
            assertEquals(0, global.code(), global.all());
            Path claude = tmp.resolve("user/.claude/skills");
            assertEquals(NAMES, folders(claude));
            assertAgentSkills(claude);
            TestSupport.assertSameTree(scene.a.resolve(Scene.PYTHON), claude.resolve("python"));
            TestSupport.assertSameTree(scene.a.resolve(Scene.TDD), claude.resolve("test-driven-development"));

            // The project's folders, relative to the working directory: two agents in one run.
            Path project = tmp.resolve("project");
            Map<String, String> env = new HashMap<>(withHome(scene));
            Process p = TestSupport.start(project, env, "import_from_db", "--db", scene.db.url(), "--agent",
                    "claude-code", "--agent", "codex", "--agent", "cursor");
            assertEquals(0, p.waitFor(), TestSupport.outputOf(project));
            // codex and cursor share .agents/skills: it is written once.
            assertEquals(2, TestSupport.outputOf(project).lines().filter(l -> l.startsWith("import-from-db: "))
                    .count(), TestSupport.outputOf(project));
            assertEquals(NAMES, folders(project.resolve(".claude/skills")));
            assertEquals(NAMES, folders(project.resolve(".agents/skills")));
            assertAgentSkills(project.resolve(".agents/skills"));
            TestSupport.assertSameTree(scene.a.resolve(Scene.WRITING),
                    project.resolve(".agents/skills/technical-writing"));

            // A second run changes nothing; the database kept its nested paths, one row each.
            TestSupport.Run again = run(scene, "import-from-db", "--agent", "claude-code", "--global");
            assertEquals(0, again.code(), again.all());
            assertTrue(again.out().contains(": 0 created, 0 updated"), again.out());
            assertFiveRows(scene);
            assertEquals(0, run(scene, "sync-db", "--agent", "claude-code", "--global", "--check").code());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anEditInTheFlatFolderSyncsToTheNestedRow(String kind) throws Exception {
        try (Scene scene = nestedRows(kind)) {
            assertEquals(0, run(scene, "import-from-db", "--agent", "gemini-cli", "--global").code());
            Path gemini = tmp.resolve("user/.gemini/skills");
            String id = scene.one("select skill_id from skills where skill_path = '" + Scene.PYTHON + "'");

            Scene.append(gemini, "python", "\nPrefer pathlib over os.path.\n");
            TestSupport.Run sync = run(scene, "sync-db", "--agent", "gemini-cli", "--global");
            assertEquals(0, sync.code(), sync.all());
            assertTrue(sync.out().contains(": 0 created, 1 updated"), sync.out());
            assertTrue(scene.content(Scene.PYTHON).contains("Prefer pathlib over os.path."));
            assertEquals(id, scene.one("select skill_id from skills where skill_path = '" + Scene.PYTHON + "'"));
            assertFiveRows(scene);
            assertEquals(List.of("0"), TestSupport.column(scene.db,
                    "select count(*) from skills where status = 'archived'"));

            // A no-op run stays a no-op.
            TestSupport.Run noop = run(scene, "sync-db", "--agent", "gemini-cli", "--global");
            assertEquals(0, noop.code(), noop.all());
            assertTrue(noop.out().contains(": 0 created, 0 updated"), noop.out());
            assertEquals(0, run(scene, "sync-db", "--agent", "gemini-cli", "--global", "--check").code());

            // Without the state (deleted: safe), each folder is compared with the one row of its name.
            try (Stream<Path> state = Files.list(tmp.resolve("user/.gemini/.skill-fleet"))) {
                for (Path f : state.filter(f -> f.getFileName().toString().startsWith("state-")).toList()) {
                    Files.delete(f);
                }
            }
            TestSupport.Run stateless = run(scene, "sync-db", "--agent", "gemini-cli", "--global");
            assertEquals(0, stateless.code(), stateless.all());
            assertTrue(stateless.out().contains(": 0 created, 0 updated"), stateless.out());

            // export-to-db takes an edit the same way.
            Scene.append(gemini, "java", "\nPrefer records for data.\n");
            TestSupport.Run export = run(scene, "export-to-db", "--agent", "gemini-cli", "--global");
            assertEquals(0, export.code(), export.all());
            assertTrue(scene.content(Scene.JAVA).contains("Prefer records for data."));
            assertFiveRows(scene);
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillArchivedElsewhereLeavesTheFlatFolderAndIsNotCreatedAgain(String kind) throws Exception {
        try (Scene scene = nestedRows(kind)) {
            assertEquals(0, run(scene, "import-from-db", "--agent", "codex", "--global").code());
            Path codex = tmp.resolve("user/.agents/skills");
            SkillFolder.deleteTree(scene.a.resolve(Scene.PYTHON));
            assertEquals(0, scene.run("sync-db", scene.a).code());
            assertEquals("archived", scene.one("select status from skills where skill_path = '" + Scene.PYTHON + "'"));

            // The state says the folder python stands for the archived row: the sync removes it.
            TestSupport.Run sync = run(scene, "sync-db", "--agent", "codex", "--global");
            assertEquals(0, sync.code(), sync.all());
            assertFalse(TestSupport.exists(codex.resolve("python")));
            assertFiveRows(scene);
            assertEquals(List.of("0"), TestSupport.column(scene.db,
                    "select count(*) from skills where skill_path = 'python'"));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillMovedInTheTaxonomyStaysInItsFlatFolder(String kind) throws Exception {
        try (Scene scene = nestedRows(kind)) {
            assertEquals(0, run(scene, "import-from-db", "--agent", "claude-code", "--global").code());
            Path claude = tmp.resolve("user/.claude/skills");
            String id = scene.one("select skill_id from skills where skill_path = '" + Scene.PYTHON + "'");
            Files.createDirectories(scene.a.resolve("languages"));
            Files.move(scene.a.resolve(Scene.PYTHON), scene.a.resolve("languages/python"));
            TestSupport.Run moved = scene.run("sync-db", scene.a);
            assertEquals(0, moved.code(), moved.all());
            assertEquals(id, scene.one("select skill_id from skills where skill_path = 'languages/python'"));

            TestSupport.Run sync = run(scene, "sync-db", "--agent", "claude-code", "--global");
            assertEquals(0, sync.code(), sync.all());
            TestSupport.assertSameTree(scene.a.resolve("languages/python"), claude.resolve("python"));
            // The folder now stands for the new path: an edit goes to the moved row.
            Scene.append(claude, "python", "\nAfter the move.\n");
            assertReached(scene, run(scene, "sync-db", "--agent", "claude-code", "--global"), "languages/python",
                    "After the move.");
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aNewFlatSkillGoesToItsNameOrUnderSkillPath(String kind) throws Exception {
        try (Scene scene = nestedRows(kind)) {
            Path flat = tmp.resolve("flat/skills");
            assertEquals(0, scene.run("import-from-db", flat, "--layout", "flat").code());
            TestSupport.write(flat.resolve("release-notes/SKILL.md"), "---\nname: release-notes\ndescription: Write "
                    + "release notes from merged pull requests.\n---\n# Release notes\n");
            TestSupport.Run top = scene.run("export-to-db", flat, "--layout", "flat");
            assertEquals(0, top.code(), top.all());
            assertEquals("release-notes", scene.one("select skill_path from skills where name = 'release-notes'"));

            TestSupport.write(flat.resolve("style-guide/SKILL.md"), "---\nname: style-guide\ndescription: Apply the "
                    + "house style to prose.\n---\n# Style guide\n");
            TestSupport.Run under = scene.run("export-to-db", flat, "--layout", "flat", "--skill-path", "writing");
            assertEquals(0, under.code(), under.all());
            assertEquals("writing/style-guide", scene.one("select skill_path from skills where name = 'style-guide'"));
            assertEquals(List.of("7"), TestSupport.column(scene.db, "select count(*) from skills"));

            // The state remembers where each went: a sync without --skill-path finds both sides in step.
            TestSupport.Run check = scene.run("sync-db", flat, "--layout", "flat", "--check");
            assertEquals(0, check.code(), check.all());

            // A skill folder below another folder is no skill of the flat layout: named, left alone.
            TestSupport.write(flat.resolve("group/deep/SKILL.md"), "---\nname: deep\ndescription: Deep.\n---\n");
            TestSupport.Run deep = scene.run("export-to-db", flat, "--layout", "flat");
            assertEquals(3, deep.code(), deep.all());
            assertTrue(deep.all().contains("group/deep: its folder group/deep/ lies below the top level"),
                    deep.all());
            assertEquals(List.of("0"), TestSupport.column(scene.db, "select count(*) from skills where name = 'deep'"));
            // Outside --skill-path, it is only named in a warning.
            TestSupport.Run scoped = scene.run("export-to-db", flat, "--layout", "flat", "--skill-path", "writing");
            assertEquals(0, scoped.code(), scoped.all());
            assertTrue(scoped.err().contains("warning: group/deep: its folder group/deep/ lies below the top level"),
                    scoped.err());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillWhoseNameDiffersFromItsPathGoesToThePathsLastSegment(String kind) throws Exception {
        try (Scene scene = withSkill(kind, tmp, "misc/helper", "tool-helper")) {
            Path flat = tmp.resolve("flat/skills");
            assertEquals(0, scene.run("import-from-db", flat, "--layout", "flat").code());
            TestSupport.assertSameTree(scene.a.resolve("misc/helper"), flat.resolve("helper"));
            Scene.append(flat, "helper", "More help.\n");
            TestSupport.Run export = scene.run("export-to-db", flat, "--layout", "flat");
            assertEquals(0, export.code(), export.all());
            assertTrue(export.err().contains("lint: misc/helper: name 'tool-helper' differs from the folder name "
                    + "'helper'"), export.err());
            assertTrue(scene.content("misc/helper").contains("More help."));
            Scene.append(flat, "helper", "Even more.\n");
            assertEquals(3, scene.run("export-to-db", flat, "--layout", "flat", "--strict").code());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void twoSkillsOfOneNameAreRefusedTheOthersGoThrough(String kind) throws Exception {
        try (Scene scene = withSkill(kind, tmp, "scratch/python", "python")) {
            Path flat = tmp.resolve("flat/skills");
            TestSupport.Run imported = scene.run("import-from-db", flat, "--layout", "flat");
            assertEquals(3, imported.code(), imported.all());
            assertTrue(imported.err().lines().anyMatch(l -> l.contains(Scene.PYTHON) && l.contains("scratch/python")),
                    imported.err());
            assertFalse(TestSupport.exists(flat.resolve("python")));
            assertEquals(List.of("java", "postgres-tuning", "technical-writing", "test-driven-development"),
                    folders(flat));
            assertTrue(scene.run("import-from-db", flat, "--layout", "flat", "--skill-path", "development")
                    .code() == 0);
            TestSupport.assertSameTree(scene.a.resolve(Scene.PYTHON), flat.resolve("python"));
        }
    }

    @Test
    void anAgentWithoutAUserFolderRefusesGlobal() {
        TestSupport.Run run = TestSupport.run("import-from-db", Map.of(), "--agent", "windsurf", "--global");
        assertEquals(Cli.USAGE, run.code());
        assertTrue(run.err().contains("agent 'windsurf' has no user-wide skills folder"), run.err());
        TestSupport.Run two = TestSupport.run("sync-db", Map.of(), "--agent", "codex", "--agent", "cursor");
        assertEquals(Cli.USAGE, two.code());
        assertTrue(two.err().contains("sync-db takes one --agent"), two.err());
        TestSupport.Run both = TestSupport.run("export-to-db", Map.of(), "--agent", "codex", "-s", "skills");
        assertEquals(Cli.USAGE, both.code());
        assertTrue(both.err().contains("--agent and --skills-dir both name the folder"), both.err());
        TestSupport.Run help = TestSupport.run("import-from-db", Map.of(), "--help");
        assertTrue(help.out().contains("windsurf") && help.out().contains("~/.copilot/skills"), help.out());
    }
}
