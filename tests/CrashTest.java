import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * SIGKILL at random points of export, import and sync. After each kill a rerun converges: no half-written file, no
 * work folder left behind, and no edit from either side lost. (--long: 60 kills per database; CI: 15.)
 */
class CrashTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final int SKILLS = 40;

    @ParameterizedTest
    @FieldSource("KINDS")
    void killedRunsAreRecoveredAndLoseNothing(String kind, @TempDir Path tmp) throws Exception {
        int kills = TestSupport.longRun() ? 60 : 15;
        Random random = new Random(42);
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        Path a = tmp.resolve("a/skills");
        Path b = tmp.resolve("b/skills");
        for (int i = 0; i < SKILLS; i++) {
            Path dir = a.resolve("crash/s" + i);
            TestSupport.write(dir.resolve("SKILL.md"), "---\nname: s" + i + "\ndescription: skill " + i + "\n---\n");
            for (int f = 0; f < 4; f++) {
                byte[] bytes = new byte[16 * 1024];
                random.nextBytes(bytes);
                Files.createDirectories(dir.resolve("assets"));
                Files.write(dir.resolve("assets/blob" + f + ".bin"), bytes);
            }
        }
        Map<String, List<String>> markers = new LinkedHashMap<>();
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
            assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url()).code());
            String[] commands = {"sync_db", "export_to_db", "import_from_db"};
            int killedMidRun = 0;
            int recovered = 0;
            // How long a run takes here, so kills can land at random points inside one.
            long started = System.nanoTime();
            Process probe = TestSupport.start(tmp.resolve("logs"), env, "sync_db", "-s", a.toString(), "--db", db.url());
            assertTrue(probe.waitFor(2, TimeUnit.MINUTES) && probe.exitValue() == 0, "a whole run completes");
            long runMillis = (System.nanoTime() - started) / 1_000_000;
            for (int round = 0; round < kills; round++) {
                // Folder a edits even skills; folder b (through the database) edits odd ones: no conflicts.
                for (int e = 0; e < 3; e++) {
                    edit(a, "crash/s" + (2 * random.nextInt(SKILLS / 2)), "a" + round + "-" + e, markers);
                    edit(b, "crash/s" + (2 * random.nextInt(SKILLS / 2) + 1), "b" + round + "-" + e, markers);
                }
                if (random.nextInt(4) == 0) {
                    TestSupport.write(a.resolve("crash/new" + round + "/SKILL.md"),
                            "---\nname: new" + round + "\n---\nnew " + round + "\n");
                }
                assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url()).code());
                String command = commands[round % commands.length];
                String[] args = command.equals("import_from_db")
                        ? new String[] {"-s", a.toString(), "--db", db.url(), "--status", "all", "-q"}
                        : new String[] {"-s", a.toString(), "--db", db.url(), "-q"};
                Process p = TestSupport.start(tmp.resolve("logs"), env, command, args);
                Thread.sleep(runMillis / 4 + random.nextInt((int) (runMillis * 3 / 4) + 1));
                // A one-way run that completes exits 3 when it leaves the other side's edits (other-side-newer).
                boolean finished = !p.isAlive() && (p.exitValue() == 0 || p.exitValue() == 3);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                if (!finished) {
                    killedMidRun++;
                }

                TestSupport.Run rerun = TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url());
                recovered += rerun.err().contains("interrupted run") ? 1 : 0;
                assertEquals(0, rerun.code(), "round " + round + " after killing " + command + ": " + rerun.all());
                assertNoWorkFolders(a);
            }
            assertTrue(killedMidRun * 2 >= kills, "most kills land mid-run: " + killedMidRun + " of " + kills);
            System.out.println("        " + kind + ": " + killedMidRun + " of " + kills + " runs killed mid-run, "
                    + recovered + " left work folders that the next run recovered");
            assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url()).code());
            assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
            TestSupport.assertSameTree(a, b);
            for (Map.Entry<String, List<String>> m : markers.entrySet()) {
                String md = TestSupport.read(a.resolve(m.getKey()).resolve("SKILL.md"));
                for (String marker : m.getValue()) {
                    assertTrue(md.contains(marker + "\n"), m.getKey() + " lost " + marker);
                }
            }
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aSwapInterruptedBetweenItsTwoRenamesIsUndoneNotReadAsADeletion(String kind, @TempDir Path tmp)
            throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        Path a = tmp.resolve("a/skills");
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), a);
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
            Path skill = a.resolve("writing/technical-writing");
            Map<String, byte[]> before = TestSupport.tree(a);
            // What a kill leaves between "old folder aside" and "new folder in", plus a half-built new folder.
            Files.move(skill, skill.resolveSibling(SkillFolder.WORK_PREFIX + "old-" + java.util.UUID.randomUUID()
                    + "-technical-writing"));
            TestSupport.write(skill.resolveSibling(SkillFolder.WORK_PREFIX + "new-" + java.util.UUID.randomUUID()
                    + "-technical-writing").resolve("SKILL.md"), "half");
            TestSupport.Run r = TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url());
            assertEquals(0, r.code(), r.all());
            assertTrue(r.err().contains("writing/technical-writing: restored the copy an interrupted run had set aside"),
                    r.err());
            assertTrue(r.out().contains("0 created, 0 updated, 5 unchanged"), "not archived: " + r.out());
            assertEquals(before.keySet(), TestSupport.tree(a).keySet());
            assertNoWorkFolders(a);
        }
    }

    /**
     * A run stopped exactly in each window the recovery is for (SKILL_FLEET_FAILPOINT halts the process there):
     * what it leaves is checked before the next run, and the next run converges with nothing lost.
     */
    @ParameterizedTest
    @FieldSource("KINDS")
    void runsStoppedInEachWindowLeaveWhatRecoveryExpectsAndLoseNothing(String kind, @TempDir Path tmp)
            throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        Path a = tmp.resolve("a/skills");
        Path b = tmp.resolve("b/skills");
        for (int i = 0; i < 12; i++) {
            TestSupport.write(a.resolve("crash/s" + i + "/SKILL.md"), "---\nname: s" + i + "\ndescription: d\n---\n");
            TestSupport.write(a.resolve("crash/s" + i + "/references/notes.md"), "notes " + i + "\n");
        }
        Map<String, List<String>> markers = new LinkedHashMap<>();
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
            assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url()).code());
            // What each window leaves: the kinds of work folder beside the skill being written.
            record Stop(String command, String failpoint, List<String> leaves) {
            }
            List<Stop> stops = List.of(
                    new Stop("sync_db", "FOLDER_BUILT:3", List.of("new")),
                    new Stop("sync_db", "FOLDER_ASIDE:2", List.of("new", "old")),
                    new Stop("sync_db", "COMMITTED", List.of()),
                    new Stop("import_from_db", "FOLDER_ASIDE:1", List.of("new", "old")),
                    new Stop("export_to_db", "COMMITTED", List.of()));
            int round = 0;
            for (Stop stop : stops) {
                round++;
                for (int e = 1; e <= 4; e++) {
                    edit(b, "crash/s" + (2 * e - 1), "b" + round + "-" + e, markers);
                }
                assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url()).code());
                if (!stop.command().equals("import_from_db")) {
                    edit(a, "crash/s" + (2 * round), "a" + round, markers);
                }
                Map<String, byte[]> before = TestSupport.tree(a);
                Map<String, String> failpoint = new java.util.HashMap<>(env);
                failpoint.put("SKILL_FLEET_FAILPOINT", stop.failpoint());
                Process p = TestSupport.start(tmp.resolve("logs"), failpoint, stop.command(), "-s", a.toString(),
                        "--db", db.url(), "-q");
                assertTrue(p.waitFor(2, TimeUnit.MINUTES));
                assertEquals(Hooks.HALTED, p.exitValue(), stop + " reached its window: "
                        + TestSupport.outputOf(tmp.resolve("logs")));
                List<String> left = workFolders(a).stream()
                        .map(n -> n.substring(SkillFolder.WORK_PREFIX.length(), n.indexOf('-', SkillFolder.WORK_PREFIX
                                .length()))).sorted().toList();
                // Folders are written on several threads: other skills' writes may be stopped in their own windows
                // too, so the window's kinds must all be there, and nothing else.
                assertTrue(left.containsAll(stop.leaves()) && List.of("new", "old").containsAll(left)
                        && left.isEmpty() == stop.leaves().isEmpty(), stop + " left " + left);
                if (stop.leaves().isEmpty()) {
                    assertEquals(before.keySet(), TestSupport.tree(a).keySet(), "no folder written yet: " + stop);
                }
                TestSupport.Run rerun = TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url());
                assertEquals(0, rerun.code(), stop + ": " + rerun.all());
                if (!stop.leaves().isEmpty()) {
                    assertTrue(rerun.err().contains("interrupted run"), stop + ": " + rerun.err());
                }
                assertNoWorkFolders(a);
                assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url()).code());
                TestSupport.assertSameTree(a, b);
                for (Map.Entry<String, List<String>> m : markers.entrySet()) {
                    String md = TestSupport.read(a.resolve(m.getKey()).resolve("SKILL.md"));
                    for (String marker : m.getValue()) {
                        assertTrue(md.contains(marker + "\n"), stop + ": " + m.getKey() + " lost " + marker);
                    }
                }
            }
        }
    }

    /**
     * A merge stopped before its commit leaves both sides as they were; one stopped after the commit, before the
     * folder write, is finished by the next run (the folder still holds what the merge read): both sides end merged,
     * never a conflict, no edit lost.
     */
    @ParameterizedTest
    @FieldSource("KINDS")
    void aMergeStoppedAnywhereEndsWithBothSidesAsTheyWereOrBothMerged(String kind, @TempDir Path tmp)
            throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        Path a = tmp.resolve("a/skills");
        Path b = tmp.resolve("b/skills");
        String body = "\n# Merge\n\n" + "line\n".repeat(10);
        TestSupport.write(a.resolve("merge/m/SKILL.md"), "---\nname: m\ndescription: d\n---\n" + body);
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
            assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url()).code());
            int round = 0;
            for (String failpoint : List.of("PLANNED", "COMMITTED")) {
                round++;
                Path ma = a.resolve("merge/m/SKILL.md");
                Path mb = b.resolve("merge/m/SKILL.md");
                String fromA = "description: d" + round + "a";
                String fromB = "tail " + round + "b\n";
                TestSupport.write(ma, TestSupport.read(ma).replaceFirst("description: d[0-9a-z]*", fromA));
                TestSupport.write(mb, TestSupport.read(mb) + fromB);
                assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
                String dbBefore = TestSupport.column(db, "select description from skills where skill_path = 'merge/m'")
                        .get(0);
                String folderBefore = TestSupport.read(mb);
                Map<String, String> halt = new java.util.HashMap<>(env);
                halt.put("SKILL_FLEET_FAILPOINT", failpoint);
                Process p = TestSupport.start(tmp.resolve("logs"), halt, "sync_db", "-s", b.toString(), "--db",
                        db.url(), "-q");
                assertTrue(p.waitFor(2, TimeUnit.MINUTES));
                assertEquals(Hooks.HALTED, p.exitValue(), failpoint + ": " + TestSupport.outputOf(tmp.resolve("logs")));
                String content = TestSupport.column(db, "select skill_content from skills where skill_path = 'merge/m'")
                        .get(0);
                if (failpoint.equals("PLANNED")) {
                    assertEquals(folderBefore, TestSupport.read(mb), "the folder as it was");
                    assertTrue(!content.contains(fromB), "the database as it was");
                } else {
                    assertTrue(content.contains(fromB) && !dbBefore.contains(fromB), "the merge committed");
                    assertEquals(folderBefore, TestSupport.read(mb), "the folder not yet written");
                }
                TestSupport.Run rerun = TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url());
                assertEquals(0, rerun.code(), failpoint + ": " + rerun.all());
                if (failpoint.equals("COMMITTED")) {
                    assertTrue(rerun.err().contains("finishing the merge of merge/m") && rerun.out().contains(
                            "update-local merge/m"), rerun.all());
                }
                String merged = TestSupport.read(mb);
                assertTrue(merged.contains(fromA) && merged.endsWith(fromB), failpoint + ": " + merged);
                assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
                TestSupport.assertSameTree(a, b);
            }
        }
    }

    /**
     * A folder moved by a rename made in the database, the run stopped after the move and before the folder took
     * the row's new name line: the next run finishes the move (it does not see a skill with no record of a sync).
     */
    @ParameterizedTest
    @FieldSource("KINDS")
    void aMoveStoppedHalfWayIsFinishedByTheNextRun(String kind, @TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        Path a = tmp.resolve("a/skills");
        Path b = tmp.resolve("b/skills");
        TestSupport.write(a.resolve("t/alpha/SKILL.md"), "---\nname: alpha\ndescription: d\n---\nbody\n");
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            assertEquals(0, TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url()).code());
            assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url()).code());
            Files.move(a.resolve("t/alpha"), a.resolve("t/beta"));
            TestSupport.write(a.resolve("t/beta/SKILL.md"), "---\nname: beta\ndescription: d\n---\nbody\n");
            TestSupport.Run moved = TestSupport.run("sync-db", env, "-s", a.toString(), "--db", db.url());
            assertTrue(moved.out().contains("rename-in-db t/alpha -> t/beta"), moved.all());
            Map<String, String> halt = new java.util.HashMap<>(env);
            halt.put("SKILL_FLEET_FAILPOINT", "FOLDER_BUILT");
            Process p = TestSupport.start(tmp.resolve("logs"), halt, "sync_db", "-s", b.toString(), "--db", db.url(),
                    "-q");
            assertTrue(p.waitFor(2, TimeUnit.MINUTES));
            assertEquals(Hooks.HALTED, p.exitValue(), TestSupport.outputOf(tmp.resolve("logs")));
            assertTrue(TestSupport.read(b.resolve("t/beta/SKILL.md")).contains("name: alpha"), "moved, not updated");
            TestSupport.Run rerun = TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url());
            assertEquals(0, rerun.code(), rerun.all());
            assertTrue(rerun.err().contains("finishing the move of t/alpha -> t/beta"), rerun.all());
            assertNoWorkFolders(b);
            TestSupport.assertSameTree(a, b);
            assertEquals(0, TestSupport.run("sync-db", env, "-s", b.toString(), "--db", db.url(), "--check").code());
        }
    }

    static List<String> workFolders(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(SkillFolder.WORK_PREFIX))
                    .toList();
        }
    }

    static void edit(Path dir, String skill, String marker, Map<String, List<String>> markers) throws Exception {
        Path md = dir.resolve(skill).resolve("SKILL.md");
        TestSupport.write(md, TestSupport.read(md) + marker + "\n");
        markers.computeIfAbsent(skill, k -> new ArrayList<>()).add(marker);
    }

    static void assertNoWorkFolders(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            List<Path> left = paths.filter(p -> p.getFileName().toString().startsWith(SkillFolder.WORK_PREFIX)).toList();
            assertEquals(List.of(), left);
        }
    }
}
