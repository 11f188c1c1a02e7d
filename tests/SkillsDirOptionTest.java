import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Option values that cannot be right are refused in one line before anything is read or written. */
class SkillsDirOptionTest {
    static final List<String> KINDS = TestDatabases.KINDS;

    @TempDir Path tmp;

    @ParameterizedTest
    @FieldSource("KINDS")
    void aFileGivenAsTheSkillsFolderIsRefusedByEveryCommand(String kind) throws Exception {
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            Path samples = tmp.resolve("samples/skills");
            TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), samples);
            assertEquals(0, TestSupport.run("export-to-db", Map.of(), "-s", samples.toString(), "--db", db.url())
                    .code(), "the database holds skills, so import and sync have something to write");
            Path file = tmp.resolve("afile");
            Files.writeString(file, "not a folder\n");
            for (String command : List.of("export-to-db", "import-from-db", "sync-db")) {
                for (String[] extra : new String[][] {{}, {"--dry-run"}}) {
                    List<String> args = new java.util.ArrayList<>(List.of("-s", file.toString(), "--db", db.url()));
                    args.addAll(List.of(extra));
                    TestSupport.Run r = TestSupport.run(command, Map.of(), args.toArray(String[]::new));
                    assertEquals(1, r.code(), command + ": " + r.all());
                    assertEquals(List.of("error: skills folder " + file + " is not a folder (set --skills-dir)"),
                            r.err().lines().toList(), command);
                    assertEquals("not a folder\n", Files.readString(file));
                    assertFalse(Files.exists(tmp.resolve(".skill-fleet")), command + ": nothing written beside it");
                }
            }
        }
    }

    @Test
    void aMissingSkillsFolderIsStillNamedAsMissingForExport() {
        Path missing = tmp.resolve("nowhere/skills");
        TestSupport.Run r = TestSupport.run("export-to-db", Map.of(), "-s", missing.toString(), "--db",
                "jdbc:sqlite:" + tmp.resolve("skills.db"));
        assertEquals(1, r.code(), r.all());
        assertEquals(List.of("error: skills folder " + missing + " does not exist (set --skills-dir)"),
                r.err().lines().toList());
    }

    @Test
    void aMaxFileSizeBeyondALongIsAUsageError() throws Exception {
        Path skills = tmp.resolve("skills");
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), skills);
        Path db = tmp.resolve("skills.db");
        for (String size : List.of("9999999999G", "8589934592g", "9007199254740992KB", "99999999999999999999")) {
            TestSupport.Run r = TestSupport.run("export-to-db", Map.of(), "-s", skills.toString(), "--db",
                    "jdbc:sqlite:" + db, "--max-file-size", size);
            assertEquals(2, r.code(), size + ": " + r.all());
            List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
            assertEquals(1, errors.size(), r.err());
            assertTrue(errors.get(0).contains("--max-file-size") && errors.get(0).contains(size), r.err());
            assertFalse(Files.exists(db), "nothing was done");
        }
        TestSupport.Run largest = TestSupport.run("export-to-db", Map.of(), "-s", skills.toString(), "--db",
                "jdbc:sqlite:" + db, "--max-file-size", "8589934591G");
        assertEquals(0, largest.code(), largest.all());
    }
}
