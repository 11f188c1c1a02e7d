import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What users paste as a database URL, and where the password must never show up. */
class DatabaseUrlTest {
    static Function<String, String> env(Map<String, String> values) {
        return values::get;
    }

    @Test
    void neonStyleUrlSplitsCredentialsIntoProperties() {
        Database.Target t = Database.resolve("postgresql://alex:s3cr%40t@ep-cool-1.eu-central-1.aws.neon.tech/neondb"
                + "?sslmode=require&channel_binding=require&connect_timeout=7&application_name=ci", env(Map.of()));
        assertEquals(Database.Dialect.POSTGRESQL, t.dialect());
        assertEquals("jdbc:postgresql://ep-cool-1.eu-central-1.aws.neon.tech:5432/neondb", t.jdbcUrl());
        assertEquals("alex", t.properties().getProperty("user"));
        assertEquals("s3cr@t", t.properties().getProperty("password"));
        assertEquals("require", t.properties().getProperty("sslmode"));
        assertEquals("require", t.properties().getProperty("channelBinding"));
        assertEquals("7", t.properties().getProperty("connectTimeout"));
        assertEquals("ci", t.properties().getProperty("ApplicationName"));
        assertEquals("unspecified", t.properties().getProperty("stringtype"));
        assertFalse(t.display().contains("s3cr"), t.display());
        assertFalse(t.identity().contains("alex"), "identity carries no credentials: " + t.identity());
        assertEquals("x **** y", Secrets.redact("x s3cr@t y"));
    }

    @Test
    void postgresSchemePortsAndSeveralHosts() {
        Database.Target t = Database.resolve("postgres://u@h1:6543,h2/db", env(Map.of()));
        assertEquals("jdbc:postgresql://h1:6543,h2:5432/db", t.jdbcUrl());
        assertEquals("u", t.properties().getProperty("user"));
        assertFalse(t.properties().containsKey("password"));
    }

    @Test
    void serverPreparedStatementsAreOffSoPoolersWorkUnlessTheUrlSaysOtherwise() {
        Database.Target t = Database.resolve("postgresql://u@ep-x-pooler.us-east-2.aws.neon.tech/db", env(Map.of()));
        assertEquals("0", t.properties().getProperty("prepareThreshold"));
        Database.Target direct = Database.resolve("postgresql://u@h/db?prepareThreshold=5", env(Map.of()));
        assertEquals("5", direct.properties().getProperty("prepareThreshold"));
        assertEquals("300", direct.properties().getProperty("socketTimeout"));
    }

    @Test
    void libpqVariablesFillWhatTheUrlLeavesOut() {
        Map<String, String> vars = Map.of("PGHOST", "db.internal", "PGPORT", "6000", "PGUSER", "app",
                "PGPASSWORD", "pw-from-env", "PGDATABASE", "skills", "PGSSLMODE", "verify-full");
        Database.Target t = Database.resolve(null, env(vars));
        assertEquals("jdbc:postgresql://db.internal:6000/skills", t.jdbcUrl());
        assertEquals("app", t.properties().getProperty("user"));
        assertEquals("pw-from-env", t.properties().getProperty("password"));
        assertEquals("verify-full", t.properties().getProperty("sslmode"));
        Database.Target partial = Database.resolve("postgresql:///other", env(vars));
        assertEquals("jdbc:postgresql://db.internal:6000/other", partial.jdbcUrl());
        assertEquals("[****]", Secrets.redact("[pw-from-env]"));
    }

    @Test
    void jdbcUrlsPassThrough() {
        Database.Target pg = Database.resolve("jdbc:postgresql://h:5432/db?user=u&password=jdbc-secret",
                env(Map.of()));
        assertEquals("jdbc:postgresql://h:5432/db?user=u&password=jdbc-secret", pg.jdbcUrl());
        assertFalse(pg.display().contains("jdbc-secret"), pg.display());
        assertEquals("****", Secrets.redact("jdbc-secret"));
        Database.Target lite = Database.resolve("jdbc:sqlite:some/file.db", env(Map.of()));
        assertEquals(Database.Dialect.SQLITE, lite.dialect());
        assertTrue(lite.sqliteFile().isAbsolute());
        assertFalse(lite.embeddedDefault());
    }

    @Test
    void databaseUrlVariableAndTheEmbeddedDefault(@TempDir Path home) {
        Database.Target fromVar = Database.resolve(null, env(Map.of("DATABASE_URL", "postgresql://u@h/d")));
        assertEquals("jdbc:postgresql://h:5432/d", fromVar.jdbcUrl());
        Database.Target dflt = Database.resolve(null, env(Map.of("SKILL_FLEET_HOME", home.toString())));
        assertTrue(dflt.embeddedDefault());
        assertEquals(home.resolve("skills.db").toAbsolutePath(), dflt.sqliteFile());
    }

