import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** export-to-db then import-from-db --status all into an empty folder reproduces every skill byte for byte. */
class RoundTripTest {
    static final java.util.List<String> KINDS = TestDatabases.KINDS;

    @ParameterizedTest
    @FieldSource("KINDS")
    void bundledSamplesRoundTrip(String kind, @TempDir Path tmp) throws Exception {
        roundTrip(kind, TestSupport.repoRoot().resolve("skills"), tmp, 5);
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void sharedCorpusRoundTrips(String kind, @TempDir Path tmp) throws Exception {
        Path corpus = TestSupport.corpus();
        Assumptions.assumeTrue(corpus != null, "SKILL_FLEET_CORPUS is not set or not a folder");
        roundTrip(kind, corpus, tmp, 12);
    }

    static void roundTrip(String kind, Path source, Path tmp, int skills) throws Exception {
        Path src = tmp.resolve("src/skills");
        TestSupport.copyTree(source, src);
        Path dst = tmp.resolve("dst/skills");
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            TestSupport.Run export = TestSupport.run("export-to-db", env, "-s", src.toString(), "--db", db.url());
            assertEquals(0, export.code(), export.all());
            assertTrue(export.out().contains(skills + " created"), export.out());

            TestSupport.Run again = TestSupport.run("export-to-db", env, "-s", src.toString(), "--db", db.url());
            assertEquals(0, again.code(), again.all());
            assertTrue(again.out().contains("0 created, 0 updated, " + skills + " unchanged"), again.out());

            TestSupport.Run imp = TestSupport.run("import-from-db", env, "--status", "all", "-s", dst.toString(),
                    "--db", db.url());
            assertEquals(0, imp.code(), imp.all());
            TestSupport.assertSameTree(src, dst);

            try (Connection c = db.connect(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select count(*), count(integrity_hash) from skills")) {
                rs.next();
                assertEquals(skills, rs.getInt(1));
                assertEquals(skills, rs.getInt(2));
            }
        }
    }
}
