//DEPS org.postgresql:postgresql:42.7.8
//DEPS org.xerial:sqlite-jdbc:3.50.3.0
//DEPS io.github.cdimascio:dotenv-java:3.2.0
//RUNTIME_OPTIONS --enable-native-access=ALL-UNNAMED -Xmx256m -XX:+UseSerialGC -Djdk.nio.maxCachedBufferSize=1048576

import io.github.cdimascio.dotenv.Dotenv;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * Where the skills database is and how to reach it: turns what users paste (libpq URLs as Neon prints them,
 * {@code jdbc:postgresql:}, {@code jdbc:sqlite:}, the PG* variables, or nothing for the embedded SQLite default) into
 * a JDBC URL plus properties, connects, and creates the schema when it is absent. The password goes into connection
 * properties only; {@link Target#display()} never shows it, and it is registered with {@link Secrets} so that no
 * message can leak it.
 */
final class Database {
    enum Dialect { POSTGRESQL, SQLITE }

    /**
     * Where to connect. {@code identity} names the data without credentials, and keys the sync state: host, port and
     * database, plus the schema search path when the URL sets one; for SQLite, the file's real path.
     */
    record Target(Dialect dialect, String jdbcUrl, Properties properties, String display, String identity,
            Path sqliteFile, boolean embeddedDefault) {
    }

    /** libpq query parameters whose pgjdbc property has another name. */
    private static final Map<String, String> LIBPQ_PARAMETERS = Map.of(
            "channel_binding", "channelBinding",
            "connect_timeout", "connectTimeout",
            "application_name", "ApplicationName",
            "sslrootcert", "sslrootcert",
            "sslcert", "sslcert",
            "sslkey", "sslkey",
            "target_session_attrs", "targetServerType");

    private Database() {
    }

    /** Environment lookups: the process environment first, then a .env file in the working directory. */
    static Function<String, String> environment(Path workDir) {
        return environment(workDir, System::getenv);
    }

    /** The same over a given process environment (tests pass theirs). */
    static Function<String, String> environment(Path workDir, Function<String, String> processEnvironment) {
        Dotenv dotenv = Dotenv.configure().directory(workDir.toString()).ignoreIfMissing().ignoreIfMalformed().load();
        Map<String, String> file = new LinkedHashMap<>();
        dotenv.entries(Dotenv.Filter.DECLARED_IN_ENV_FILE).forEach(e -> file.put(e.getKey(), e.getValue()));
        return name -> {
            String value = processEnvironment.apply(name);
            return value != null && !value.isEmpty() ? value : file.get(name);
        };
    }

    /** The target for {@code --db} (or DATABASE_URL, or the PG* variables, or the embedded default). */
    static Target resolve(String url, Function<String, String> env) {
        if (url == null || url.isBlank()) {
            url = env.apply("DATABASE_URL");
        }
        Secrets.register(env.apply("PGPASSWORD"));
        if (url == null || url.isBlank()) {
            if (env.apply("PGHOST") != null || env.apply("PGDATABASE") != null) {
                return fromLibpq("postgresql://", env);
            }
            String home = env.apply("SKILL_FLEET_HOME");
            String userHome = env.apply("HOME");
            Path dir = home != null && !home.isBlank() ? Path.of(home)
                    : Path.of(userHome != null && !userHome.isBlank() ? userHome : System.getProperty("user.home"),
                            ".skill-fleet");
            return sqlite(dir.resolve("skills.db"), true);
        }
        url = url.strip();
        if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
            return fromLibpq(url, env);
        }
        if (url.startsWith("jdbc:postgresql://") && userinfoEnd(url.substring("jdbc:postgresql://".length())) >= 0) {
            // libpq's user:password@ form with jdbc: in front, a common paste; pgjdbc would take the user name and
            // password for part of the host name (and echo them in its errors).
            return fromLibpq(url.substring("jdbc:".length()), env);
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return fromJdbcPostgres(url, env);
        }
        if (url.startsWith("jdbc:sqlite:")) {
            String file = url.substring("jdbc:sqlite:".length());
            int q = file.indexOf('?');
            if (q >= 0) {
                file = file.substring(0, q);
            }
            if (file.startsWith("file:")) {
                file = file.substring("file:".length());
            }
            if (file.isBlank()) {
                throw new IllegalArgumentException("the SQLite URL names no file: use jdbc:sqlite:PATH");
            }
            return sqlite(Path.of(file), false);
        }
        int colon = url.indexOf(':');
        String scheme = colon > 0 && colon < 20 ? url.substring(0, colon) : "(none)";
        throw new IllegalArgumentException("unsupported database URL scheme '" + scheme.replaceAll("[^a-zA-Z0-9+.-]", "")
                + "': use postgresql://, postgres://, jdbc:postgresql: or jdbc:sqlite:");
    }

    static Target sqlite(Path file, boolean embeddedDefault) {
        Path abs = file.toAbsolutePath().normalize();
        Properties p = new Properties();
        p.setProperty("foreign_keys", "true");
        p.setProperty("journal_mode", "WAL");
        p.setProperty("busy_timeout", "30000");
        p.setProperty("transaction_mode", "IMMEDIATE");
        return new Target(Dialect.SQLITE, "jdbc:sqlite:" + abs, p, "sqlite:" + abs, "sqlite:" + realPath(abs), abs,
                embeddedDefault);
    }

    /**
     * The file's real path, so that every path to one SQLite file (through a symbolic link, or relative) keys one
     * sync state; for a file not yet created, its nearest existing folder's real path with the rest appended.
     */
    static Path realPath(Path abs) {
        Path existing = abs;
        List<Path> missing = new ArrayList<>();
        while (existing != null && !Files.exists(existing)) {
            missing.add(0, existing.getFileName());
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            Path real = existing.toRealPath();
            for (Path name : missing) {
                real = real.resolve(name);
            }
            return real;
        } catch (java.io.IOException e) {
            return abs;
        }
    }

    /** Parses postgresql://[user[:password]@][host[:port][,...]][/dbname][?param=value&...] as libpq does. */
    static Target fromLibpq(String url, Function<String, String> env) {
        String rest = url.substring(url.indexOf("://") + 3);
        String user = null;
        String password = null;
        int at = userinfoEnd(rest);
        if (at >= 0) {
            String userinfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userinfo.indexOf(':');
            user = decode(colon >= 0 ? userinfo.substring(0, colon) : userinfo);
            password = colon >= 0 ? decode(userinfo.substring(colon + 1)) : null;
            Secrets.register(password);
        }
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String authority = slash >= 0 ? rest.substring(0, slash) : rest;
        String dbname = slash >= 0 ? decode(rest.substring(slash + 1)) : "";
        Properties props = new Properties();
        for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = decode(eq >= 0 ? pair.substring(0, eq) : pair);
            String value = eq >= 0 ? decode(pair.substring(eq + 1)) : "";
            switch (key) {
                case "user" -> user = value;
                case "password" -> {
                    password = value;
                    Secrets.register(value);
                }
                case "dbname" -> dbname = value;
                case "host" -> authority = value;
                case "port" -> authority = authority + ":" + value;
                default -> props.setProperty(LIBPQ_PARAMETERS.getOrDefault(key, key), value);
            }
        }
        List<String> hosts = new ArrayList<>();
        String defaultPort = nonEmptyOr(env.apply("PGPORT"), "5432");
        String hostList = authority.isEmpty() ? nonEmptyOr(env.apply("PGHOST"), "localhost") : authority;
        for (String h : hostList.split(",")) {
            hosts.add(hostPort(h, defaultPort));
        }
        if (user == null || user.isEmpty()) {
            user = nonEmptyOr(env.apply("PGUSER"), System.getProperty("user.name"));
        }
        if (password == null) {
            password = env.apply("PGPASSWORD");
        }
        if (dbname.isEmpty()) {
            dbname = nonEmptyOr(env.apply("PGDATABASE"), user);
        }
        copyEnv(env, props, "PGSSLMODE", "sslmode");
        copyEnv(env, props, "PGAPPNAME", "ApplicationName");
        copyEnv(env, props, "PGCONNECT_TIMEOUT", "connectTimeout");
        copyEnv(env, props, "PGCHANNELBINDING", "channelBinding");
        copyEnv(env, props, "PGSSLROOTCERT", "sslrootcert");
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        String hostsText = String.join(",", hosts);
        String jdbc = "jdbc:postgresql://" + hostsText + "/" + URLEncoder.encode(dbname, StandardCharsets.UTF_8);
        return postgres(jdbc, props, "postgresql://" + user + "@" + hostsText + "/" + dbname,
                withSearchPath("postgresql://" + hostsText.toLowerCase(Locale.ROOT) + "/" + dbname, props));
    }

    /** A jdbc:postgresql: URL as pgjdbc takes it; user and password may come from PGUSER and PGPASSWORD. */
    static Target fromJdbcPostgres(String url, Function<String, String> env) {
        Properties props = new Properties();
        Properties parameters = new Properties();
        int q = url.indexOf('?');
        String base = q >= 0 ? url.substring(0, q) : url;
        if (q >= 0) {
            for (String pair : url.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    // As pgjdbc decodes them: a '+' is a space.
                    parameters.setProperty(decode(pair.substring(0, eq).replace("+", "%20")),
                            decode(pair.substring(eq + 1).replace("+", "%20")));
                    if (decode(pair.substring(0, eq)).equals("password")) {
                        Secrets.register(decode(pair.substring(eq + 1)));
                    }
                }
            }
            Secrets.register(parameters.getProperty("password"));
        }
        // The parameters as parsed: "sslpassword=" in the URL is not a password for PGPASSWORD to yield to.
        if (!parameters.containsKey("user") && env.apply("PGUSER") != null) {
            props.setProperty("user", env.apply("PGUSER"));
        }
        if (!parameters.containsKey("password") && env.apply("PGPASSWORD") != null) {
            props.setProperty("password", env.apply("PGPASSWORD"));
        }
        String shown = base.substring("jdbc:".length());
        int at = shown.indexOf('@');
        if (at >= 0) {
            shown = "postgresql://" + shown.substring(at + 1);
        }
        return postgres(url, props, shown, withSearchPath(shown.toLowerCase(Locale.ROOT), parameters));
    }

    /**
     * Where the user name and password that follow "://" end: the index of their '@', or -1 when there are none. As
     * libpq reads a URL, the last '@' before the first '/' or '?'. A pasted password often holds an unencoded '/',
     * '?' or '@', which would make its first part a host and port (shown in messages): so when the last '@' of the
     * whole URL is followed by a plausible host list and is not inside a query value, it ends the password instead.
     */
    static int userinfoEnd(String rest) {
        int hostEnd = rest.length();
        for (char c : new char[] {'/', '?'}) {
            int i = rest.indexOf(c);
            if (i >= 0 && i < hostEnd) {
                hostEnd = i;
            }
        }
        int standard = hostEnd == 0 ? -1 : rest.lastIndexOf('@', hostEnd - 1);
        int last = rest.lastIndexOf('@');
        if (last <= standard || !AFTER_USERINFO.matcher(rest.substring(last + 1)).matches()
                || IN_QUERY_VALUE.matcher(rest.substring(standard + 1, last)).matches()) {
            return standard;
        }
        return last;
    }

    private static final String HOSTS = "(?:\\[[0-9A-Za-z:.%]*\\]|[A-Za-z0-9._~%-]*)(?::\\d*)?"
            + "(?:,(?:\\[[0-9A-Za-z:.%]*\\]|[A-Za-z0-9._~%-]*)(?::\\d*)?)*";
    /** A host list, then the end, the database name or the query. */
    private static final java.util.regex.Pattern AFTER_USERINFO =
            java.util.regex.Pattern.compile(HOSTS + "(?:[/?].*)?", java.util.regex.Pattern.DOTALL);
    /** Hosts, a database name and a query whose last value runs on: the text before an '@' inside that value. */
    private static final java.util.regex.Pattern IN_QUERY_VALUE = java.util.regex.Pattern.compile(
            HOSTS + "(?:/[^?]*)?\\?(?:[^=&]*=[^&]*&)*[^=&]+=[^&]*", java.util.regex.Pattern.DOTALL);

    /**
     * The identity with the schema search path the connection settings choose, when they choose one: another schema
     * of the same database holds other skills, so it keys another sync state. pgjdbc's currentSchema wins over a
     * search_path in the startup options, as it does on the server. Without either the identity is unchanged, so
     * the state of existing folders is still found.
     */
    static String withSearchPath(String identity, Properties settings) {
        String path = settings.getProperty("currentSchema");
        if (path == null && settings.getProperty("options") != null) {
            path = searchPathOption(settings.getProperty("options"));
        }
        if (path == null) {
            return identity;
        }
        List<String> schemas = new ArrayList<>();
        for (String schema : path.split(",", -1)) {
            String s = schema.strip();
            // PostgreSQL folds unquoted names to lower case; quoted ones are taken as written.
            schemas.add(s.startsWith("\"") ? s : s.toLowerCase(Locale.ROOT));
        }
        return identity + "?search_path=" + String.join(",", schemas);
    }

    /** The last search_path in libpq startup options (-c name=value, -cname=value, --name=value), or null. */
    static String searchPathOption(String options) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (c == '\\' && i + 1 < options.length()) {
                word.append(options.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (word.length() > 0) {
                    words.add(word.toString());
                    word.setLength(0);
                }
            } else {
                word.append(c);
            }
        }
        if (word.length() > 0) {
            words.add(word.toString());
        }
        String found = null;
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            String setting = w.equals("-c") && i + 1 < words.size() ? words.get(++i)
                    : w.startsWith("--") ? w.substring(2) : w.startsWith("-c") ? w.substring(2) : null;
            int eq = setting == null ? -1 : setting.indexOf('=');
            if (eq > 0 && setting.substring(0, eq).replace('-', '_').toLowerCase(Locale.ROOT).equals("search_path")) {
                found = setting.substring(eq + 1);
            }
        }
        return found;
    }

    private static Target postgres(String jdbc, Properties props, String display, String identity) {
        // Enum columns take bound strings only when they are sent untyped; the same SQL then runs on SQLite too.
        props.putIfAbsent("stringtype", "unspecified");
        props.putIfAbsent("ApplicationName", "skill-fleet");
        props.putIfAbsent("connectTimeout", "15");
        props.putIfAbsent("loginTimeout", "30");
        // No single statement of a run should take minutes; a dead socket must not hang a cron job forever.
        props.putIfAbsent("socketTimeout", "300");
        props.putIfAbsent("tcpKeepAlive", "true");
        // Behind PgBouncer in transaction mode (Neon's -pooler hosts, or any pooler the tool cannot see) named
        // server-side prepared statements collide between clients; unnamed ones cost one parse per statement.
        props.putIfAbsent("prepareThreshold", "0");
        // Batched inserts go as multi-row statements: one round trip per batch, not per row.
        props.putIfAbsent("reWriteBatchedInserts", "true");
        return new Target(Dialect.POSTGRESQL, jdbc, props, display, identity, null, false);
    }

    /**
     * pgjdbc logs through java.util.logging, whose default handler writes to stderr past the tool's filter, and some
     * of its warnings quote the whole URL, password included; it also logs some connection failures (a host name the
     * certificate does not list) as SEVERE before it throws them. Its log is off: every failure it logs also reaches
     * the tool as an exception, reported once, in one line, redacted. (A strong reference: the logging framework keeps only weak
     * ones, and a collected logger would forget its level.)
     */
    private static final java.util.logging.Logger DRIVER_LOG = java.util.logging.Logger.getLogger("org.postgresql");

    static {
        DRIVER_LOG.setLevel(java.util.logging.Level.OFF);
    }

    static Connection connect(Target target) throws SQLException {
        return open(target);
    }

    /** Connects and hands the connection to {@code wrap} (tests count statements through it). */
    static Connection connect(Target target, java.util.function.UnaryOperator<Connection> wrap) throws SQLException {
        return wrap.apply(open(target));
    }

    /**
     * A connection that only looks (doctor). PostgreSQL: made as {@link #connect} makes it, retries included, so its
     * time is what a run waits; then in a read-only transaction, which the caller rolls back. SQLite: never created
     * (null when the file does not exist, where {@link #connect} would create it and its folder), opened without the
     * journal-mode switch (a write) and made query-only. Not opened read-only: a read-only connection to a WAL database
     * cannot remove the -wal and -shm files it makes, and would leave them behind.
     */
    static Connection connectReadOnly(Target target, java.util.function.UnaryOperator<Connection> wrap)
            throws SQLException {
        if (target.dialect() == Dialect.SQLITE) {
            if (!Files.isRegularFile(target.sqliteFile())) {
                return null;
            }
            org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
            config.setBusyTimeout(30000);
            try {
                Connection c = DriverManager.getConnection(target.jdbcUrl(), config.toProperties());
                try (Statement st = c.createStatement()) {
                    st.execute(SkillSql.QUERY_ONLY_SQLITE);
                } catch (SQLException e) {
                    c.close();
                    throw e;
                }
                return wrap.apply(c);
            } catch (SQLException e) {
                throw new SQLException("cannot open " + target.display() + ": " + e.getMessage(), e.getSQLState(), e);
            }
        }
        Connection c = connect(target, wrap);
        try {
            c.setAutoCommit(false);
            c.setReadOnly(true);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static Connection open(Target target) throws SQLException {
        if (target.dialect() == Dialect.SQLITE) {
            try {
                Files.createDirectories(target.sqliteFile().getParent());
            } catch (java.io.IOException e) {
                throw new SQLException("cannot create the folder of " + target.sqliteFile() + ": " + e.getMessage(), e);
            }
        }
        int attempts = target.dialect() == Dialect.POSTGRESQL ? CONNECT_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            try {
                Connection c = DriverManager.getConnection(target.jdbcUrl(), target.properties());
                if (target.dialect() == Dialect.SQLITE) {
                    registerSha256(c);
                }
                return c;
            } catch (SQLException e) {
                // A serverless database waking from idle refuses or drops the first connections: retry those.
                // A certificate that fails verification fails the same way every time.
                String tls = tlsProblem(target, e);
                if (tls != null || !isConnectionLoss(e) || attempt >= attempts) {
                    throw new SQLException("cannot connect to " + target.display() + ": "
                            + (tls != null ? tls : e.getMessage()), e.getSQLState(), e);
                }
                try {
                    Thread.sleep(500L << (attempt - 1));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * skill_fleet_sha256(x) on a SQLite connection: the hex SHA-256 of a blob (text as its UTF-8 bytes), as
     * PostgreSQL's encode(sha256(x), 'hex'), so history hashes kept files inside the database on both.
     */
    private static void registerSha256(Connection c) throws SQLException {
        try {
            org.sqlite.Function.create(c, "skill_fleet_sha256", new org.sqlite.Function() {
                @Override
                protected void xFunc() throws SQLException {
                    byte[] bytes = value_blob(0);
                    result(Skill.sha256(bytes == null ? new byte[0] : bytes));
                }
            }, 1, org.sqlite.Function.FLAG_DETERMINISTIC);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static final java.util.regex.Pattern SSLROOTCERT_IN_URL =
            java.util.regex.Pattern.compile("[?&]sslrootcert=([^&]*)");

    /**
     * What to do about a server certificate that verification rejected, or null when {@code e} is not that: pgjdbc
     * reports an unknown CA as a PKIX path-building failure and a host name the certificate does not list by naming
     * its host name verifier.
     */
    private static String tlsProblem(Target target, SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.security.cert.CertPathBuilderException) {
                // A libpq URL's sslrootcert is a property by now; a jdbc:postgresql: URL keeps it in its query.
                String rootCert = target.properties().getProperty("sslrootcert");
                java.util.regex.Matcher inUrl = SSLROOTCERT_IN_URL.matcher(target.jdbcUrl());
                if (rootCert == null) {
                    rootCert = inUrl.find() ? decode(inUrl.group(1)) : "~/.postgresql/root.crt";
                }
                return "the server's certificate is not trusted by the CA in sslrootcert (" + rootCert
                        + "); point sslrootcert at the CA that signed it, or use sslmode=require to encrypt without"
                        + " verifying";
            }
        }
        if (e.getMessage() != null && e.getMessage().contains("PgjdbcHostnameVerifier")) {
            return "the server's certificate is not issued for the host name in the URL (sslmode=verify-full checks"
                    + " it); connect with a host name the certificate lists, or use sslmode=verify-ca to check only"
                    + " the CA";
        }
        return null;
    }

    /**
     * A connection that could not be made, broke or was ended by the server: SQL state class 08 (connection
     * exception), or 57P01-57P03 (administrator or crash shutdown, cannot connect now: a server restarting or
     * waking up). Connecting retries these; during a run they mean "lost the connection".
     */
    static boolean isConnectionLoss(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    /** How far a run got with its commit when its connection was lost. */
    enum Commit { NOT_SENT, UNKNOWN, DONE }

    /** The one-line error of a run that lost its connection, saying what state that leaves both sides in. */
    static SQLException lostConnection(Target target, SQLException e, Commit commit) {
        String where = switch (commit) {
            case NOT_SENT -> " before the run committed: the database transaction was rolled back and no folder was "
                    + "changed; run again";
            case UNKNOWN -> " while the run committed: the database changes may or may not have been applied, and no "
                    + "folder was changed; run again (the next run compares both sides afresh)";
            case DONE -> " after the database changes committed, while fetching skills: the skill folders already "
                    + "written are complete, the others were not touched; run again";
        };
        return new SQLException("lost the connection to " + target.display() + where, e.getSQLState(), e);
    }

    /** Connection attempts on PostgreSQL, with 0.5 s, 1 s, 2 s between them. */
    static final int CONNECT_ATTEMPTS = 4;

    /** True when this tool's tables (and the service's it uses) are all there. */
    static boolean schemaPresent(Connection c, Dialect dialect) throws SQLException {
        return allPresent(c, dialect == Dialect.POSTGRESQL ? SkillSql.COUNT_TABLES_POSTGRES
                : SkillSql.COUNT_TABLES_SQLITE, SkillSql.TABLES);
    }

    /** True when the history tables are there (a database no run of this version wrote to has none). */
    static boolean historyPresent(Connection c, Dialect dialect) throws SQLException {
        return allPresent(c, dialect == Dialect.POSTGRESQL ? SkillSql.COUNT_HISTORY_TABLES_POSTGRES
                : SkillSql.COUNT_HISTORY_TABLES_SQLITE, SkillSql.HISTORY_TABLES);
    }

    /** True when the statement counts every one of the names (each bound in turn). */
    private static boolean allPresent(Connection c, String sql, List<String> names) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < names.size(); i++) {
                ps.setString(i + 1, names.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) == names.size();
            }
        }
    }

    /**
     * Creates whatever is missing of the schema, idempotently. On PostgreSQL the DDL runs under a transaction-scoped
     * advisory lock, so concurrent first runs do not race on CREATE TYPE / CREATE TABLE; existing tables (the
     * service's) are never altered.
     */
    static void ensureSchema(Connection c, Dialect dialect) throws SQLException {
        // SQLite: the change-counter triggers too, so a database made by an older version gets the ones it lacks.
        // The history tables too, so a database made by an earlier version gets them on the next run that writes.
        if (dialect == Dialect.POSTGRESQL ? allPresent(c, SkillSql.COUNT_SCHEMA_TABLES_POSTGRES, SkillSql.SCHEMA_TABLES)
                : allPresent(c, SkillSql.COUNT_SCHEMA_SQLITE, SkillSql.SQLITE_OBJECTS)) {
            return;
        }
        try (Transaction tx = new Transaction(c); Statement st = c.createStatement()) {
            if (dialect == Dialect.POSTGRESQL) {
                st.execute(SkillSql.LOCK_SCHEMA);
            }
            for (String ddl : dialect == Dialect.POSTGRESQL ? SkillSql.POSTGRES_SCHEMA : SkillSql.SQLITE_SCHEMA) {
                st.execute(ddl);
            }
            tx.commit();
        }
    }

    /**
     * Readies a database for find: false when it has no skills table (nothing to search). On SQLite it creates the
     * search index and its triggers where absent (a database an earlier version made), then indexes the skills
     * written since the last find, so the search sees every row as it is now.
     */
    static boolean ensureSearch(Connection c, Dialect dialect) throws SQLException {
        if (!allPresent(c, dialect == Dialect.POSTGRESQL ? SkillSql.COUNT_TABLE_POSTGRES : SkillSql.COUNT_TABLE_SQLITE,
                List.of("skills"))) {
            return false;
        }
        if (dialect == Dialect.SQLITE) {
            boolean present = allPresent(c, SkillSql.COUNT_SEARCH_SQLITE, SkillSql.SQLITE_SEARCH_OBJECTS);
            boolean pending = true;
            if (present) {
                try (PreparedStatement ps = c.prepareStatement(SkillSql.SELECT_SEARCH_PENDING);
                        ResultSet rs = ps.executeQuery()) {
                    pending = rs.next() && rs.getBoolean(1);
                }
            }
            if (pending) {
                try (Transaction tx = new Transaction(c); Statement st = c.createStatement()) {
                    for (String sql : present ? SkillSql.REFRESH_SEARCH : java.util.stream.Stream.concat(
                            SkillSql.SQLITE_SEARCH.stream(), SkillSql.REFRESH_SEARCH.stream()).toList()) {
                        st.execute(sql);
                    }
                    tx.commit();
                }
            }
        }
        return true;
    }

    /** Rolls back on close unless committed: JDBC leaves an open transaction's fate on close to the driver. */
    static final class Transaction implements AutoCloseable {
        private final Connection connection;
        private boolean committed;

        Transaction(Connection connection) throws SQLException {
            this.connection = connection;
            connection.setAutoCommit(false);
        }

        void commit() throws SQLException {
            connection.commit();
            committed = true;
        }

        @Override
        public void close() throws SQLException {
            try {
                if (!committed) {
                    connection.rollback();
                }
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private static String hostPort(String h, String defaultPort) {
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close + 1 < h.length() ? h : h + ":" + defaultPort;
        }
        return h.contains(":") ? h : h + ":" + defaultPort;
    }

    private static void copyEnv(Function<String, String> env, Properties props, String var, String property) {
        String value = env.apply(var);
        if (value != null && !props.containsKey(property)) {
            props.setProperty(property, value);
        }
    }

    private static String nonEmptyOr(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot parse the database URL: bad %-escape");
        }
    }
}
