import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where most tests start: a throwaway database (PostgreSQL or SQLite), the sample skills in folder {@code a}, and a
 * second folder {@code b}, with the commands run in-process on either folder against that database. Closing it drops
 * the database.
 */
final class Scene implements AutoCloseable {
    static final String PYTHON = "development/languages/python";
    static final String JAVA = "development/languages/java";
    static final String TDD = "development/testing/test-driven-development";
    static final String WRITING = "writing/technical-writing";

    final TestDatabases.TestDb db;
    final Map<String, String> env;
    final Path a;
    final Path b;

    private Scene(TestDatabases.TestDb db, Path tmp) {
        this.db = db;
        this.env = Map.of("SKILL_FLEET_HOME", tmp.resolve("home").toString());
        this.a = tmp.resolve("a/skills");
        this.b = tmp.resolve("b/skills");
    }

    /** The sample skills in a; with {@code synced}, a and then b have synced with the database, so all three agree. */
    static Scene create(String kind, Path tmp, boolean synced) throws Exception {
        Scene scene = empty(kind, tmp);
        samples(scene.a);
        if (synced) {
            assertEquals(0, scene.run("sync-db", scene.a).code());
            assertEquals(0, scene.run("sync-db", scene.b).code());
        }
        return scene;
    }

    /** An empty database, and neither a nor b exists yet: for a test that builds its own folders. */
    static Scene empty(String kind, Path tmp) throws Exception {
        return new Scene(TestDatabases.create(kind, tmp), tmp);
    }

    /** Copies the sample skills into a folder (created if needed); returns the folder. */
    static Path samples(Path dir) throws Exception {
        TestSupport.copyTree(TestSupport.repoRoot().resolve("skills"), dir);
        return dir;
    }

    TestSupport.Run run(String command, Path dir, String... args) {
        return run(command, dir, Hooks.NONE, args);
    }

    /** Runs a command on a folder against this scene's database, with hooks at the moments a test wants. */
    TestSupport.Run run(String command, Path dir, Hooks hooks, String... args) {
        List<String> all = new ArrayList<>(List.of("-s", dir.toString(), "--db", db.url()));
        all.addAll(List.of(args));
        return TestSupport.run(command, env, hooks, all.toArray(String[]::new));
    }

    static void append(Path dir, String skill, String text) throws Exception {
        Path md = dir.resolve(skill).resolve("SKILL.md");
        TestSupport.write(md, TestSupport.read(md) + text);
    }

    /** The body the database holds for a skill. */
    String content(String skill) throws Exception {
        return one("select skill_content from skills where skill_path = '" + skill + "'");
    }

    /** The one value a query returns. */
    String one(String sql) throws Exception {
        List<String> values = TestSupport.column(db, sql);
        assertEquals(1, values.size(), sql + " -> " + values);
        return values.get(0);
    }

    /** Closes a scene a test may not have got to create. */
    static void close(Scene scene) throws Exception {
        if (scene != null) {
            scene.close();
        }
    }

    @Override
    public void close() throws Exception {
        db.close();
    }
}
