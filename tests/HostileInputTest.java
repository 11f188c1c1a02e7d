import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Hostile or unusual input (tests/fixtures/hostile/): each case is stored faithfully or refused with a one-line
 * reason, never a stack trace, never a partial write; and paths coming from the database never write outside the
 * skills folder.
 */
class HostileInputTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final Map<String, String> REFUSED = Map.of(
            "empty-skill-md", "SKILL.md: no YAML frontmatter",
            "no-frontmatter", "SKILL.md: no YAML frontmatter",
            "frontmatter-not-mapping", "SKILL.md: frontmatter is not a mapping",
            "duplicate-keys", "SKILL.md: unreadable YAML frontmatter: found duplicate key",
            "billion-laughs", "SKILL.md: unreadable YAML frontmatter: Number of aliases for non-scalar nodes exceeds",
            "non-utf8-skill-md", "SKILL.md: not valid UTF-8",
            "generated/too-big", "assets/blob.bin: 10485761 bytes, over --max-file-size (10485760 bytes)");
    static final List<String> STORED = List.of("crlf-line-endings", "utf8-bom", "non-utf8-supporting-file",
            "generated/huge-description");

    @ParameterizedTest
    @FieldSource("KINDS")
    void everyCaseIsStoredFaithfullyOrRefusedInOneLine(String kind, @TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("src/skills");
        TestSupport.copyTree(TestSupport.repoRoot().resolve("tests/fixtures/hostile"), src);
        String description = "x".repeat(1024 * 1024);
        TestSupport.write(src.resolve("generated/huge-description/SKILL.md"),
                "---\nname: huge-description\ndescription: " + description + "\n---\nbody\n");
        TestSupport.write(src.resolve("generated/too-big/SKILL.md"), "---\nname: too-big\n---\nbody\n");
        Files.createDirectories(src.resolve("generated/too-big/assets"));
        Files.write(src.resolve("generated/too-big/assets/blob.bin"), new byte[10 * 1024 * 1024 + 1]);
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            TestSupport.Run r = TestSupport.run("export-to-db", env, "-s", src.toString(), "--db", db.url());
            assertEquals(3, r.code(), r.all());
            for (Map.Entry<String, String> e : REFUSED.entrySet()) {
                assertTrue(r.err().contains("skipped " + e.getKey() + ": " + e.getValue()), e.getKey() + "\n" + r.err());
            }
            assertFalse(r.all().contains("\tat "), "no stack trace: " + r.all());
            assertEquals(REFUSED.size(), r.err().lines().filter(l -> l.startsWith("skipped ")).count(), r.err());
            assertEquals(STORED.stream().sorted().toList(),
                    TestSupport.column(db, "select skill_path from skills order by skill_path"));
            assertEquals(description, TestSupport.column(db,
                    "select description from skills where name = 'huge-description'").get(0));

            Path dst = tmp.resolve("dst/skills");
            TestSupport.Run imp = TestSupport.run("import-from-db", env, "--status", "all", "-s", dst.toString(),
                    "--db", db.url());
            assertEquals(0, imp.code(), imp.all());
            for (String stored : STORED) {
                Map<String, byte[]> expected = TestSupport.tree(src.resolve(stored));
                Map<String, byte[]> actual = TestSupport.tree(dst.resolve(stored));
                assertEquals(expected.keySet(), actual.keySet(), stored);
                for (String f : expected.keySet()) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(expected.get(f), actual.get(f), stored + "/" + f);
                }
            }
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void untrustedPathsFromTheDatabaseNeverWriteOutsideTheFolder(String kind, @TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            Path src = tmp.resolve("src/skills");
            TestSupport.write(src.resolve("safe/ok/SKILL.md"), "---\nname: ok\n---\nfine\n");
            TestSupport.write(src.resolve("linked/target/SKILL.md"), "---\nname: target\n---\nfine\n");
            assertEquals(0, TestSupport.run("export-to-db", env, "-s", src.toString(), "--db", db.url()).code());
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                if (kind.equals("postgresql")) {
                    // A database built by other tooling may have no CHECK at all.
                    st.execute("alter table skills drop constraint if exists skill_path_format");
                } else {
                    st.execute("pragma ignore_check_constraints = true");
                }
                String ok = "(select skill_id from skills where skill_path = 'safe/ok')";
                for (String bad : List.of("../escape.txt", "/etc/evil", "a\\\\b.txt", "x/../../y.txt", "./dot.txt")) {
                    st.execute("insert into skill_files (skill_id, file_type, relative_path, filename, content)"
                            + " values (" + ok + ", 'reference', '" + bad + "', 'f', 'owned')");
                }
                st.execute("insert into skills (skill_path, name, description, type, status, skill_content)"
                        + " values ('../outside', 'outside', '', 'tool', 'active', 'x')");
                st.execute("insert into skills (skill_path, name, description, type, status, skill_content)"
                        + " values ('/abs/path', 'abs', '', 'tool', 'active', 'x')");
            }
            Path dst = tmp.resolve("dst/skills");
            Files.createDirectories(dst);
            // A folder of the target tree that is a symbolic link to somewhere else.
            Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
            Files.createSymbolicLink(dst.resolve("linked"), elsewhere);
            TestSupport.Run r = TestSupport.run("import-from-db", env, "--status", "all", "-s", dst.toString(),
                    "--db", db.url());
            assertEquals(3, r.code(), r.all());
            assertTrue(r.err().contains("skipped safe/ok: file path '"), r.err());
            assertTrue(r.err().contains("skipped ../outside: skill_path is not a safe relative folder path"), r.err());
            assertTrue(r.err().contains("skipped /abs/path: skill_path is not a safe relative folder path"), r.err());
            assertTrue(r.err().contains("skipped linked/target: the folder path goes through the symbolic link linked"),
                    r.err());
            assertFalse(Files.exists(tmp.resolve("dst/outside")));
            assertFalse(Files.exists(tmp.resolve("dst/escape.txt")));
            try (var files = Files.list(elsewhere)) {
                assertEquals(0, files.count(), "nothing written through the link");
            }
        }
    }
}
