import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The flat layout never loses or mixes up a skill: each case an adversarial pass found (a state recording one name
 * twice, a flat folder synced as nested, a folder below the top level, a folder deleted and put back, a renamed
 * folder, a move in the database beside an edit in the folder, an archived and a live skill of one name) through the
 * real commands on PostgreSQL and SQLite.
 */
class FlatLayoutSafetyTest {
    static final List<String> KINDS = TestDatabases.KINDS;

    @TempDir Path tmp;

    /** The sample skills exported nested, then imported flat into {@link #flat()}. */
    Scene installed(String kind) throws Exception {
        Scene scene = Scene.create(kind, tmp, false);
        assertEquals(0, scene.run("sync-db", scene.a).code());
        TestSupport.Run run = scene.run("import-from-db", flat(), "--layout", "flat");
        assertEquals(0, run.code(), run.all());
        return scene;
    }

    /** The sample skills and one more at {@code path} (two segments), synced, then deleted and synced: archived. */
    Scene withArchived(String kind, String path) throws Exception {
        Scene scene = FlatLayoutTest.withSkill(kind, tmp, path, FlatLayout.name(path));
        SkillFolder.deleteTree(scene.a.resolve(path).getParent());
        assertEquals(0, scene.run("sync-db", scene.a).code());
        assertEquals("archived", scene.one("select status from skills where skill_path = '" + path + "'"));
        return scene;
    }

    /** Renames the flat folder python/ and its SKILL.md's name, as a user renaming the skill does. */
    void renamePython(String to) throws Exception {
        Files.move(flat().resolve("python"), flat().resolve(to));
        Path md = flat().resolve(to + "/SKILL.md");
        TestSupport.write(md, TestSupport.read(md).replace("name: python", "name: " + to));
    }

    /** Renames python/ to {@code to}/ and syncs: the row is renamed beside its old path, its skill_id kept. */
    void assertRenamedBeside(Scene scene, String to) throws Exception {
        String id = scene.one("select skill_id from skills where skill_path = '" + Scene.PYTHON + "'");
        renamePython(to);
        TestSupport.Run sync = scene.run("sync-db", flat());
        assertEquals(0, sync.code(), sync.all());
        assertEquals(id, scene.one("select skill_id from skills where skill_path = 'development/languages/" + to
                + "'"));
    }

    /** Deletes the flat folder python/ (kept aside: returned) and syncs: its row is archived. */
    Path archivePython(Scene scene) throws Exception {
        Path kept = tmp.resolve("kept/python");
        TestSupport.copyTree(flat().resolve("python"), kept);
        SkillFolder.deleteTree(flat().resolve("python"));
        assertEquals(0, scene.run("sync-db", flat()).code());
        return kept;
    }

    /** Five rows, and the flat folder in step with them. */
    void assertFiveRowsInStep(Scene scene) throws Exception {
        FlatLayoutTest.assertFiveRows(scene);
        assertEquals(0, scene.run("sync-db", flat(), "--check").code());
    }

    Path flat() {
        return tmp.resolve("agent/skills");
    }

