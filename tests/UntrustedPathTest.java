import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Each untrusted file path from the database, alone in a skill of its own, is refused by its own rule: in
 * HostileInputTest every bad path shares one skill, so that skill stays refused even when one rule is gone (the
 * mutation check's path-backslash-allowed showed it). Written by other tooling, straight into skill_files.
 */
class UntrustedPathTest {
    static final List<String> KINDS = TestDatabases.KINDS;

    @ParameterizedTest
    @FieldSource("KINDS")
    void eachUnsafeFilePathIsRefusedOnItsOwn(String kind, @TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        Path outside = tmp.resolve("outside.txt");
        List<String> bad = List.of("../escape.txt", "x/../../y.txt", "./dot.txt", "a\\b.txt", "x//y.txt",
                outside.toString(), ".skill-fleet-new-x/f.txt");
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            Path src = tmp.resolve("src/skills");
            TestSupport.write(src.resolve("good/ok/SKILL.md"), "---\nname: ok\n---\nfine\n");
            for (int i = 0; i < bad.size(); i++) {
                TestSupport.write(src.resolve("bad/s" + i + "/SKILL.md"), "---\nname: s" + i + "\n---\nbody\n");
            }
            assertEquals(0, TestSupport.run("export-to-db", env, "-s", src.toString(), "--db", db.url()).code());
            try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("insert into skill_files "
                    + "(skill_id, file_type, relative_path, filename, content) values ((select skill_id from skills "
                    + "where skill_path = ?), 'reference', ?, 'f', 'owned')")) {
                for (int i = 0; i < bad.size(); i++) {
                    ps.setString(1, "bad/s" + i);
                    ps.setString(2, bad.get(i));
                    ps.executeUpdate();
                }
            }
            Path dst = tmp.resolve("dst/skills");
            TestSupport.Run r = TestSupport.run("import-from-db", env, "--status", "all", "-s", dst.toString(),
                    "--db", db.url());
            assertEquals(3, r.code(), r.all());
            for (int i = 0; i < bad.size(); i++) {
                assertTrue(r.err().contains("skipped bad/s" + i + ": file path '" + SkillMapping.abbreviate(bad.get(i))
                        + "' is not a safe relative path"), bad.get(i) + ": " + r.err());
                assertFalse(Files.exists(dst.resolve("bad/s" + i)), bad.get(i));
            }
            assertTrue(Files.isRegularFile(dst.resolve("good/ok/SKILL.md")), "the others go through");
            assertFalse(Files.exists(dst.resolve("bad/escape.txt")));
            assertFalse(Files.exists(dst.resolve("y.txt")));
            assertFalse(Files.exists(outside));
        }
    }

    /**
     * A hostile path in a row that --prefer local overwrites goes neither into the backup of the database version
     * (written beside the folder) nor, through history, into the folder when that version is restored.
     */
    @ParameterizedTest
    @FieldSource("KINDS")
    void aHostileRowIsNeitherBackedUpNorRestoredWhereItsPathsPoint(String kind, @TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        Path a = tmp.resolve("deep/er/still/a/skills");
        TestSupport.write(a.resolve("t/x/SKILL.md"), "---\nname: x\ndescription: d\n---\nbody\n");
        TestSupport.write(a.resolve("t/x/r/a.md"), "ref\n");
        String escape = "../../../../../../../pwned.txt";
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
            TestSupport.execute(db, "update skill_files set relative_path = '" + escape + "' where relative_path = "
                    + "'r/a.md'");
            TestSupport.write(a.resolve("t/x/SKILL.md"), "---\nname: x\ndescription: d\n---\nbody, edited\n");
            TestSupport.Run prefer = TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url(), "--prefer",
                    "local");
            assertEquals(0, prefer.code(), prefer.all());
            try (var walk = Files.walk(tmp)) {
                assertEquals(List.of(), walk.filter(p -> p.getFileName().toString().equals("pwned.txt")).toList(),
                        "nothing written where the row's path points");
            }
            TestSupport.Run log = TestSupport.run("log", env, "-s", a.toString(), "--db", db.url(), "t/x");
            assertEquals(0, log.code(), log.all());
            TestSupport.Run restore = TestSupport.run("restore", env, "-s", a.toString(), "--db", db.url(), "t/x",
                    "--version", "1");
            assertEquals(1, restore.code(), restore.all());
            assertTrue(restore.err().contains("version 1 of t/x cannot be restored: file path '" + escape
                    + "' is not a safe relative path; nothing restored"), restore.err());
            try (var walk = Files.walk(tmp)) {
                assertEquals(List.of(), walk.filter(p -> p.getFileName().toString().equals("pwned.txt")).toList());
            }
            assertTrue(TestSupport.read(a.resolve("t/x/SKILL.md")).contains("body, edited"), "the folder untouched");
        }
    }
}
