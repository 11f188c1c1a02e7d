import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Large allowed files go through with the scripts' own heap (256 MB): twenty skills holding an 8 MB PDF each (under
 * the 10 MB default), and one 100 MB text file with --max-file-size 200MB, exported, imported and synced by separate
 * processes started as the scripts start, compared byte for byte.
 */
class BigFilesTest {
    static final List<String> KINDS = TestDatabases.KINDS;

    static int run(Path tmp, Map<String, String> env, String command, String... args) throws Exception {
        Path logs = tmp.resolve("logs-" + System.nanoTime());
        Process p = TestSupport.start(logs, env, command, args);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), command + " finished");
        String out = TestSupport.outputOf(logs);
        assertTrue(!out.contains("OutOfMemoryError") && !out.contains("\tat "), command + ": " + out);
        if (p.exitValue() != 0) {
            System.out.println("        " + command + " exited " + p.exitValue() + ": " + out.strip());
        }
        return p.exitValue();
    }

    /** Same files with the same bytes, compared file by file without holding them in memory. */
    static void assertSameFiles(Path expected, Path actual) throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(expected)) {
            files = walk.filter(Files::isRegularFile).map(expected::relativize).sorted().toList();
        }
        try (Stream<Path> walk = Files.walk(actual)) {
            assertEquals(files, walk.filter(Files::isRegularFile).map(actual::relativize)
                    .filter(p -> !p.startsWith(".skill-fleet")).sorted().toList());
        }
        for (Path f : files) {
            assertEquals(-1L, Files.mismatch(expected.resolve(f), actual.resolve(f)), "bytes differ: " + f);
        }
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void twentyEightMegabytePdfsGoThroughInTheScriptsHeap(String kind, @TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        Path a = tmp.resolve("a/skills");
        Random random = new Random(7);
        byte[] pdf = new byte[8 * 1024 * 1024];
        for (int i = 0; i < 20; i++) {
            Path dir = a.resolve("docs/manual-" + i);
            TestSupport.write(dir.resolve("SKILL.md"), "---\nname: manual-" + i + "\ndescription: a manual\n---\n");
            random.nextBytes(pdf);
            Files.createDirectories(dir.resolve("assets"));
            Files.write(dir.resolve("assets/manual.pdf"), pdf);
        }
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            assertEquals(0, run(tmp, env, "export_to_db", "-s", a.toString(), "--db", db.url(), "-q"));
            Path b = tmp.resolve("b/skills");
            assertEquals(0, run(tmp, env, "import_from_db", "-s", b.toString(), "--db", db.url(), "-q"));
            assertSameFiles(a, b);
            assertEquals(0, run(tmp, env, "sync_db", "-s", a.toString(), "--db", db.url(), "-q"));
            assertEquals(0, run(tmp, env, "sync_db", "-s", b.toString(), "--db", db.url(), "-q"));
        }
    }

    @ParameterizedTest(name = "kind={0}")
    @FieldSource("KINDS")
    void aHundredMegabyteTextFileGoesThroughWithALargerLimit(String kind, @TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        Path a = tmp.resolve("a/skills");
        Path dir = a.resolve("data/corpus");
        TestSupport.write(dir.resolve("SKILL.md"), "---\nname: corpus\ndescription: a large text\n---\n");
        Files.createDirectories(dir.resolve("references"));
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("references/corpus.txt"), StandardCharsets.UTF_8)) {
            for (int i = 0; i < 1_600_000; i++) {
                w.write("line " + i + ": the quick brown fox jumps over the lazy dog, café and naïve words\n");
            }
        }
        assertTrue(Files.size(dir.resolve("references/corpus.txt")) > 100_000_000L);
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            assertEquals(0, run(tmp, env, "export_to_db", "-s", a.toString(), "--db", db.url(), "-q",
                    "--max-file-size", "200MB"));
            Path b = tmp.resolve("b/skills");
            assertEquals(0, run(tmp, env, "import_from_db", "-s", b.toString(), "--db", db.url(), "-q",
                    "--max-file-size", "200MB"));
            assertSameFiles(a, b);
            assertEquals(List.of("1"), TestSupport.column(db, "select count(*) from skill_files where content is not "
                    + "null and relative_path = 'references/corpus.txt'"), "stored as text");
        }
    }
}
