import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * import-from-db -f saves the local copy it overwrites under .skill-fleet/backup/<timestamp>/local/ first (no test
 * looked until the mutation check's import-force-not-backed-up survived).
 */
class ForceBackupTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String TDD = "development/testing/test-driven-development";

    @ParameterizedTest
    @FieldSource("KINDS")
    void theLocalCopyImportForceOverwritesIsBackedUpFirst(String kind, @TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            Path a = tmp.resolve("a/skills");
            TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), a);
            assertEquals(0, TestSupport.run("export-to-db", env, "-s", a.toString(), "--db", db.url()).code());
            String mine = "---\nname: test-driven-development\n---\nMine.\n";
            Path c = tmp.resolve("c/skills");
            TestSupport.write(c.resolve(TDD).resolve("SKILL.md"), mine);
            TestSupport.Run imp = TestSupport.run("import-from-db", env, "-s", c.toString(), "--db", db.url(),
                    "--status", "all", "-f");
            assertEquals(0, imp.code(), imp.all());
            assertTrue(imp.all().contains("replaced versions saved in"), imp.all());
            assertEquals(TestSupport.read(a.resolve(TDD).resolve("SKILL.md")),
                    TestSupport.read(c.resolve(TDD).resolve("SKILL.md")));
            assertEquals(List.of(mine), backups(c, "local"), "the local copy is saved");
        }
    }

    /** Every backed-up copy of the skill's SKILL.md on one side, under the folder's .skill-fleet/backup/. */
    static List<String> backups(Path skills, String side) throws Exception {
        Path root = skills.getParent().resolve(".skill-fleet/backup");
        List<String> found = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> stamps = Files.list(root)) {
                for (Path stamp : stamps.sorted().toList()) {
                    Path md = stamp.resolve(side).resolve(TDD).resolve("SKILL.md");
                    if (Files.exists(md)) {
                        found.add(TestSupport.read(md));
                    }
                }
            }
        }
        return found;
    }
}
