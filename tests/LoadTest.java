import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Concurrency under load: several processes sync different folders against one database while each makes random
 * edits (to shared skills, so conflicts happen, and to skills of its own). At the end every edit is either in the
 * database or still in its folder with the skill reported as a conflict; none vanished.
 * (--long: 8 processes for a minute; CI: 4 for 15 seconds.)
 */
class LoadTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final int SHARED = 6;

    record Edit(int worker, String skill, String marker) {
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void concurrentSyncsWithRandomEditsLoseNoEdit(String kind, @TempDir Path tmp) throws Exception {
        int workers = TestSupport.longRun() ? 8 : 4;
        long seconds = TestSupport.longRun() ? 60 : 15;
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            Path seed = tmp.resolve("seed/skills");
            for (int i = 0; i < SHARED; i++) {
                TestSupport.write(seed.resolve("shared/s" + i + "/SKILL.md"), "---\nname: s" + i + "\n---\nshared\n");
            }
            assertEquals(0, TestSupport.run("sync-db", env, "-s", seed.toString(), "--db", db.url()).code());
            List<Path> folders = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                Path dir = tmp.resolve("w" + w + "/skills");
                assertEquals(0, TestSupport.run("sync-db", env, "-s", dir.toString(), "--db", db.url()).code());
                folders.add(dir);
            }
            List<Edit> edits = new ArrayList<>();
            Map<Integer, Integer> runs = new ConcurrentHashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            ExecutorService pool = Executors.newFixedThreadPool(workers);
            List<Future<List<Edit>>> results = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int worker = w;
                results.add(pool.submit(() -> {
                    Random random = new Random(worker);
                    Path dir = folders.get(worker);
                    List<Edit> mine = new ArrayList<>();
                    for (int round = 0; System.nanoTime() < deadline; round++) {
                        String skill = random.nextInt(3) == 0 ? "own/w" + worker + "-" + random.nextInt(3)
                                : "shared/s" + random.nextInt(SHARED);
                        String marker = "w" + worker + "-r" + round;
                        Path md = dir.resolve(skill).resolve("SKILL.md");
                        String text = Files.exists(md) ? TestSupport.read(md)
                                : "---\nname: " + skill.substring(skill.indexOf('/') + 1) + "\n---\n";
                        TestSupport.write(md, text + marker + "\n");
                        mine.add(new Edit(worker, skill, marker));
                        Process p = TestSupport.start(tmp.resolve("logs"), env, "sync_db", "-s", dir.toString(),
                                "--db", db.url(), "-q");
                        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
                        assertTrue(p.exitValue() == 0 || p.exitValue() == 3, "exit " + p.exitValue());
                        runs.merge(worker, 1, Integer::sum);
                    }
                    return mine;
                }));
            }
            for (Future<List<Edit>> f : results) {
                edits.addAll(f.get(seconds + 180, TimeUnit.SECONDS));
            }
            pool.shutdown();

            // Settle: every folder syncs once more; conflicts stay conflicts.
            List<String> conflictsOf = new ArrayList<>();
            for (Path dir : folders) {
                TestSupport.Run r = TestSupport.run("sync-db", env, "-s", dir.toString(), "--db", db.url());
                assertTrue(r.code() == 0 || r.code() == 3, r.all());
                conflictsOf.add(r.err());
            }
            String inDb = String.join("\n", TestSupport.column(db, "select skill_content from skills"));
            int inDatabase = 0;
            int inConflict = 0;
            for (Edit e : edits) {
                if (inDb.contains(e.marker() + "\n")) {
                    inDatabase++;
                    continue;
                }
                String local = TestSupport.read(folders.get(e.worker()).resolve(e.skill()).resolve("SKILL.md"));
                assertTrue(local.contains(e.marker() + "\n") && conflictsOf.get(e.worker()).contains("conflict "
                        + e.skill() + ":"), "edit " + e + " vanished");
                inConflict++;
            }
            int total = runs.values().stream().mapToInt(Integer::intValue).sum();
            System.out.println("        " + kind + ": " + workers + " processes, " + total + " syncs, " + edits.size()
                    + " edits: " + inDatabase + " in the database, " + inConflict + " kept as conflicts");
            assertTrue(edits.size() >= workers, "every worker edited");
            try (Stream<Path> left = Files.walk(tmp).filter(p -> p.getFileName().toString()
                    .startsWith(SkillFolder.WORK_PREFIX))) {
                assertEquals(0, left.count());
            }
        }
    }
}
