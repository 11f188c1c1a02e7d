import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Round trips do not grow with the number of skills: every statement, batch, savepoint and commit the tool sends is
 * counted through a connection wrapper. Exporting 1,000 new skills costs one more batch than exporting 10, and a
 * batch costs the same number of round trips whatever its size. A no-op sync costs the same for 10 skills as for
 * 1,000, and fetches no content.
 */
class RoundTripCountTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final Set<String> ROUND_TRIPS = Set.of("execute", "executeQuery", "executeUpdate", "executeBatch",
            "executeLargeUpdate", "commit", "rollback", "setSavepoint", "releaseSavepoint");

    @ParameterizedTest
    @FieldSource("KINDS")
    void statementsPerBatchDoNotDependOnTheNumberOfSkills(String kind, @TempDir Path tmp) throws Exception {
        int none = countExport(kind, tmp.resolve("n0"), 0);
        int ten = countExport(kind, tmp.resolve("n10"), 10);
        int thousand = countExport(kind, tmp.resolve("n1000"), 1000);
        int perBatch = ten - none;
        assertTrue(perBatch > 0, "a batch costs something: " + none + " / " + ten);
        // 1,000 skills are two batches of 500.
        assertEquals(none + 2 * perBatch, thousand, "0 skills: " + none + ", 10: " + ten + ", 1000: " + thousand);
        System.out.println("        " + kind + ": round trips for exporting 0 / 10 / 1,000 new skills: " + none + " / "
                + ten + " / " + thousand);
    }

    /** Updating rows locks them first (PostgreSQL): one statement per batch, not one per row. */
    @ParameterizedTest
    @FieldSource("KINDS")
    void updatesCostAFixedNumberOfRoundTripsPerBatch(String kind, @TempDir Path tmp) throws Exception {
        int none = countUpdate(kind, tmp.resolve("u0"), 0);
        int ten = countUpdate(kind, tmp.resolve("u10"), 10);
        int thousand = countUpdate(kind, tmp.resolve("u1000"), 1000);
        assertTrue(ten > none, "a batch costs something: " + none + " / " + ten);
        assertEquals(none + 2 * (ten - none), thousand, "0 skills: " + none + ", 10: " + ten + ", 1000: " + thousand);
        System.out.println("        " + kind + ": round trips for updating 0 / 10 / 1,000 skills: " + none + " / "
                + ten + " / " + thousand);
    }

    static int countUpdate(String kind, Path dir, int n) throws Exception {
        try (TestDatabases.TestDb db = TestDatabases.create(kind, dir)) {
            Path skills = generate(dir, n);
            Map<String, String> env = Map.of("SKILL_FLEET_HOME", dir.resolve("home").toString());
            java.nio.file.Files.createDirectories(skills);
            assertEquals(0, TestSupport.run("export-to-db", env, "-s", skills.toString(), "--db", db.url()).code());
            for (int i = 0; i < n; i++) {
                Path md = skills.resolve("area-" + (i % 7) + "/s" + i + "/SKILL.md");
                TestSupport.write(md, TestSupport.read(md) + "Edited.\n");
            }
            int trips = count(() -> {
                TestSupport.Run r = TestSupport.run("export-to-db", env, "-s", skills.toString(), "--db", db.url());
                assertEquals(0, r.code(), r.all());
                assertTrue(r.out().contains(n + " updated"), r.out());
            });
            // The count includes keeping each replaced version in the history.
            assertEquals(List.of(String.valueOf(n)), TestSupport.column(db, "select count(*) from skill_fleet_versions"));
            return trips;
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aNoOpSyncCostsTheSameForTenAndAThousandSkills(String kind, @TempDir Path tmp) throws Exception {
        int[] costs = new int[2];
        int i = 0;
        for (int n : new int[] {10, 1000}) {
            Path dir = tmp.resolve("noop" + n);
            try (TestDatabases.TestDb db = TestDatabases.create(kind, dir)) {
                Path skills = generate(dir, n);
                Map<String, String> env = Map.of("SKILL_FLEET_HOME", dir.resolve("home").toString());
                assertEquals(0, TestSupport.run("sync-db", env, "-s", skills.toString(), "--db", db.url()).code());
                costs[i++] = count(() -> {
                    TestSupport.Run r = TestSupport.run("sync-db", env, "-s", skills.toString(), "--db", db.url());
                    assertTrue(r.out().contains("0 created, 0 updated, " + n + " unchanged"), r.out());
                });
            }
        }
        assertEquals(costs[0], costs[1], "round trips of a no-op sync over 10 and over 1,000 skills");
    }

    /**
     * Rows the service wrote (no skill_fleet_skill_meta row) cost what the tool's own do: importing them is a fixed
     * number of statements per batch (510 and 1,000 rows are both two batches of 500), and list is one query.
     */
    @ParameterizedTest
    @FieldSource("KINDS")
    void serviceWrittenRowsCostAFixedNumberOfRoundTripsPerBatch(String kind, @TempDir Path tmp) throws Exception {
        int[] imports = new int[3];
        int[] lists = new int[3];
        int i = 0;
        for (int n : new int[] {10, 510, 1000}) {
            Path dir = tmp.resolve("service" + n);
            try (TestDatabases.TestDb db = TestDatabases.create(kind, dir)) {
                Map<String, String> env = Map.of("SKILL_FLEET_HOME", dir.resolve("home").toString());
                java.nio.file.Files.createDirectories(dir.resolve("empty"));
                assertEquals(0, TestSupport.run("export-to-db", env, "-s", dir.resolve("empty").toString(), "--db",
                        db.url()).code());
                insertServiceRows(db, n);
                lists[i] = count(() -> {
                    TestSupport.Run r = TestSupport.run("list", env, "--status", "all", "--db", db.url());
                    assertEquals(0, r.code(), r.all());
                    assertTrue(r.err().contains(n + " skills"), r.err());
                });
                imports[i++] = count(() -> {
                    TestSupport.Run r = TestSupport.run("import-from-db", env, "-s", dir.resolve("skills").toString(),
                            "--db", db.url());
                    assertEquals(0, r.code(), r.all());
                    assertTrue(r.out().contains(n + " created"), r.out());
                });
            }
        }
        String says = kind + ": round trips for 10 / 510 / 1,000 service-written rows: import " + imports[0] + " / "
                + imports[1] + " / " + imports[2] + ", list " + lists[0] + " / " + lists[1] + " / " + lists[2];
        assertEquals(lists[0], lists[2], says);
        assertEquals(imports[1], imports[2], "two batches cost the same whatever their size; " + says);
        assertTrue(imports[2] - imports[0] <= 8, "a second batch costs at most 8 statements (3 to list, 3 to fetch, "
                + "2 to record); " + says);
        System.out.println("        " + says);
    }

    /** n skills as the service writes them: a skills row with a keyword and a tag, no skill_fleet_skill_meta. */
    static void insertServiceRows(TestDatabases.TestDb db, int n) throws Exception {
        String numbers = "with recursive g (i) as (select 1 union all select i + 1 from g where i < " + n + ") ";
        TestSupport.execute(db, numbers + "insert into skills (skill_path, name, description, type, status,"
                + " skill_content) select 'svc/s' || i, 's' || i, 'Written by the service.', 'technical', 'active',"
                + " 'Body ' || i from g");
        TestSupport.execute(db, "insert into skill_keywords (skill_id, keyword) select skill_id, 'k' from skills");
        TestSupport.execute(db, "insert into skill_tags (skill_id, tag) select skill_id, 't' from skills");
    }

    static int countExport(String kind, Path dir, int n) throws Exception {
        try (TestDatabases.TestDb db = TestDatabases.create(kind, dir)) {
            Path skills = generate(dir, n);
            Map<String, String> env = Map.of("SKILL_FLEET_HOME", dir.resolve("home").toString());
            // The schema is created first, so the counted run does the same fixed work for any n.
            java.nio.file.Files.createDirectories(dir.resolve("empty"));
            assertEquals(0, TestSupport.run("export-to-db", env, "-s", dir.resolve("empty").toString(), "--db",
                    db.url()).code());
            return count(() -> {
                TestSupport.Run r = TestSupport.run("export-to-db", env, "-s", skills.toString(), "--db", db.url());
                assertEquals(0, r.code(), r.all());
                assertTrue(r.out().contains(n + " created"), r.out());
            });
        }
    }

    static Path generate(Path dir, int n) throws Exception {
        Path skills = dir.resolve("skills");
        java.nio.file.Files.createDirectories(skills);
        for (int i = 0; i < n; i++) {
            TestSupport.write(skills.resolve("area-" + (i % 7) + "/s" + i + "/SKILL.md"),
                    "---\nname: s" + i + "\nmetadata:\n  tags: [t" + (i % 3) + "]\n---\n## Capabilities\n"
                            + "- **c**: does c\n");
            TestSupport.write(skills.resolve("area-" + (i % 7) + "/s" + i + "/references/r.md"), "ref " + i + "\n");
        }
        return skills;
    }

    interface Body {
        void run() throws Exception;
    }

    /** Runs the body with every connection counting its round trips; returns the count. */
    static int count(Body body) throws Exception {
        AtomicInteger count = new AtomicInteger();
        TestSupport.connections = c -> counting(c, Connection.class, count);
        try {
            body.run();
        } finally {
            TestSupport.connections = c -> c;
        }
        return count.get();
    }

    @SuppressWarnings("unchecked")
    static <T> T counting(T target, Class<T> type, AtomicInteger count) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (ROUND_TRIPS.contains(method.getName())) {
                count.incrementAndGet();
            }
            try {
                Object result = method.invoke(target, args);
                if (result instanceof PreparedStatement ps) {
                    return counting(ps, PreparedStatement.class, count);
                }
                if (result instanceof Statement st && !(result instanceof PreparedStatement)) {
                    return counting(st, Statement.class, count);
                }
                return result;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