    /** Every skill path of the database with its status and id, in path order. */
    static List<String> rows(Scene scene) throws Exception {
        return TestSupport.column(scene.db, "select skill_path || ' ' || cast(status as text) || ' ' || skill_id "
                + "from skills order by skill_path");
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aStateRecordingOneNameTwiceIsRefusedNotMixedUp(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            List<String> before = rows(scene);
            String python = scene.content(Scene.PYTHON);
            Path state;
            try (Stream<Path> s = Files.list(tmp.resolve("agent/.skill-fleet"))) {
                state = s.filter(f -> f.getFileName().toString().startsWith("state-")).findFirst().orElseThrow();
            }
            String line = TestSupport.read(state).lines().filter(l -> l.endsWith("  " + Scene.PYTHON)).findFirst()
                    .orElseThrow();
            Files.writeString(state, TestSupport.read(state) + line.replace(Scene.PYTHON, "scratch/python") + "\n");
            Scene.append(flat(), "python", "\nAn edit.\n");

            TestSupport.Run sync = scene.run("sync-db", flat());
            assertEquals(3, sync.code(), sync.all());
            assertTrue(sync.all().lines().anyMatch(l -> l.contains("records 2 skills named 'python'")
                    && l.contains(Scene.PYTHON) && l.contains("scratch/python")), sync.all());
            assertEquals(before, rows(scene));
            assertEquals(python, scene.content(Scene.PYTHON));
            assertTrue(TestSupport.read(flat().resolve("python/SKILL.md")).contains("An edit."));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFolderIsNeverSwitchedBetweenLayouts(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            List<String> before = rows(scene);
            // Without --layout, a folder keeps the layout it was synced in.
            Scene.append(flat(), "java", "\nRecords.\n");
            TestSupport.Run sync = scene.run("sync-db", flat());
            assertEquals(0, sync.code(), sync.all());
            assertTrue(scene.content(Scene.JAVA).contains("Records."));
            assertEquals(before, rows(scene));

            TestSupport.Run nested = scene.run("sync-db", flat(), "--layout", "nested");
            assertEquals(Cli.ERROR, nested.code(), nested.all());
            assertTrue(nested.err().contains("holds its skills in the flat layout"), nested.err());
            assertTrue(nested.err().contains("nothing was changed"), nested.err());
            assertEquals(before, rows(scene));
            assertEquals(List.of("java", "postgres-tuning", "python", "technical-writing",
                    "test-driven-development"), FlatLayoutTest.folders(flat()));

            // The nested folder the rows came from is not taken for a flat one either.
            TestSupport.Run asFlat = scene.run("export-to-db", scene.a, "--layout", "flat");
            assertEquals(Cli.ERROR, asFlat.code(), asFlat.all());
            assertTrue(asFlat.err().contains("holds its skills in the nested layout"), asFlat.err());
            assertEquals(before, rows(scene));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillFolderBelowTheTopLevelIsSkippedNeverArchived(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            List<String> before = rows(scene);
            Files.createDirectories(flat().resolve("group"));
            Files.move(flat().resolve("python"), flat().resolve("group/python"));
            TestSupport.Run sync = scene.run("sync-db", flat());
            assertEquals(3, sync.code(), sync.all());
            assertTrue(sync.all().contains("group/python/ lies below the top level"), sync.all());
            assertEquals(before, rows(scene));
            assertFalse(TestSupport.exists(flat().resolve("python")));
            // Moved back up, it is the same skill again: nothing to do.
            Files.move(flat().resolve("group/python"), flat().resolve("python"));
            TestSupport.Run back = scene.run("sync-db", flat(), "--check");
            assertEquals(0, back.code(), back.all());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFolderDeletedAndPutBackRestoresItsRow(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            String id = scene.one("select skill_id from skills where skill_path = '" + Scene.PYTHON + "'");
            Path kept = archivePython(scene);
            assertEquals("archived", scene.one("select status from skills where skill_path = '" + Scene.PYTHON + "'"));

            TestSupport.copyTree(kept, flat().resolve("python"));
            TestSupport.Run back = scene.run("sync-db", flat());
            assertEquals(0, back.code(), back.all());
            assertEquals("active " + id, scene.one("select cast(status as text) || ' ' || skill_id from skills "
                    + "where skill_path = '" + Scene.PYTHON + "'"));
            assertFiveRowsInStep(scene);
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aRenamedFlatFolderKeepsItsPlaceInTheTaxonomy(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            assertRenamedBeside(scene, "py");
            assertFiveRowsInStep(scene);
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aMoveInTheDatabaseAndAnEditInTheFlatFolderMeet(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            String id = scene.one("select skill_id from skills where skill_path = '" + Scene.PYTHON + "'");
            Files.createDirectories(scene.a.resolve("languages"));
            Files.move(scene.a.resolve(Scene.PYTHON), scene.a.resolve("languages/python"));
            assertEquals(0, scene.run("sync-db", scene.a).code());
            Scene.append(flat(), "python", "\nAn edit made while the skill moved.\n");

            FlatLayoutTest.assertReached(scene, scene.run("sync-db", flat()), "languages/python",
                    "An edit made while the skill moved.");
            assertEquals(id, scene.one("select skill_id from skills where skill_path = 'languages/python'"));
            assertEquals(0, scene.run("sync-db", flat(), "--check").code());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anArchivedAndALiveSkillOfOneNameAreRefusedWhenBothAreAsked(String kind) throws Exception {
        try (Scene scene = withArchived(kind, "scratch/python")) {

            // Active skills only: the archived one is not in play.
            TestSupport.Run active = scene.run("import-from-db", flat(), "--layout", "flat");
            assertEquals(0, active.code(), active.all());
            TestSupport.assertSameTree(scene.a.resolve(Scene.PYTHON), flat().resolve("python"));

            Path all = tmp.resolve("all/skills");
            TestSupport.Run both = scene.run("import-from-db", all, "--layout", "flat", "--status", "all");
            assertEquals(3, both.code(), both.all());
            assertTrue(both.all().lines().anyMatch(l -> l.contains("two skills named 'python'")
                    && l.contains("scratch/python") && l.contains(Scene.PYTHON)), both.all());
            assertFalse(TestSupport.exists(all.resolve("python")));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aNewFlatSkillIsNotCreatedBesideALiveOneOfItsNameOutsideTheScope(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            Path fresh = tmp.resolve("fresh/skills");
            TestSupport.write(fresh.resolve("python/SKILL.md"), "---\nname: python\ndescription: Another python."
                    + "\n---\n# Another\n");
            TestSupport.Run run = scene.run("export-to-db", fresh, "--layout", "flat", "--skill-path", "writing");
            assertEquals(3, run.code(), run.all());
            assertTrue(run.all().contains("a live skill named 'python' exists at " + Scene.PYTHON), run.all());
            FlatLayoutTest.assertFiveRows(scene);
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void diffComparesAFlatFolderWithTheRowsItStandsForAndRestoreRefusesIt(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            TestSupport.Run same = scene.run("diff", flat());
            assertEquals(0, same.code(), same.all());
            Scene.append(flat(), "python", "A line only the folder has.\n");
            TestSupport.Run diff = scene.run("diff", flat());
            assertEquals(4, diff.code(), diff.all());
            assertTrue(diff.out().contains(Scene.PYTHON) && diff.out().contains("+A line only the folder has."),
                    diff.out());
            assertFalse(diff.out().contains("java"), diff.out());
            TestSupport.Run both = scene.run("list", flat(), "--both");
            assertEquals(0, both.code(), both.all());
            assertTrue(both.out().lines().anyMatch(l -> l.startsWith(Scene.PYTHON) && l.endsWith("folder ahead")),
                    both.out());
            assertTrue(both.out().lines().anyMatch(l -> l.startsWith(Scene.JAVA) && l.endsWith("in sync")),
                    both.out());
            TestSupport.Run base = scene.run("diff", flat(), "--base");
            assertEquals(4, base.code(), base.all());
            assertTrue(base.out().contains("+A line only the folder has."), base.out());

            TestSupport.Run restore = scene.run("restore", flat(), Scene.JAVA, "--version", "1");
            assertEquals(Cli.ERROR, restore.code(), restore.all());
            assertTrue(restore.err().contains("flat layout: restore with --to-db, then sync-db"), restore.err());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anArchivedRowIsNotRestoredWhileALiveSkillOfItsNameIsOutOfScope(String kind) throws Exception {
        try (Scene scene = Scene.create(kind, tmp, false)) {
            assertEquals(0, scene.run("sync-db", scene.a).code());
            SkillFolder.deleteTree(scene.a.resolve(Scene.PYTHON));
            assertEquals(0, scene.run("sync-db", scene.a).code());
            TestSupport.write(scene.a.resolve("coding/python/SKILL.md"), "---\nname: python\ndescription: Other "
                    + "notes.\n---\n# Other\n");
            assertEquals(0, scene.run("sync-db", scene.a).code());
            List<String> before = rows(scene);

            TestSupport.write(flat().resolve("python/SKILL.md"), "---\nname: python\ndescription: Mine.\n---\n"
                    + "# Mine\n");
            TestSupport.Run run = scene.run("sync-db", flat(), "--layout", "flat", "--skill-path", "development");
            assertEquals(3, run.code(), run.all());
            assertTrue(run.all().contains("a live skill named 'python' exists at coding/python, outside this "
                    + "run's scope"), run.all());
            assertEquals(before, rows(scene));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSkillMovedOutOfTheScopeTakesItsFolderAlong(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            Files.createDirectories(scene.a.resolve("tools"));
            Files.move(scene.a.resolve(Scene.PYTHON), scene.a.resolve("tools/python"));
            assertEquals(0, scene.run("sync-db", scene.a).code());
            List<String> before = rows(scene);
            Scene.append(flat(), "python", "\nEdited in the agent's folder.\n");

            TestSupport.Run scoped = scene.run("sync-db", flat(), "--skill-path", "development");
            assertEquals(0, scoped.code(), scoped.all());
            assertEquals(before, rows(scene));
            assertTrue(TestSupport.read(flat().resolve("python/SKILL.md")).contains("Edited in the agent's folder."));

            FlatLayoutTest.assertReached(scene, scene.run("sync-db", flat()), "tools/python",
                    "Edited in the agent's folder.");
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aNewFlatSkillNamedLikeACategoryIsRefusedNotNestedAroundOthers(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            TestSupport.write(flat().resolve("development/SKILL.md"), "---\nname: development\ndescription: "
                    + "Everything.\n---\n# All of it\n");
            TestSupport.Run run = scene.run("sync-db", flat());
            assertEquals(3, run.code(), run.all());
            assertTrue(run.all().contains("a new skill at development would hold the skill development/"), run.all());
            assertEquals(List.of("0"), TestSupport.column(scene.db,
                    "select count(*) from skills where skill_path = 'development'"));
            assertEquals(0, scene.run("sync-db", scene.a, "--check").code());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void theLayoutIsRecordedByARunThatCompletesAndTravelsWithTheFolder(String kind) throws Exception {
        try (Scene scene = Scene.create(kind, tmp, false)) {
            Path folder = tmp.resolve("c/skills");
            Scene.samples(folder);
            TestSupport.Run away = TestSupport.run("sync-db", scene.env, "-s", folder.toString(), "--layout", "flat",
                    "--db", "postgresql://postgres@127.0.0.1:1/nowhere");
            assertEquals(Cli.ERROR, away.code(), away.all());
            TestSupport.Run nested = scene.run("sync-db", folder, "--layout", "nested");
            assertEquals(0, nested.code(), nested.all());

            // An import that finds nothing to install still makes the folder flat.
            Path empty = tmp.resolve("empty/skills");
            assertEquals(0, scene.run("import-from-db", empty, "--layout", "flat", "--status", "draft").code());
            TestSupport.write(empty.resolve("notes/SKILL.md"), "---\nname: notes\ndescription: Notes.\n---\n# N\n");
            assertEquals(0, scene.run("sync-db", empty).code());
            assertEquals("notes", scene.one("select skill_path from skills where name = 'notes'"));
            assertEquals(Cli.ERROR, scene.run("sync-db", empty, "--layout", "nested").code());

            // The folder says it is flat: reached by another path (a link), it is still flat.
            assertEquals(0, scene.run("import-from-db", flat(), "--layout", "flat").code());
            Path other = tmp.resolve("other/skills");
            Files.createDirectories(other.getParent());
            Files.createSymbolicLink(other, flat());
            TestSupport.Run linked = scene.run("sync-db", other, "--check");
            assertEquals(0, linked.code(), linked.all());
            assertEquals(Cli.ERROR, scene.run("sync-db", other, "--layout", "nested").code());

            // Without that file, the state still records the layout.
            Files.delete(flat().resolve(LocalSide.FLAT_MARKER));
            TestSupport.Run check = scene.run("sync-db", flat(), "--check");
            assertEquals(0, check.code(), check.all());
            TestSupport.Run doctor = scene.run("doctor", flat());
            assertTrue(doctor.out().contains("skills, last synced with ") && doctor.out().contains(", in the flat "
                    + "layout"), doctor.out());
            TestSupport.Run asNested = scene.run("sync-db", flat(), "--layout", "nested");
            assertEquals(Cli.ERROR, asNested.code(), asNested.all());
            assertTrue(asNested.err().contains("holds its skills in the flat layout"), asNested.err());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFolderHoldingAnArchivedSkillIsNotTakenForALiveOneOfItsName(String kind) throws Exception {
        try (Scene scene = Scene.create(kind, tmp, false)) {
            TestSupport.copyTree(scene.a.resolve(Scene.JAVA), scene.a.resolve("scratch/java"));
            Scene.append(scene.a, "scratch/java", "\nScratch only.\n");
            assertEquals(0, scene.run("sync-db", scene.a).code());
            SkillFolder.deleteTree(scene.a.resolve("scratch"));
            assertEquals(0, scene.run("sync-db", scene.a).code());
            String java = scene.content(Scene.JAVA);
            TestSupport.Run archived = scene.run("import-from-db", flat(), "--layout", "flat", "--status", "archived");
            assertEquals(0, archived.code(), archived.all());

            Scene.append(flat(), "java", "\nEdited.\n");
            TestSupport.Run sync = scene.run("sync-db", flat(), "--prefer", "local");
            assertEquals(3, sync.code(), sync.all());
            assertTrue(sync.all().contains("would share the folder java/ of the flat layout with scratch/java"),
                    sync.all());
            assertEquals(java, scene.content(Scene.JAVA));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFolderRenamedToANameThatCannotBeSentArchivesNothing(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            List<String> before = rows(scene);
            renamePython("development");
            TestSupport.Run sync = scene.run("sync-db", flat());
            assertEquals(3, sync.code(), sync.all());
            assertTrue(sync.all().contains("skipped " + Scene.PYTHON + ": its folder python/ is gone while the new "
                    + "folder development/ cannot be sent"), sync.all());
            assertEquals(before, rows(scene));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aResyncOfPartOfAFlatFolderLeavesTheRestAlone(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            TestSupport.Run resync = scene.run("sync-db", flat(), "--resync", "--skill-path", "writing");
            assertEquals(0, resync.code(), resync.all());
            assertFalse(resync.all().lines().anyMatch(l -> l.startsWith("skipped ")), resync.all());
            assertTrue(resync.out().contains("0 skipped"), resync.out());
            assertEquals(0, scene.run("sync-db", flat(), "--check").code());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void anImportFollowsTheLiveSkillOfANameWhoseRecordedOneWasArchived(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            SkillFolder.deleteTree(scene.a.resolve(Scene.PYTHON));
            assertEquals(0, scene.run("sync-db", scene.a).code());
            TestSupport.write(scene.a.resolve("scratch/python/SKILL.md"), "---\nname: python\ndescription: The new "
                    + "one.\n---\n# New python\n");
            assertEquals(0, scene.run("sync-db", scene.a).code());
            TestSupport.Run run = scene.run("import-from-db", flat());
            assertEquals(0, run.code(), run.all());
            TestSupport.assertSameTree(scene.a.resolve("scratch/python"), flat().resolve("python"));
            assertEquals(0, scene.run("import-from-db", flat()).code());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFolderRenamedToAnArchivedSkillsNameIsRenamedNotWrittenIntoThatRow(String kind) throws Exception {
        try (Scene scene = withArchived(kind, "legacy/old")) {
            String old = scene.content("legacy/old");
            assertEquals(0, scene.run("import-from-db", flat(), "--layout", "flat").code());
            assertRenamedBeside(scene, "old");
            assertEquals(old, scene.content("legacy/old"));
            assertEquals("archived", scene.one("select status from skills where skill_path = 'legacy/old'"));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFolderRenamedToANameTwoRowsShareArchivesNothing(String kind) throws Exception {
        try (Scene scene = Scene.create(kind, tmp, false)) {
            for (String p : List.of("a", "b")) {
                TestSupport.write(scene.a.resolve(p + "/dup/SKILL.md"), "---\nname: dup\ndescription: " + p
                        + ".\n---\n# " + p + "\n");
            }
            assertEquals(0, scene.run("sync-db", scene.a).code());
            assertEquals(3, scene.run("import-from-db", flat(), "--layout", "flat").code());
            List<String> before = rows(scene);
            Files.move(flat().resolve("java"), flat().resolve("dup"));
            TestSupport.Run sync = scene.run("sync-db", flat());
            assertEquals(3, sync.code(), sync.all());
            assertEquals(before, rows(scene));
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aNameHeldAtTheTopAndBelowIsRefusedWhicheverWasEdited(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            TestSupport.copyTree(scene.a.resolve(Scene.PYTHON), flat().resolve(Scene.PYTHON));
            Scene.append(flat(), Scene.PYTHON, "\nEdited below.\n");
            TestSupport.Run sync = scene.run("sync-db", flat());
            assertEquals(3, sync.code(), sync.all());
            assertTrue(sync.all().contains("both python/ and " + Scene.PYTHON + "/ hold a skill named 'python'"),
                    sync.all());
            assertEquals(4, scene.run("sync-db", flat(), "--check").code());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFlatFolderStaysFlatWithAnotherDatabaseAndAMarkThatDisagreesIsRefused(String kind) throws Exception {
        try (Scene scene = installed(kind); Scene second = Scene.create(kind, tmp.resolve("second"), false)) {
            assertEquals(0, second.run("export-to-db", second.a).code());
            Files.delete(flat().resolve(LocalSide.FLAT_MARKER));
            TestSupport.Run other = second.run("sync-db", flat(), "-n");
            assertEquals(0, other.code(), other.all());
            assertTrue(other.out().contains(": 0 created, 0 updated"), other.out());

            TestSupport.write(scene.a.resolve(LocalSide.FLAT_MARKER), "flat\n");
            TestSupport.Run nested = scene.run("sync-db", scene.a);
            assertEquals(Cli.ERROR, nested.code(), nested.all());
            assertTrue(nested.err().contains("says the folder is flat, but its last sync with this database"),
                    nested.err());
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFolderPutBackWhileAnotherIsGoneIsRestoredByTheNextSyncNeverCreatedTwice(String kind) throws Exception {
        try (Scene scene = installed(kind)) {
            String id = scene.one("select skill_id from skills where skill_path = '" + Scene.PYTHON + "'");
            Path kept = archivePython(scene);
            TestSupport.copyTree(kept, flat().resolve("python"));
            SkillFolder.deleteTree(flat().resolve("java"));

            TestSupport.Run both = scene.run("sync-db", flat());
            assertEquals(3, both.code(), both.all());
            assertTrue(both.all().contains("not restored this run"), both.all());
            assertEquals("archived", scene.one("select status from skills where skill_path = '" + Scene.JAVA + "'"));
            TestSupport.Run next = scene.run("sync-db", flat());
            assertEquals(0, next.code(), next.all());
            assertEquals("active " + id, scene.one("select cast(status as text) || ' ' || skill_id from skills "
                    + "where skill_path = '" + Scene.PYTHON + "'"));
            FlatLayoutTest.assertFiveRows(scene);
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aNestedFolderIsNotMadeFlatThroughAnotherDatabase(String kind) throws Exception {
        try (Scene scene = Scene.create(kind, tmp, false); Scene second = Scene.create(kind, tmp.resolve("second"),
                false)) {
            assertEquals(0, scene.run("sync-db", scene.a).code());
            assertEquals(0, second.run("export-to-db", second.a).code());
            Map<String, byte[]> before = TestSupport.tree(scene.a);
            TestSupport.Run flat = second.run("import-from-db", scene.a, "--layout", "flat");
            assertEquals(Cli.ERROR, flat.code(), flat.all());
            assertTrue(flat.err().contains("holds its skills in the nested layout"), flat.err());
            assertEquals(before.keySet(), TestSupport.tree(scene.a).keySet());
        }
    }
}
