import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * A run as a whole: after a database reset the way back loses nothing (--resync), one unreadable skill does not
 * stop the others, a skill whose rows cannot become a folder says why, two runs on one folder take turns, and the
 * backup holds only what was really replaced. Through the real commands, PostgreSQL and SQLite.
 */
class RunSafetyTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String PYTHON = Scene.PYTHON;
    static final String JAVA = Scene.JAVA;

    @TempDir Path tmp;
    Scene scene;

    @AfterEach
    void tearDown() throws Exception {
        Scene.close(scene);
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void afterADatabaseResetTheBrakeExplainsForceAndResyncReExportsTheFolder(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        assertEquals(0, scene.run("sync-db", scene.a, Hooks.NONE).code());
        Map<String, byte[]> before = TestSupport.tree(scene.a);
        TestSupport.execute(scene.db, "delete from skill_fleet_skill_meta");
        // The service's dependency_closure references skills without a cascade: a reset empties it first.
        TestSupport.execute(scene.db, "delete from dependency_closure");
        TestSupport.execute(scene.db, "delete from skills");

        TestSupport.Run braked = scene.run("sync-db", scene.a, Hooks.NONE);
        assertEquals(1, braked.code(), braked.all());
        assertTrue(braked.err().contains("--force would remove them from the folder"), braked.err());
        assertTrue(braked.err().contains("--resync instead forgets the last sync"), braked.err());
        assertEquals(1, braked.err().lines().count(), "one line: " + braked.err());

        TestSupport.Run resync = scene.run("sync-db", scene.a, Hooks.NONE, "--resync");
        assertEquals(0, resync.code(), resync.all());
        assertTrue(resync.out().contains("5 created"), resync.out());
        assertEquals(before.keySet(), TestSupport.tree(scene.a).keySet(), "nothing removed from the folder");
        assertEquals("5", TestSupport.column(scene.db, "select count(*) from skills where status = 'active'").get(0));
        TestSupport.Run again = scene.run("sync-db", scene.a, Hooks.NONE);
        assertEquals(0, again.code(), again.all());
        assertTrue(again.out().contains("0 created, 0 updated, 5 unchanged"), again.out());
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aSkillFolderThatCannotBeReadIsSkippedAndTheOthersGoThrough(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        Hooks deleteJava = (moment, skill) -> {
            if (moment == Hooks.Moment.PLANNED) {
                SkillFolder.deleteTree(scene.a.resolve(JAVA));
            }
        };
        TestSupport.Run r = scene.run("export-to-db", scene.a, deleteJava);
        assertEquals(3, r.code(), r.all());
        assertTrue(r.err().contains("skipped " + JAVA + ": could not read the folder: no such file"), r.err());
        assertTrue(r.out().contains("4 created"), r.out());
        assertEquals(List.of("0"), TestSupport.column(scene.db, "select count(*) from skills where skill_path = '"
                + JAVA + "'"));
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aFileThatIsAlsoAFolderInTheRowsIsSkippedNamingBoth(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        assertEquals(0, scene.run("export-to-db", scene.a, Hooks.NONE).code());
        String id = "(select skill_id from skills where skill_path = '" + PYTHON + "')";
        TestSupport.execute(scene.db, "insert into skill_files (skill_id, file_type, relative_path, filename, content)"
                + " values (" + id + ", 'reference', 'docs', 'docs', 'a file')");
        TestSupport.execute(scene.db, "insert into skill_files (skill_id, file_type, relative_path, filename, content)"
                + " values (" + id + ", 'reference', 'docs/more.md', 'more.md', 'below it')");
        TestSupport.Run r = scene.run("import-from-db", scene.b, Hooks.NONE);
        assertEquals(3, r.code(), r.all());
        assertTrue(r.err().contains("skipped " + PYTHON + ": file path 'docs' is a file and also the folder of "
                + "'docs/more.md'"), r.err());
        assertFalse(Files.exists(scene.b.resolve(PYTHON)));
        assertTrue(Files.isRegularFile(scene.b.resolve(JAVA).resolve("SKILL.md")));
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aBackupHoldsOnlyVersionsThatWereReallyReplaced(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        assertEquals(0, scene.run("sync-db", scene.a, Hooks.NONE).code());
        TestSupport.execute(scene.db, "update skills set skill_content = skill_content || 'API edit' where skill_path = '"
                + PYTHON + "'");
        Path md = scene.a.resolve(PYTHON).resolve("SKILL.md");
        TestSupport.write(md, TestSupport.read(md) + "\nlocal edit\n");
        // --prefer local would overwrite the API edit (backing it up first), but the database refuses the write:
        // the backup must not claim a replacement.
        if (kind.equals("postgresql")) {
            TestSupport.execute(scene.db, "create function refuse() returns trigger language plpgsql as "
                    + "$$ begin raise exception 'refused by a trigger'; end $$");
            TestSupport.execute(scene.db, "create trigger refuse before update on skills for each row when "
                    + "(old.skill_path = '" + PYTHON + "') execute function refuse()");
        } else {
            TestSupport.execute(scene.db, "create trigger refuse before update on skills when old.skill_path = '"
                    + PYTHON + "' begin select raise(abort, 'refused by a trigger'); end");
        }
        TestSupport.Run r = scene.run("sync-db", scene.a, Hooks.NONE, "--prefer", "local");
        assertEquals(3, r.code(), r.all());
        assertTrue(r.err().contains("skipped " + PYTHON + ": the database refused it"), r.err());
        assertTrue(r.err().contains("refused by a trigger"), r.err());
        assertFalse(r.err().contains("local edit"), "no bound value is quoted: " + r.err());
        assertFalse(r.err().contains("replaced versions saved"), r.err());
        Path backups = scene.a.getParent().resolve(".skill-fleet/backup");
        if (Files.exists(backups)) {
            try (Stream<Path> files = Files.walk(backups)) {
                assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "no backup of an unreplaced row");
            }
        }
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aSecondRunOnTheSameFolderWaitsForTheFirst(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        Path lockFile;
        try (Stream<Path> files = Files.list(Files.createDirectories(scene.a.getParent().resolve(".skill-fleet")))) {
            assertEquals(0, files.count());
        }
        // The lock a run takes: find its name by letting one run create it.
        assertEquals(0, scene.run("sync-db", scene.a, Hooks.NONE).code());
        try (Stream<Path> files = Files.list(scene.a.getParent().resolve(".skill-fleet"))) {
            lockFile = files.filter(p -> p.getFileName().toString().startsWith("lock-")).findFirst().orElseThrow();
        }
        Path md = scene.a.resolve(PYTHON).resolve("SKILL.md");
        TestSupport.write(md, TestSupport.read(md) + "\nedited\n");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock held = ch.lock();
            Process p = TestSupport.start(tmp.resolve("proc"), scene.env, "sync_db", "-s", scene.a.toString(), "--db", scene.db.url());
            assertFalse(p.waitFor(3, TimeUnit.SECONDS), "waits while another run holds the folder");
            held.release();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), TestSupport.outputOf(tmp.resolve("proc")));
            assertTrue(TestSupport.outputOf(tmp.resolve("proc")).contains("waiting for another run on"),
                    TestSupport.outputOf(tmp.resolve("proc")));
        }
        assertEquals("1", TestSupport.column(scene.db, "select count(*) from skills where skill_path = '" + PYTHON
                + "' and skill_content like '%edited%'").get(0));
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void anEditThatKeepsTheSizeAndTheOldModificationTimeIsSeen(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(315532800000L);
        try (Stream<Path> files = Files.walk(scene.a)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(f, old);
            }
        }
        Thread.sleep(2500); // past the cache's racy window, so this run's hashes are kept and trusted next time
        assertEquals(0, scene.run("sync-db", scene.a, Hooks.NONE).code());
        // A sibling folder beside it, with the same skill paths, sizes and times: its own cache, no mix-up.
        Path sibling = scene.a.resolveSibling("other-skills");
        TestSupport.copyTree(scene.a, sibling);
        Path md = scene.a.resolve(PYTHON).resolve("SKILL.md");
        String text = TestSupport.read(md);
        String before = scene.content(PYTHON);
        // Same size: the body's last letter flips case.
        int at = text.length() - 1;
        while (!Character.isLetter(text.charAt(at))) {
            at--;
        }
        char c = text.charAt(at);
        TestSupport.write(md, text.substring(0, at) + (Character.isUpperCase(c) ? Character.toLowerCase(c)
                : Character.toUpperCase(c)) + text.substring(at + 1));
        Files.setLastModifiedTime(md, old);
        TestSupport.Run check = scene.run("sync-db", scene.a, Hooks.NONE, "--check");
        assertEquals(4, check.code(), "the edit is seen: " + check.all());
        assertEquals(0, scene.run("sync-db", scene.a, Hooks.NONE).code());
        assertFalse(scene.content(PYTHON).equals(before), "the edit reached the database");
        TestSupport.Run other = scene.run("sync-db", sibling, Hooks.NONE, "--check");
        assertEquals(4, other.code(), "the sibling's unedited copy differs from the database: " + other.all());
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aFileNameWithALineBreakIsRefusedInOneLine(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        TestSupport.write(scene.a.resolve(PYTHON).resolve("run\nSKILL.md"), "echo hi\n");
        TestSupport.Run r = scene.run("export-to-db", scene.a, Hooks.NONE);
        assertEquals(3, r.code(), r.all());
        assertTrue(r.err().contains("skipped " + PYTHON + ": run?SKILL.md: a control character"), r.err());
        assertTrue(r.out().contains("4 created"), r.out());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("skipped " + PYTHON)).count(), r.err());
        assertFalse(r.err().contains("run\nSKILL.md"), "the name is never printed with its line break");
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void exportForceBacksUpTheDatabaseVersionItOverwrites(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        assertEquals(0, scene.run("export-to-db", scene.a, Hooks.NONE).code());
        TestSupport.execute(scene.db, "update skills set skill_content = skill_content || 'API edit' where skill_path = '"
                + PYTHON + "'");
        Scene.append(scene.a, PYTHON, "\nlocal edit\n");
        TestSupport.Run r = scene.run("export-to-db", scene.a, Hooks.NONE, "-f");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("replaced versions saved in"), r.err());
        try (Stream<Path> files = Files.walk(scene.a.getParent().resolve(".skill-fleet/backup"))) {
            Path md = files.filter(p -> p.endsWith(Path.of("database", PYTHON, "SKILL.md"))).findFirst().orElseThrow();
            assertTrue(TestSupport.read(md).endsWith("API edit"), "the overwritten API edit is in the backup");
        }
    }
}
