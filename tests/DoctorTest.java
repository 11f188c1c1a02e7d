import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * skill-fleet doctor through the real command, on PostgreSQL and SQLite: a healthy database passes (exit 0) and is
 * left as it was, a dropped column or a missing enum value is named with its fix (exit 1), an unreachable host is
 * named quickly (exit 1), a warning does not fail, and the password never shows, in text or in --json.
 */
class DoctorTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final List<String> CHECKS = List.of("java", "database", "server", "schema", "pooler", "tls", "state",
            "backup");
    static final String PASSWORD = "Doctor-S3cret-pw";

    @TempDir Path tmp;
    Scene scene;

    @AfterEach
    void tearDown() throws Exception {
        Scene.close(scene);
    }

    /** The scene's database URL with a password in it (the test servers trust the connection and ignore it). */
    String urlWithPassword() {
        String url = scene.db.url();
        if (scene.db.kind().equals("sqlite")) {
            return url;
        }
        return url + (url.contains("?") ? "&" : "?") + "password=" + PASSWORD;
    }

    TestSupport.Run doctor(String url, String... args) {
        List<String> all = new ArrayList<>(List.of("doctor", "-s", scene.a.toString(), "--db", url));
        all.addAll(List.of(args));
        return TestSupport.run("skill-fleet", scene.env, all.toArray(String[]::new));
    }

    /** The check names of the text output, in order, one per line ("ok   java: ..."). */
    static List<String> checks(TestSupport.Run run) {
        List<String> names = new ArrayList<>();
        for (String line : run.out().lines().toList()) {
            var m = Pattern.compile("^(ok  |warn|FAIL|skip) (\\w+): .+$").matcher(line);
            assertTrue(m.matches(), "one check per line: " + line);
            if (!names.contains(m.group(2))) {
                names.add(m.group(2));
            }
        }
        return names;
    }

    static String line(TestSupport.Run run, String prefix) {
        return run.out().lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line " + prefix + " in:\n" + run.all()));
    }

    /** Every file below root with its modification time and the hash of its bytes. */
    static Map<String, String> everything(Path root) throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (var paths = Files.walk(root)) {
            for (Path p : paths.toList()) {
                files.put(root.relativize(p).toString(), Files.isRegularFile(p) ? Files.getLastModifiedTime(p) + " "
                        + Skill.sha256(Files.readAllBytes(p)) : "folder");
            }
        }
        return files;
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aHealthyDatabasePassesAfterAnExportAndNothingIsWritten(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        assertEquals(0, scene.run("export-to-db", scene.a).code());
        Map<String, String> before = everything(tmp);

        TestSupport.Run run = doctor(urlWithPassword());
        assertEquals(0, run.code(), run.all());
        assertEquals(CHECKS, checks(run), run.out());
        assertFalse(run.out().contains("FAIL"), run.out());
        String display = Database.resolve(scene.db.url(), n -> null).display();
        assertTrue(line(run, "ok   database: reachable, connected in ").endsWith(" ms to " + display), run.out());
        assertTrue(line(run, "ok   server: ").contains(kind.equals("sqlite") ? "SQLite 3." : "PostgreSQL "));
        assertTrue(line(run, "ok   schema: ").matches("ok   schema: \\d+ tables.* hold the \\d+ columns the tool reads "
                + "or writes.*"), run.out());
        assertTrue(line(run, "ok   state: .skill-fleet/state-").endsWith("readable: 5 skills, last synced with "
                + display + ", in the nested layout"), run.out());
        assertEquals(kind.equals("sqlite") ? "skip pooler: SQLite: no server" : "ok   pooler: none seen; prepared "
                + "statements off (prepareThreshold=0)", line(run, kind.equals("sqlite") ? "skip pooler" : "ok   pooler"));
        assertEquals("ok   backup: none yet (.skill-fleet/backup/)", line(run, "ok   backup: "));
        assertFalse(run.all().contains(PASSWORD), run.all());
        assertEquals(before, everything(tmp), "doctor wrote nothing: the folder, the state, the SQLite file");

        TestSupport.Run json = doctor(urlWithPassword(), "--json");
        assertEquals(0, json.code(), json.all());
        assertFalse(json.all().contains(PASSWORD), json.all());
        JsonNode array = new ObjectMapper().readTree(json.out());
        assertTrue(array.isArray() && array.size() == run.out().lines().count(), json.out());
        List<String> names = new ArrayList<>();
        for (JsonNode check : array) {
            assertEquals(List.of("check", "status", "detail", "fix"), iterate(check.fieldNames()), check.toString());
            assertTrue(List.of("ok", "warn", "skip").contains(check.get("status").asText()), check.toString());
            assertTrue(check.get("fix").isNull(), check.toString());
            names.add(check.get("check").asText());
        }
        assertEquals(CHECKS, names.stream().distinct().toList());
    }

    static List<String> iterate(java.util.Iterator<String> it) {
        List<String> all = new ArrayList<>();
        it.forEachRemaining(all::add);
        return all;
    }

    /**
     * What doctor expects is read from the DDL the tool runs: on a database the tool created, the columns it reads
     * are exactly the columns there, table by table; the enum labels are the ones the mapping validates; columns no
     * statement names (the service's performance_stats) are not required.
     */
    @ParameterizedTest
    @FieldSource("KINDS")
    void theNeedsReadFromTheDdlAreTheColumnsTheToolCreates(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        assertEquals(0, scene.run("export-to-db", scene.a).code());
        boolean postgres = kind.equals("postgresql");
        Map<String, Map<String, Doctor.Column>> expected = Doctor.expectedTables(postgres ? SkillSql.POSTGRES_SCHEMA
                : SkillSql.SQLITE_SCHEMA);
        assertTrue(expected.keySet().containsAll(SkillSql.SCHEMA_TABLES), expected.keySet().toString());
        Map<String, List<String>> actual = new TreeMap<>();
        try (java.sql.Connection c = scene.db.connect(); java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery(postgres ? SkillSql.SELECT_COLUMNS_POSTGRES
                        : SkillSql.SELECT_COLUMNS_SQLITE)) {
            while (rs.next()) {
                actual.computeIfAbsent(rs.getString(1), t -> new ArrayList<>()).add(rs.getString(2));
            }
        }
        for (Map.Entry<String, Map<String, Doctor.Column>> table : expected.entrySet()) {
            assertEquals(actual.get(table.getKey()), List.copyOf(table.getValue().keySet()), table.getKey());
        }
        assertEquals("description text not null", expected.get("skills").get("description").definition());
        if (postgres) {
            Map<String, List<String>> enums = Doctor.expectedEnums(SkillSql.POSTGRES_SCHEMA);
            assertEquals(SkillMapping.STATUSES, enums.get("skill_status_enum"));
            assertEquals(SkillMapping.TYPES, enums.get("skill_type_enum"));
            assertEquals(SkillMapping.DEPENDENCY_TYPES, enums.get("dependency_type_enum"));
        }
        java.util.Set<String> used = Doctor.statementWords();
        assertTrue(used.containsAll(List.of("skill_path", "description", "integrity_hash", "content_hash", "kept_by",
                "relative_path", "binary_data", "min_depth", "alias_path")), "read and written");
        assertFalse(used.contains("performance_stats") || used.contains("published_at"), "never named");
    }

    /** An empty database passes too, and doctor does not create the schema (or, for SQLite, the file). */
    @ParameterizedTest
    @FieldSource("KINDS")
    void anEmptyDatabaseIsLeftEmpty(String kind) throws Exception {
        scene = Scene.empty(kind, tmp);
        Scene.samples(scene.a);
        Path newFolder = tmp.resolve("new");
        TestSupport.Run run = doctor(kind.equals("sqlite") ? "jdbc:sqlite:" + newFolder.resolve("skills.db")
                : urlWithPassword());
        assertEquals(0, run.code(), run.all());
        if (kind.equals("sqlite")) {
            assertEquals("warn database: sqlite:" + newFolder.resolve("skills.db") + " does not exist yet — fix: none "
                    + "needed if this is a new setup: the first export-to-db or sync-db creates it; otherwise check "
                    + "the path in --db or DATABASE_URL", line(run, "warn database: "));
            assertFalse(Files.exists(newFolder), "neither the SQLite file nor its folder is created");
        } else {
            assertEquals("ok   schema: no tables of the tool yet in schema public: the next export-to-db or sync-db "
                    + "creates them", line(run, "ok   schema: "));
            assertEquals(List.of("0"), TestSupport.column(scene.db, "select count(*) from information_schema.tables "
                    + "where table_schema = 'public'"), "the schema is not created");
        }
        assertTrue(line(run, "ok   state: ").startsWith("ok   state: no sync of this folder with this database yet"));
        assertFalse(Files.exists(SyncState.folder(scene.a)), "no .skill-fleet folder made");
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aDroppedColumnIsNamedWithItsFixAndFails(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        assertEquals(0, scene.run("export-to-db", scene.a).code());
        // On PostgreSQL the generated search vector reads the column and goes with it. performance_stats is the
        // service's, and no statement of the tool names it: not needed.
        TestSupport.execute(scene.db, "alter table skills drop column description"
                + (kind.equals("postgresql") ? " cascade" : ""));
        TestSupport.execute(scene.db, "alter table skills drop column performance_stats");
        TestSupport.Run run = doctor(urlWithPassword());
        assertEquals(1, run.code(), run.all());
        assertTrue(run.out().lines().anyMatch(l -> l.equals("FAIL schema: skills.description missing — fix: add the "
                + "column as the skill-fleet service's schema defines it (description text not null), or point --db "
                + "at the service's database")), run.out());
        // On PostgreSQL the search vector went with it, and find reads it: named too, its whole definition given.
        List<String> fails = run.out().lines().filter(l -> l.startsWith("FAIL")).toList();
        assertEquals(kind.equals("postgresql") ? 2 : 1, fails.size(), "only that: " + run.out());
        if (kind.equals("postgresql")) {
            assertTrue(fails.get(1).startsWith("FAIL schema: skills.search_vector missing") && fails.get(1).contains(
                    "search_vector tsvector generated always as (setweight(") && fails.get(1).endsWith(") stored), "
                    + "or point --db at the service's database"), fails.get(1));
        }
        assertFalse(run.all().contains(PASSWORD), run.all());
        Scene.append(scene.a, Scene.PYTHON, "An edit to send.\n");
        TestSupport.Run export = scene.run("export-to-db", scene.a);
        assertEquals(3, export.code(), export.all());
        assertTrue(export.err().contains("the database refused it") && export.err().contains("s.description"),
                "what doctor names is what breaks a run: " + export.all());
    }

    /** The enum values the tool writes, and the size of the text it writes, are checked on PostgreSQL. */
    @Test
    void aMissingEnumValueAndANarrowerColumnAreNamed() throws Exception {
        scene = Scene.create("postgresql", tmp, false);
        assertEquals(0, scene.run("export-to-db", scene.a).code());
        TestSupport.execute(scene.db, """
                alter table skills alter column status drop default;
                alter table skills alter column status type text;
                drop type skill_status_enum;
                create type skill_status_enum as enum ('draft', 'active', 'deprecated');
                alter table skills alter column status type skill_status_enum using status::skill_status_enum;
                alter table skills alter column version type varchar(10);
                """);
        TestSupport.Run run = doctor(urlWithPassword());
        assertEquals(1, run.code(), run.all());
        assertEquals(List.of("FAIL schema: skills.version is character varying(10), the tool needs character "
                + "varying(20) — fix: alter table skills alter column version type character varying(20)",
                "FAIL schema: type skill_status_enum of skills.status lacks 'archived' — fix: alter type "
                + "skill_status_enum add value 'archived'"), run.out().lines().filter(l -> l.startsWith("FAIL"))
                .toList(), run.out());
    }

    @Test
    void anUnreachableHostIsNamedQuicklyAndThePasswordNeverShows() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        scene = Scene.create("sqlite", tmp, false);
        String url = "postgresql://skills:" + PASSWORD + "@127.0.0.1:" + port + "/skills?connect_timeout=2";
        for (String format : List.of("text", "json")) {
            long started = System.nanoTime();
            TestSupport.Run run = format.equals("json") ? doctor(url, "--json") : doctor(url);
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertEquals(1, run.code(), run.all());
            assertTrue(seconds < 20, "took " + seconds + " s");
            assertFalse(run.all().contains(PASSWORD), run.all());
            if (format.equals("text")) {
                assertTrue(line(run, "FAIL database: cannot connect (after ").contains("cannot connect to "
                        + "postgresql://skills@127.0.0.1:" + port + "/skills: Connection to 127.0.0.1:" + port
                        + " refused"), run.out());
                assertTrue(line(run, "FAIL database: ").contains(" — fix: check the host and port in --db or "
                        + "DATABASE_URL, that the server is running"), run.out());
                assertEquals("skip schema: not connected", line(run, "skip schema: "));
                assertEquals(CHECKS, checks(run));
            } else {
                JsonNode database = new ObjectMapper().readTree(run.out()).get(1);
                assertEquals("database", database.get("check").asText());
                assertEquals("fail", database.get("status").asText());
                assertTrue(database.get("fix").asText().startsWith("check the host and port"), run.out());
            }
        }
    }

    /** A role, a database or a schema the server does not know is named with its own fix, without the password. */
    @Test
    void anUnknownRoleDatabaseOrSchemaIsNamedWithItsFix() throws Exception {
        scene = Scene.create("postgresql", tmp, false);
        String hostPort = Database.resolve(scene.db.url(), n -> null).jdbcUrl()
                .replaceFirst("^jdbc:postgresql://([^/]+)/.*$", "$1");
        TestSupport.Run role = doctor("postgresql://no_such_role:" + PASSWORD + "@" + hostPort + "/" + scene.db.name());
        assertEquals(1, role.code(), role.all());
        assertTrue(line(role, "FAIL database: ").endsWith(" — fix: check the user name and password in --db, "
                + "DATABASE_URL, .env or PGPASSWORD"), role.out());
        TestSupport.Run database = doctor("postgresql://postgres:" + PASSWORD + "@" + hostPort + "/no_such_database");
        assertEquals(1, database.code(), database.all());
        assertTrue(line(database, "FAIL database: ").endsWith(" — fix: create the database, or correct its name in "
                + "the URL"), database.out());
        TestSupport.Run schema = doctor("postgresql://postgres:" + PASSWORD + "@" + hostPort + "/" + scene.db.name()
                + "?currentSchema=no_such_schema");
        assertEquals(1, schema.code(), schema.all());
        assertEquals("FAIL schema: no schema of the search path exists — fix: create the schema the URL names "
                + "(currentSchema or options=-c search_path=...), or correct its name", line(schema, "FAIL schema: "));
        assertFalse((role.all() + database.all() + schema.all()).contains(PASSWORD));
    }

    /**
     * A warning does not fail: this folder synced with one database, doctor asked about another (a mistyped URL);
     * and a remote host without sslmode=verify-full is a warning, with verify-full it passes.
     */
    @Test
    void warningsAreNamedWithTheirFixAndDoNotFail() throws Exception {
        scene = Scene.create("sqlite", tmp, false);
        assertEquals(0, scene.run("export-to-db", scene.a).code());
        Path other = tmp.resolve("other/skills");
        Scene.samples(other);
        String otherUrl = "jdbc:sqlite:" + tmp.resolve("other.db");
        assertEquals(0, TestSupport.run("export-to-db", scene.env, "-s", other.toString(), "--db", otherUrl).code());
        TestSupport.Run run = doctor(otherUrl);
        assertEquals(0, run.code(), run.all());
        assertEquals("warn state: no sync of this folder with " + Database.resolve(otherUrl, n -> null).identity()
                + " yet, but it was "
                + "synced with " + Database.resolve(scene.db.url(), n -> null).display() + " — fix: if that is the "
                + "database meant, pass its URL (--db or DATABASE_URL): another host, database name or schema is "
                + "another database", line(run, "warn state: "));

        // The TLS check reads the URL: it is made even when the host cannot be reached.
        String remote = "postgresql://skills:" + PASSWORD + "@db.invalid:5432/skills?connect_timeout=1";
        TestSupport.Run require = doctor(remote + "&sslmode=require");
        assertEquals("warn tls: remote host db.invalid:5432 with sslmode=require (the certificate is not checked "
                + "against its host name) — fix: add sslmode=verify-full to the URL, with sslrootcert=FILE naming the "
                + "CA that signed the server's certificate (default ~/.postgresql/root.crt)", line(require, "warn tls"));
        TestSupport.Run verified = doctor(remote + "&sslmode=verify-full");
        assertEquals("ok   tls: sslmode=verify-full: the server's certificate and host name are checked",
                line(verified, "ok   tls: "));
        assertFalse((require.all() + verified.all()).contains(PASSWORD));
    }

    @Test
    void aPoolerIsSeenByNeonsHostNameOrByAnotherPortThanTheServers() {
        assertEquals("Neon's pooler (the host name has -pooler)",
                Doctor.poolerSeen(List.of("ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech:5432"), 5432));
        assertEquals(null, Doctor.poolerSeen(List.of("ep-cool-darkness-123456.us-east-2.aws.neon.tech:5432"), 5432));
        assertEquals("a pooler or a proxy (connected to port 6432, the server listens on 5432: PgBouncer, a port "
                + "mapping or a tunnel)", Doctor.poolerSeen(List.of("db.example.com:6432"), 5432));
        assertEquals(null, Doctor.poolerSeen(List.of("a.example.com:6432", "b.example.com:6432"), 5432),
                "several hosts: which one answered is not known");
        assertEquals(null, Doctor.poolerSeen(List.of("db.example.com:5432"), null), "a Unix socket: no port");
    }

    /**
     * The folder's side: an unreadable sync state fails with its fix; the backup folder's size and runs are shown,
     * and above 1 GB it is a warning.
     */
    @Test
    void anUnreadableStateFailsAndTheBackupsAreMeasured() throws Exception {
        scene = Scene.create("sqlite", tmp, true);
        Scene.append(scene.a, Scene.PYTHON, "A local edit that an import with -f backs up.\n");
        TestSupport.execute(scene.db, "update skills set skill_content = 'Edited in the database.' where skill_path = '"
                + Scene.PYTHON + "'");
        assertEquals(0, scene.run("import-from-db", scene.a, "-f").code());
        TestSupport.Run run = doctor(scene.db.url());
        assertEquals(0, run.code(), run.all());
        assertTrue(line(run, "ok   backup: ").matches("ok   backup: \\d+(\\.\\d)? KB in 1 run \\(\\.skill-fleet/backup/\\)"),
                run.out());

        Path backup = SyncState.backupFolder(scene.a);
        Path large = Files.createDirectories(backup.resolve("20260101T000000Z/local")).resolve("large.bin");
        try (java.io.RandomAccessFile big = new java.io.RandomAccessFile(large.toFile(), "rw")) {
            big.setLength((1L << 30) + (1L << 20)); // sparse: the size counts, the disk holds nothing
        }
        run = doctor(scene.db.url());
        assertEquals(0, run.code(), "a warning: " + run.all());
        assertTrue(line(run, "warn backup: ").matches("warn backup: 10\\d\\d\\.\\d MB in 2 runs \\(\\.skill-fleet/backup/\\): "
                + "nothing prunes it — fix: delete the oldest \\.skill-fleet/backup/<timestamp>/ folders you no longer "
                + "need"), run.out());

        Path state = SyncState.file(scene.a, Database.resolve(scene.db.url(), n -> null).identity());
        Files.writeString(state, "# skill-fleet sync state\nnot a hash line\n");
        run = doctor(scene.db.url());
        assertEquals(1, run.code(), run.all());
        assertEquals("FAIL state: .skill-fleet/" + state.getFileName() + " cannot be read as a sync state — fix: "
                + "delete it: the next sync-db then compares both sides as a first sync and deletes nothing",
                line(run, "FAIL state: "));
    }

    /** Without CREATE on the schema, tables still to be created are a failure: the first run could not make them. */
    @Test
    void absentTablesFailWhenTheRoleMayNotCreateThem() throws Exception {
        scene = Scene.empty("postgresql", tmp);
        Scene.samples(scene.a);
        String role = "doctor_" + scene.db.name();
        TestSupport.execute(scene.db, "revoke create on schema public from public; create role " + role + " login");
        try {
            String hostPort = Database.resolve(scene.db.url(), n -> null).jdbcUrl()
                    .replaceFirst("^jdbc:postgresql://([^/]+)/.*$", "$1");
            TestSupport.Run run = doctor("postgresql://" + role + ":" + PASSWORD + "@" + hostPort + "/"
                    + scene.db.name());
            assertEquals(1, run.code(), run.all());
            assertEquals("FAIL schema: no tables of the tool yet in schema public, and " + role + " may not create "
                    + "tables there — fix: grant create on schema public to " + role + ", or run export-to-db once as "
                    + "a role that may create them", line(run, "FAIL schema: "));
            assertFalse(run.all().contains(PASSWORD));
        } finally {
            TestSupport.execute(scene.db, "drop role " + role);
        }
    }

    @Test
    void throughPgBouncerThePoolerIsSeenAndPreparedStatementsOnAreAWarning() throws Exception {
        Path binary = PoolerTest.pgbouncer();
        Assumptions.assumeTrue(binary != null, "pgbouncer is not installed");
        scene = Scene.create("postgresql", tmp, false);
        try (PoolerTest.Bouncer bouncer = PoolerTest.pgbouncer(binary, tmp, scene.db)) {
            String url = "postgresql://postgres:" + PASSWORD + "@127.0.0.1:" + bouncer.port() + "/" + scene.db.name();
            assertEquals(0, TestSupport.run("export-to-db", scene.env, "-s", scene.a.toString(), "--db", url).code());
            TestSupport.Run run = doctor(url);
            assertEquals(0, run.code(), run.all());
            assertTrue(line(run, "ok   pooler: a pooler or a proxy (connected to port " + bouncer.port()
                    + ", the server listens on ").endsWith("prepared statements off (prepareThreshold=0), as "
                            + "PgBouncer in transaction mode needs"), run.out());
            TestSupport.Run prepared = doctor(url + "?prepareThreshold=5");
            assertEquals(0, prepared.code(), "a warning: " + prepared.all());
            assertTrue(line(prepared, "warn pooler: a pooler or a proxy").contains("prepared statements on "
                    + "(prepareThreshold=5)") && line(prepared, "warn pooler: ").endsWith(" — fix: remove "
                            + "prepareThreshold from the URL (the tool's default is 0), or set prepareThreshold=0"),
                    prepared.out());
            assertFalse((run.all() + prepared.all()).contains(PASSWORD));
        }
    }
}