    @Test
    void dotEnvFileInTheWorkingDirectory(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), "SKILL_FLEET_TEST_ONLY_URL=jdbc:sqlite:from-dotenv.db\n");
        assertEquals("jdbc:sqlite:from-dotenv.db", Database.environment(dir).apply("SKILL_FLEET_TEST_ONLY_URL"));
        assertEquals(null, Database.environment(dir).apply("SKILL_FLEET_TEST_ONLY_MISSING"));
    }

    @Test
    void unsupportedUrlsAreRefusedWithoutEchoingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Database.resolve("mysql://root:hunter22@h/db", env(Map.of())));
        assertTrue(e.getMessage().contains("'mysql'"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter22"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Database.resolve("postgresql://u:bad%zzpass@h/db", env(Map.of())));
        assertFalse(bad.getMessage().contains("bad%zzpass"), bad.getMessage());
    }
    @Test
    void theIdentityKeysTheSchemaAndStaysAsItWasWithoutOne() {
        Map<String, String> none = Map.of();
        // Without a schema, exactly the identity earlier versions used: existing sync states are still found.
        assertEquals("postgresql://h1:5432/db", Database.resolve("postgresql://u:p@H1/db?sslmode=require", env(none))
                .identity());
        assertEquals("postgresql://h:5432/db", Database.resolve("jdbc:postgresql://H:5432/db?user=u", env(none))
                .identity());
        assertEquals("postgresql://h:5432/db?search_path=staging",
                Database.resolve("postgresql://u@h/db?currentSchema=Staging", env(none)).identity());
        assertEquals("postgresql://h:5432/db?search_path=staging",
                Database.resolve("jdbc:postgresql://h:5432/db?currentSchema=staging", env(none)).identity());
        for (String options : new String[] {"-c%20search_path%3Dstaging", "-csearch_path%3Dstaging",
                "--search_path%3Dstaging", "--search-path%3Dstaging",
                "-c%20statement_timeout%3D5%20-c%20search_path%3Dstaging"}) {
            assertEquals("postgresql://h:5432/db?search_path=staging",
                    Database.resolve("postgresql://u@h/db?options=" + options, env(none)).identity(), options);
        }
        assertEquals("postgresql://h:5432/db?search_path=a,\"B\"",
                Database.resolve("postgresql://u@h/db?options=-c%20search_path%3Da,\\%20%22B%22", env(none))
                        .identity());
        assertEquals("postgresql://h:5432/db?search_path=staging",
                Database.resolve("jdbc:postgresql://h:5432/db?options=-c+search_path%3Dstaging", env(none)).identity(),
                "pgjdbc reads a '+' in a parameter as a space");
        assertEquals("postgresql://h:5432/db?search_path=prod", Database.resolve(
                "jdbc:postgresql://h:5432/db?options=-c%20search_path%3Dstaging&currentSchema=prod", env(none))
                .identity(), "currentSchema wins, as on the server");
        assertEquals("postgresql://h:5432/db", Database.resolve("postgresql://u@h/db?options=-c%20work_mem%3D4MB",
                env(none)).identity());
    }

    @Test
    void sqliteIsKeyedByTheFilesRealPath(@TempDir Path dir) throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        String notYet = Database.resolve("jdbc:sqlite:" + link.resolve("sub/new.db"), env(Map.of())).identity();
        assertEquals("sqlite:" + real.toRealPath().resolve("sub/new.db"), notYet);
        Files.writeString(real.resolve("x.db"), "");
        Path alias = Files.createSymbolicLink(dir.resolve("alias.db"), real.resolve("x.db"));
        String direct = Database.resolve("jdbc:sqlite:" + real.resolve("x.db"), env(Map.of())).identity();
        assertEquals(direct, Database.resolve("jdbc:sqlite:" + alias, env(Map.of())).identity());
        assertEquals(direct, Database.resolve("jdbc:sqlite:" + link.resolve("../real/./x.db"), env(Map.of()))
                .identity());
        assertEquals("sqlite:" + alias, Database.resolve("jdbc:sqlite:" + alias, env(Map.of())).display(),
                "shown as given");
    }

    @Test
    void aPastedPasswordWithUnencodedSpecialCharactersIsStillThePassword() {
        for (String password : new String[] {"Se/cr?et", "a@b/c", "p:w@x", "x/y?z=1", "q?w"}) {
            Database.Target t = Database.resolve("postgresql://app:" + password + "@db.example.com:6543/skills"
                    + "?sslmode=require", env(Map.of()));
            assertEquals(password, t.properties().getProperty("password"), password);
            assertEquals("app", t.properties().getProperty("user"), password);
            assertEquals("jdbc:postgresql://db.example.com:6543/skills", t.jdbcUrl(), password);
            assertEquals("require", t.properties().getProperty("sslmode"), password);
        }
        Database.Target jdbc = Database.resolve("jdbc:postgresql://app:pw-123@h:5433/db?ssl=true", env(Map.of()));
        assertEquals("jdbc:postgresql://h:5433/db", jdbc.jdbcUrl());
        assertEquals("pw-123", jdbc.properties().getProperty("password"));
        assertEquals("true", jdbc.properties().getProperty("ssl"));
        // An '@' inside a query value is not the end of a password.
        Database.Target query = Database.resolve("postgresql://h/db?application_name=me@corp", env(Map.of()));
        assertEquals("jdbc:postgresql://h:5432/db", query.jdbcUrl());
        assertEquals("me@corp", query.properties().getProperty("ApplicationName"));
        Database.Target both = Database.resolve("postgresql://u:p@h/db?application_name=me@corp", env(Map.of()));
        assertEquals("jdbc:postgresql://h:5432/db", both.jdbcUrl());
        Database.Target pg = Database.resolve("jdbc:postgresql://h/db?user=me@corp&password=x", env(Map.of()));
        assertEquals("jdbc:postgresql://h/db?user=me@corp&password=x", pg.jdbcUrl());
    }
}
