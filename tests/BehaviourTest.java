import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Promises of the README that no other test holds to, through the real commands on real folders, against PostgreSQL
 * and SQLite: --no-backup, what a backup holds, --max-file-size, where the database comes from, -v, the
 * compatibility lint rule, and the scripts' heap.
 */
class BehaviourTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String JAVA = Scene.JAVA;
    static final String PYTHON = Scene.PYTHON;
    static final String TDD = Scene.TDD;
    static final String POSTGRES = "operations/databases/postgres-tuning";
    static final String WRITING = Scene.WRITING;
    static final List<String> SAMPLES = List.of(JAVA, PYTHON, TDD, POSTGRES, WRITING);

    @TempDir Path tmp;
    Scene scene;

    @AfterEach
    void tearDown() throws Exception {
        Scene.close(scene);
    }

    /** A conflict: the skill edited in the folder and, differently, in the database (as through the API). */
    void editBothSides(Path dir, String skill, String tag) throws Exception {
        Scene.append(dir, skill, "Edited in the folder " + tag + ".\n");
        TestSupport.execute(scene.db, "update skills set skill_content = skill_content || 'Edited in the database "
                + tag + ".' where skill_path = '" + skill + "'");
    }

    String md(Path dir, String skill) throws Exception {
        return TestSupport.read(dir.resolve(skill).resolve("SKILL.md"));
    }

    /** Every file under the folder's .skill-fleet/backup/, relative to it. */
    static List<String> backedUp(Path dir) throws Exception {
        Path root = dir.getParent().resolve(".skill-fleet/backup");
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(f -> root.relativize(f).toString()).sorted().toList();
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void noBackupSavesNothingWhenImportOrSyncReplacesAVersion(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        Path a = scene.a;
        assertEquals(0, scene.run("sync-db", a).code());

        editBothSides(a, TDD, "1");
        TestSupport.Run imported = scene.run("import-from-db", a, "--status", "all", "-f", "--no-backup");
        assertEquals(0, imported.code(), imported.all());
        assertTrue(md(a, TDD).contains("Edited in the database 1."), "the folder's copy was replaced");
        editBothSides(a, PYTHON, "2");
        TestSupport.Run preferDb = scene.run("sync-db", a, "--prefer", "db", "--no-backup");
        assertEquals(0, preferDb.code(), preferDb.all());
        assertTrue(md(a, PYTHON).contains("Edited in the database 2."), "the folder's copy was replaced");
        editBothSides(a, WRITING, "3");
        TestSupport.Run preferLocal = scene.run("sync-db", a, "--prefer", "local", "--no-backup");
        assertEquals(0, preferLocal.code(), preferLocal.all());
        assertTrue(scene.content(WRITING).contains("Edited in the folder 3."), "the database's copy was replaced");
        assertEquals(List.of(), backedUp(a));

        // The same three without --no-backup each save the version they replace.
        editBothSides(a, TDD, "4");
        assertEquals(0, scene.run("import-from-db", a, "--status", "all", "-f").code());
        editBothSides(a, PYTHON, "5");
        assertEquals(0, scene.run("sync-db", a, "--prefer", "db").code());
        editBothSides(a, WRITING, "6");
        assertEquals(0, scene.run("sync-db", a, "--prefer", "local").code());
        List<String> saved = backedUp(a);
        for (String file : List.of("/local/" + TDD + "/SKILL.md", "/local/" + PYTHON + "/SKILL.md",
                "/database/" + WRITING + "/SKILL.md")) {
            assertTrue(saved.stream().anyMatch(f -> f.endsWith(file)), file + " in " + saved);
        }
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void aBackupHoldsEveryFileOfTheSkillWithItsExecutableBit(String kind) throws Exception {
        scene = Scene.empty(kind, tmp);
        Path a = scene.a;
        Path skill = a.resolve("misc/tooling");
        TestSupport.write(skill.resolve("SKILL.md"), "---\nname: tooling\ndescription: Runs things.\n---\nBody.\n");
        TestSupport.write(skill.resolve("scripts/run.sh"), "#!/bin/sh\necho run\n");
        Files.setPosixFilePermissions(skill.resolve("scripts/run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        TestSupport.write(skill.resolve("references/notes.md"), "Notes.\n");
        assertEquals(0, scene.run("export-to-db", a).code());

        TestSupport.write(skill.resolve("SKILL.md"), "---\nname: tooling\ndescription: Runs things.\n---\nEdited.\n");
        TestSupport.write(skill.resolve("scripts/run.sh"), "#!/bin/sh\necho edited\n");
        TestSupport.write(skill.resolve("references/notes.md"), "Edited notes.\n");
        Path edited = tmp.resolve("edited");
        TestSupport.copyTree(skill, edited);
        TestSupport.Run imported = scene.run("import-from-db", a, "--status", "all", "-f");
        assertEquals(0, imported.code(), imported.all());
        assertEquals("Notes.\n", TestSupport.read(skill.resolve("references/notes.md")), "the database's copy is in");

        List<String> saved = backedUp(a);
        assertEquals(3, saved.size(), saved.toString());
        Path backup = a.getParent().resolve(".skill-fleet/backup").resolve(saved.get(0).substring(0,
                saved.get(0).indexOf('/'))).resolve("local/misc/tooling");
        TestSupport.assertSameTree(edited, backup);
        assertTrue(SkillFolder.isExecutable(backup.resolve("scripts/run.sh")), "run.sh is executable in the backup");
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void maxFileSizeSkipsASkillWithALargerFileNamingFileAndLimit(String kind) throws Exception {
        scene = Scene.empty(kind, tmp);
        Path a = scene.a;
        TestSupport.write(a.resolve("misc/big/SKILL.md"), "---\nname: big\ndescription: Has a blob.\n---\nBody.\n");
        Files.write(Files.createDirectories(a.resolve("misc/big/assets")).resolve("blob.bin"), new byte[2048]);
        TestSupport.write(a.resolve("misc/small/SKILL.md"), "---\nname: small\ndescription: Small.\n---\nBody.\n");

        TestSupport.Run limited = scene.run("export-to-db", a, "--max-file-size", "1KB");
        assertEquals(3, limited.code(), limited.all());
        assertTrue(limited.err().contains("skipped misc/big: assets/blob.bin: 2048 bytes, over --max-file-size "
                + "(1024 bytes)"), limited.err());
        assertEquals(List.of("misc/small"), TestSupport.column(scene.db, "select skill_path from skills"));

        TestSupport.Run roomy = scene.run("export-to-db", a, "--max-file-size", "4KB");
        assertEquals(0, roomy.code(), roomy.all());
        assertEquals(List.of("misc/big", "misc/small"),
                TestSupport.column(scene.db, "select skill_path from skills order by skill_path"));
    }

    @Test
    void theDatabaseIsDbThenDatabaseUrlThenDotEnvThenThePgVariables() throws Exception {
        Path skills = Scene.samples(tmp.resolve("a/skills"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path bare = Files.createDirectories(tmp.resolve("bare"));
        Path home = tmp.resolve("home");
        Files.writeString(work.resolve(".env"), "DATABASE_URL=jdbc:sqlite:" + tmp.resolve("dotenv.db") + "\n");
        try (TestDatabases.TestDb pg = TestDatabases.create("postgresql", tmp)) {
            Map<String, String> vars = new HashMap<>(pgVariables(pg));
            vars.put("SKILL_FLEET_HOME", home.toString());
            vars.put("DATABASE_URL", "jdbc:sqlite:" + tmp.resolve("env.db"));

            assertEquals("sqlite:" + tmp.resolve("flag.db"), databaseOf(TestSupport.runIn(work, "export-to-db", vars,
                    "-s", skills.toString(), "--db", "jdbc:sqlite:" + tmp.resolve("flag.db"))));
            assertEquals("sqlite:" + tmp.resolve("env.db"), databaseOf(TestSupport.runIn(work, "export-to-db", vars,
                    "-s", skills.toString())));
            vars.remove("DATABASE_URL");
            assertEquals("sqlite:" + tmp.resolve("dotenv.db"), databaseOf(TestSupport.runIn(work, "export-to-db",
                    vars, "-s", skills.toString())));
            assertTrue(databaseOf(TestSupport.runIn(bare, "export-to-db", vars, "-s", skills.toString()))
                    .endsWith("/" + pg.name()));
            assertEquals("5", TestSupport.column(pg, "select count(*) from skills").get(0));
            assertEquals("sqlite:" + home.resolve("skills.db"), databaseOf(TestSupport.runIn(bare, "export-to-db",
                    Map.of("SKILL_FLEET_HOME", home.toString()), "-s", skills.toString())));
        }
        for (String file : List.of("flag.db", "env.db", "dotenv.db", "home/skills.db")) {
            assertTrue(Files.isRegularFile(tmp.resolve(file)), file);
        }

        // The process environment itself, as a started script sees it, comes before .env.
        Path proc = Files.createDirectories(tmp.resolve("proc"));
        Files.writeString(proc.resolve(".env"), "DATABASE_URL=jdbc:sqlite:" + tmp.resolve("proc-dotenv.db") + "\n");
        Process p = TestSupport.start(proc, Map.of("DATABASE_URL", "jdbc:sqlite:" + tmp.resolve("proc-env.db"),
                "SKILL_FLEET_HOME", home.toString()), "export_to_db", "-s", skills.toString());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "export-to-db ended");
        assertEquals(0, p.exitValue(), TestSupport.outputOf(proc));
        assertEquals("sqlite:" + tmp.resolve("proc-env.db"), databaseOf(TestSupport.outputOf(proc)));
        assertFalse(Files.exists(tmp.resolve("proc-dotenv.db")));
    }

    /** PGHOST, PGPORT, PGUSER, PGDATABASE (and PGPASSWORD if it has one) naming a test database. */
    static Map<String, String> pgVariables(TestDatabases.TestDb pg) throws Exception {
        try (Connection c = pg.connect()) {
            DatabaseMetaData meta = c.getMetaData();
            Matcher m = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/([^?]+).*").matcher(meta.getURL());
            assertTrue(m.matches(), meta.getURL());
            Map<String, String> vars = new HashMap<>(Map.of("PGHOST", m.group(1), "PGPORT", m.group(2),
                    "PGUSER", meta.getUserName(), "PGDATABASE", m.group(3)));
            String password = Database.resolve(pg.url(), n -> null).properties().getProperty("password");
            if (password != null) {
                vars.put("PGPASSWORD", password);
            }
            return vars;
        }
    }

    /** The database a run's summary line names: "... (folder F, database D)". */
    static String databaseOf(TestSupport.Run run) {
        assertEquals(0, run.code(), run.all());
        return databaseOf(run.out());
    }

    static String databaseOf(String output) {
        Matcher m = Pattern.compile("(?m)^export-to-db: .*, database (.+)\\)$").matcher(output);
        assertTrue(m.find(), output);
        return m.group(1);
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void verboseNamesEverySkillsActionAndTimesEachPhase(String kind) throws Exception {
        scene = Scene.create(kind, tmp, false);
        Path a = scene.a;
        TestSupport.Run created = scene.run("export-to-db", a, "-v");
        assertEquals(0, created.code(), created.all());
        for (String skill : SAMPLES) {
            assertTrue(created.out().lines().anyMatch(l -> l.startsWith("create-in-db " + skill + ": ")),
                    created.out());
        }

        TestSupport.Run plain = scene.run("sync-db", a);
        assertEquals(0, plain.code(), plain.all());
        assertFalse(plain.out().contains("unchanged "), plain.out());
        assertFalse(plain.err().contains("timing:"), plain.err());

        TestSupport.Run verbose = scene.run("sync-db", a, "-v");
        assertEquals(0, verbose.code(), verbose.all());
        for (String skill : SAMPLES) {
            assertTrue(verbose.out().lines().anyMatch(l -> l.equals("unchanged " + skill + ": same on both sides")),
                    verbose.out());
        }
        Pattern timing = Pattern.compile("timing: (.+?) +\\d+\\.\\d\\d s \\(total \\d+\\.\\d\\d s\\)");
        List<String> phases = new ArrayList<>();
        for (String line : verbose.err().lines().filter(l -> l.startsWith("timing:")).toList()) {
            Matcher m = timing.matcher(line);
            assertTrue(m.matches(), line);
            phases.add(m.group(1));
        }
        assertEquals(List.of("list the folder", "connect and list the database", "plan", "write the database",
                "write the folder", "record the base"), phases, verbose.err());
    }

    @ParameterizedTest
    @FieldSource("KINDS")
    void compatibilityOver500CharactersIsALintWarningAndStrictSkipsIt(String kind) throws Exception {
        scene = Scene.empty(kind, tmp);
        Path a = scene.a;
        TestSupport.write(a.resolve("misc/long-compat/SKILL.md"), "---\nname: long-compat\ndescription: Needs a lot."
                + "\ncompatibility: " + "x".repeat(501) + "\n---\nBody.\n");
        TestSupport.write(a.resolve("misc/fits/SKILL.md"), "---\nname: fits\ndescription: Needs a lot.\n"
                + "compatibility: " + "x".repeat(500) + "\n---\nBody.\n");

        TestSupport.Run strict = scene.run("export-to-db", a, "--strict");
        assertEquals(3, strict.code(), strict.all());
        assertTrue(strict.err().contains("skipped misc/long-compat: SKILL.md: compatibility must be at most 500 "
                + "characters (has 501)"), strict.err());
        assertEquals(List.of("misc/fits"), TestSupport.column(scene.db, "select skill_path from skills"));

        TestSupport.Run warned = scene.run("export-to-db", a);
        assertEquals(0, warned.code(), warned.all());
        assertTrue(warned.err().contains("warning: lint: misc/long-compat: compatibility must be at most 500 "
                + "characters (has 501)"), warned.err());
        assertFalse(warned.err().contains("lint: misc/fits"), warned.err());
        assertEquals("2", TestSupport.column(scene.db, "select count(*) from skills").get(0));
    }

    @Test
    void commandsStartedAsTheirOwnJvmRunWithTheScriptsHeapOf256Megabytes() throws Exception {
        Process p = TestSupport.start(tmp, Map.of(), "Probe", "max-heap");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe ended");
        assertEquals(String.valueOf(256L * 1024 * 1024), TestSupport.outputOf(tmp).strip());
    }
}
