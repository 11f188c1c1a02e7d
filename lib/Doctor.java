import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The doctor command: what stands between this machine and a working run, one line per check, each failing one with
 * its fix. It only looks: PostgreSQL in a read-only transaction, SQLite query-only and never created, the schema
 * compared and never created, no file written. Warnings (a remote host without sslmode=verify-full, a pooler with
 * prepared statements on, a large backup folder) are printed but do not fail the exit code: the tool works with them.
 */
final class Doctor {
    /** One check's outcome, also the shape of --json: status is ok, warn, fail or skip; fix is null unless needed. */
    record Check(String check, String status, String detail, String fix) {
    }

    /** The oldest PostgreSQL the tool's schema runs on: generated columns (the search vector) came in 12. */
    static final int MIN_POSTGRES = 120000;
    /** A backup folder above this size is a warning: the backups are never pruned by the tool. */
    static final long LARGE_BACKUP = 1L << 30;

    private final List<Check> checks = new ArrayList<>();

    private Doctor() {
    }

    static int run(Settings o, RunContext context, PrintWriter out) throws Exception {
        Doctor d = new Doctor();
        d.checkAll(o, context);
        if (o.json()) {
            out.println(Secrets.redact(new ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(d.checks)));
        } else {
            for (Check c : d.checks) {
                String status = c.status().equals("fail") ? "FAIL" : c.status();
                out.println(Secrets.redact(String.format(Locale.ROOT, "%-4s %s: %s%s", status, c.check(), c.detail(),
                        c.fix() == null ? "" : " — fix: " + c.fix())));
            }
        }
        out.flush();
        return d.checks.stream().anyMatch(c -> c.status().equals("fail")) ? Cli.ERROR : Cli.OK;
    }

    private void add(String check, String status, String detail, String fix) {
        checks.add(new Check(check, status, detail, fix));
    }

    private void checkAll(Settings o, RunContext context) throws Exception {
        java();
        Database.Target target;
        try {
            target = Database.resolve(o.db(), context.env());
        } catch (IllegalArgumentException e) {
            add("database", "fail", e.getMessage(), "pass --db (or DATABASE_URL) as postgresql://user@host/db or "
                    + "jdbc:sqlite:FILE");
            for (String check : List.of("server", "schema", "pooler", "tls", "state")) {
                add(check, "skip", "no database URL to check", null);
            }
            backup(o.skillsDir());
            return;
        }
        long started = System.nanoTime();
        Connection c = null;
        try {
            c = Database.connectReadOnly(target, context.connections());
            long ms = (System.nanoTime() - started) / 1_000_000;
            if (c == null) {
                add("database", "warn", target.display() + (target.embeddedDefault() ? " (the embedded default: "
                        + "set DATABASE_URL or --db for PostgreSQL)" : "") + " does not exist yet",
                        "none needed if this is a new setup: the first export-to-db or sync-db creates it; otherwise "
                                + "check the path in --db or DATABASE_URL");
            } else {
                add("database", "ok", "reachable, connected in " + ms + " ms" + (ms > 2000 ? " (slow: a serverless "
                        + "database waking from idle, or a distant server)" : "") + " to " + target.display(), null);
            }
        } catch (SQLException e) {
            add("database", "fail", "cannot connect (after " + (System.nanoTime() - started) / 1_000_000 + " ms): "
                    + Cli.describe(e), connectFix(e));
        }
        try (Connection open = c) {
            if (open == null) {
                for (String check : List.of("server", "schema", "pooler")) {
                    add(check, "skip", "not connected", null);
                }
            } else {
                Server server = read("server", () -> server(open, target));
                if (server == null) {
                    add("schema", "skip", "the server could not be asked", null);
                    add("pooler", "skip", "the server could not be asked", null);
                } else {
                    read("schema", () -> {
                        schema(open, target.dialect(), server);
                        return server;
                    });
                    read("pooler", () -> {
                        pooler(open, target, server);
                        return server;
                    });
                }
                if (!open.getAutoCommit()) {
                    open.rollback();
                }
            }
        }
        tls(target);
        state(o.skillsDir(), target);
        backup(o.skillsDir());
    }

    /** A check that reads the database. */
    @FunctionalInterface
    interface Reading<T> {
        T read() throws SQLException;
    }

    /** Runs a check that reads the database; a query it cannot make fails the check (null), not the command. */
    private <T> T read(String check, Reading<T> reading) {
        try {
            return reading.read();
        } catch (SQLException e) {
            add(check, "fail", "cannot be read: " + Cli.describe(e), "check that --db (or DATABASE_URL) names the "
                    + "skills database, and that " + (e.getSQLState() != null && e.getSQLState().startsWith("42")
                            ? "this role may read its catalog" : "it is not damaged"));
            return null;
        }
    }

    private void java() {
        Runtime.Version v = Runtime.version();
        String detail = "Java " + v + " (" + System.getProperty("java.vendor") + ") in " + System.getProperty("java.home");
        if (v.feature() >= 17) {
            add("java", "ok", detail, null);
        } else {
            add("java", "fail", detail + ": the tool needs 17 or newer", "install a JDK 17 or newer; JBang then picks "
                    + "it (the scripts say //JAVA 17+)");
        }
    }

    private static String connectFix(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("28")) {
            return "check the user name and password in --db, DATABASE_URL, .env or PGPASSWORD";
        }
        if (state.equals("3D000")) {
            return "create the database, or correct its name in the URL";
        }
        if (String.valueOf(e.getMessage()).contains("certificate")) {
            return "see the message: point sslrootcert at the CA that signed the server's certificate, or connect with "
                    + "a host name the certificate lists";
        }
        return "check the host and port in --db or DATABASE_URL, that the server is running and accepts connections "
                + "from this machine (a firewall, an IP allow list)";
    }

    /** What the server says of itself. */
    record Server(String version, int versionNumber, Integer port, String schema, boolean mayCreate, String user) {
    }

    private Server server(Connection c, Database.Target target) throws SQLException {
        if (target.dialect() == Database.Dialect.SQLITE) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(SkillSql.SELECT_SERVER_SQLITE)) {
                rs.next();
                add("server", "ok", "SQLite " + rs.getString(1) + " (sqlite-jdbc, embedded)", null);
                return new Server(rs.getString(1), 0, null, null, true, null);
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(SkillSql.SELECT_SERVER_POSTGRES)) {
            rs.next();
            Integer port = rs.getObject(3) == null ? null : rs.getInt(3); // null over a Unix-domain socket
            Server s = new Server(rs.getString(1), rs.getInt(2), port, rs.getString(4), rs.getBoolean(5),
                    rs.getString(6));
            if (s.versionNumber() >= MIN_POSTGRES) {
                add("server", "ok", "PostgreSQL " + s.version(), null);
            } else {
                add("server", "fail", "PostgreSQL " + s.version() + ": the tool needs 12 or newer (generated columns)",
                        "upgrade the server to PostgreSQL 12 or newer");
            }
            return s;
        }
    }

    // ---- The schema: what the tool's statements need, against what the database has.

    /** Parentheses opened and not closed in {@code text}. */
    private static int depth(CharSequence text) {
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            depth += text.charAt(i) == '(' ? 1 : text.charAt(i) == ')' ? -1 : 0;
        }
        return depth;
    }

    /** A column of the tool's DDL: its table, name, type as the DDL writes it, and its whole definition. */
    record Column(String table, String name, String type, String definition) {
    }

    private static final Pattern TABLE = Pattern.compile("(?s)^create table if not exists (\\w+) \\((.*)\\)\\s*$");
    /** A column line of a CREATE TABLE in SkillSql: two spaces, name, type; constraints start with a keyword. */
    private static final Pattern COLUMN = Pattern.compile("^  ([a-z_][a-z0-9_]*) ([a-z_]+(?:\\(\\d+\\))?(?:\\[\\])?)"
            + "(.*?),?$");
    private static final Set<String> CONSTRAINT_WORDS = Set.of("constraint", "primary", "unique", "check", "foreign");
    private static final Pattern ENUM = Pattern.compile("create type (\\w+) as enum \\(([^)]*)\\)");

    /**
     * The tables and columns the tool would create, read from the DDL it runs (SkillSql.POSTGRES_SCHEMA or
     * SQLITE_SCHEMA), by table in DDL order.
     */
    static Map<String, Map<String, Column>> expectedTables(List<String> ddl) {
        Map<String, Map<String, Column>> tables = new LinkedHashMap<>();
        for (String statement : ddl) {
            Matcher t = TABLE.matcher(statement.strip());
            if (!t.matches()) {
                continue;
            }
            Map<String, Column> columns = new LinkedHashMap<>();
            List<String> lines = t.group(2).lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = COLUMN.matcher(lines.get(i));
                if (m.matches() && !CONSTRAINT_WORDS.contains(m.group(1))) {
                    // A definition over several lines (a generated column's expression) runs until its parentheses
                    // close.
                    StringBuilder rest = new StringBuilder(m.group(3));
                    while (depth(rest) > 0 && i + 1 < lines.size()) {
                        rest.append(' ').append(lines.get(++i).strip());
                    }
                    String definition = (m.group(1) + " " + m.group(2) + rest).strip().replace("( ", "(")
                            .replace(" )", ")");
                    columns.put(m.group(1), new Column(t.group(1), m.group(1), m.group(2),
                            definition.endsWith(",") ? definition.substring(0, definition.length() - 1) : definition));
                }
            }
            tables.put(t.group(1), columns);
        }
        return tables;
    }

    /** The enum types of the DDL with their labels. */
    static Map<String, List<String>> expectedEnums(List<String> ddl) {
        Map<String, List<String>> enums = new LinkedHashMap<>();
        for (String statement : ddl) {
            Matcher m = ENUM.matcher(statement);
            while (m.find()) {
                List<String> labels = new ArrayList<>();
                Matcher label = Pattern.compile("'([^']*)'").matcher(m.group(2));
                while (label.find()) {
                    labels.add(label.group(1));
                }
                enums.put(m.group(1), labels);
            }
        }
        return enums;
    }

    /**
     * Every word of every statement the tool sends: each String constant of SkillSql and each String of its
     * per-database records, the DDL (which only creates what is absent) left out. A column the tool reads or writes
     * is one of these words. Found by reflection, so a statement added to SkillSql counts without a list to update.
     */
    static Set<String> statementWords() {
        Set<String> words = new HashSet<>();
        try {
            for (Field f : SkillSql.class.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                Object value = f.get(null);
                List<Object> texts = new ArrayList<>();
                if (value instanceof Record r) {
                    for (RecordComponent rc : r.getClass().getRecordComponents()) {
                        texts.add(rc.getAccessor().invoke(r));
                    }
                } else {
                    texts.add(value);
                }
                for (Object text : texts) {
                    if (text instanceof String s && !s.strip().startsWith("create ")) {
                        words.addAll(List.of(s.toLowerCase(Locale.ROOT).split("[^a-z0-9_]+")));
                    }
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read SkillSql's statements", e);
        }
        return words;
    }

    /** A column as the database has it: type as it writes it, an enum's labels (else null). */
    record Actual(String type, List<String> labels) {
    }

    /*
     * What the tool needs is derived, never listed by hand: the tables and column types from the DDL the tool runs
     * where the tables are absent (which SchemaDriftTest keeps equal to the service's own migration), narrowed to the
     * columns some statement of SkillSql names. A new column in a statement, or a new table or type in the DDL, is
     * checked without touching this class; a column no statement names (the service's performance_stats) is not
     * required. Over-inclusion is possible (a column whose name is a word used elsewhere), omission is not, as long as
     * every statement lives in SkillSql.
     */
    private void schema(Connection c, Database.Dialect dialect, Server server) throws SQLException {
        boolean postgres = dialect == Database.Dialect.POSTGRESQL;
        if (postgres && server.schema() == null) {
            add("schema", "fail", "no schema of the search path exists", "create the schema the URL names "
                    + "(currentSchema or options=-c search_path=...), or correct its name");
            return;
        }
        List<String> ddl = postgres ? SkillSql.POSTGRES_SCHEMA : SkillSql.SQLITE_SCHEMA;
        Map<String, Map<String, Column>> expected = expectedTables(ddl);
        Map<String, List<String>> enums = expectedEnums(ddl);
        Set<String> used = statementWords();
        Map<String, Map<String, Actual>> actual = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(postgres
                ? SkillSql.SELECT_COLUMNS_POSTGRES : SkillSql.SELECT_COLUMNS_SQLITE)) {
            while (rs.next()) {
                String labels = rs.getString(4);
                actual.computeIfAbsent(rs.getString(1), t -> new LinkedHashMap<>()).put(rs.getString(2),
                        new Actual(rs.getString(3).toLowerCase(Locale.ROOT),
                                labels == null ? null : List.of(labels.split(","))));
            }
        }
        List<String> absent = new ArrayList<>();
        Set<String> problems = new LinkedHashSet<>();
        Map<String, String> fixes = new LinkedHashMap<>();
        int checked = 0;
        for (Map.Entry<String, Map<String, Column>> table : expected.entrySet()) {
            Map<String, Actual> has = actual.get(table.getKey());
            if (has == null) {
                absent.add(table.getKey());
                continue;
            }
            for (Column col : table.getValue().values()) {
                if (!used.contains(col.name())) {
                    continue;
                }
                checked++;
                Actual a = has.get(col.name());
                String where = col.table() + "." + col.name();
                if (a == null) {
                    String problem = where + " missing";
                    problems.add(problem);
                    fixes.put(problem, "add the column as the skill-fleet service's schema defines it ("
                            + col.definition() + "), or point --db at the service's database");
                } else if (postgres) {
                    typeProblem(where, col, a, enums, problems, fixes);
                }
            }
        }
        for (String problem : problems) {
            add("schema", "fail", problem, fixes.get(problem));
        }
        String schemaName = postgres ? " in schema " + server.schema() : "";
        if (!absent.isEmpty()) {
            String which = absent.size() == expected.size() ? "no tables of the tool yet" + schemaName
                    : absent.size() + (absent.size() == 1 ? " table" : " tables") + " absent" + schemaName + " (" + String.join(", ", absent) + ")";
            if (server.mayCreate()) {
                add("schema", "ok", which + ": the next export-to-db or sync-db creates them", null);
            } else {
                add("schema", "fail", which + ", and " + server.user() + " may not create tables there",
                        "grant create on schema " + server.schema() + " to " + server.user() + ", or run "
                                + "export-to-db once as a role that may create them");
            }
        }
        if (problems.isEmpty() && absent.size() < expected.size()) {
            add("schema", "ok", (expected.size() - absent.size()) + " tables" + schemaName + " hold the " + checked
                    + " columns the tool reads or writes" + (postgres ? ", with compatible types and every enum value"
                            : ""), null);
        }
    }

    private static void typeProblem(String where, Column col, Actual a, Map<String, List<String>> enums,
            Set<String> problems, Map<String, String> fixes) {
        String want = normalType(col.type());
        if (enums.containsKey(want)) {
            if (a.labels() == null) {
                if (textLength(a.type()) == null) {
                    String problem = where + " is " + a.type() + ", not the enum " + want;
                    problems.add(problem);
                    fixes.put(problem, "alter table " + col.table() + " alter column " + col.name() + " type " + want
                            + " using " + col.name() + "::text::" + want);
                }
                return; // text takes any label
            }
            List<String> missing = enums.get(want).stream().filter(l -> !a.labels().contains(l)).toList();
            if (!missing.isEmpty()) {
                String problem = "type " + a.type() + " of " + where + " lacks " + String.join(", ",
                        missing.stream().map(l -> "'" + l + "'").toList());
                problems.add(problem);
                fixes.put(problem, String.join("; ", missing.stream().map(l -> "alter type " + a.type()
                        + " add value '" + l + "'").toList()));
            }
            return;
        }
        if (want.equals(a.type())) {
            return;
        }
        Integer wantLength = textLength(want);
        Integer hasLength = textLength(a.type());
        boolean fits;
        if (wantLength != null && hasLength != null) {
            fits = hasLength >= wantLength;
        } else if (INTEGERS.contains(want) && INTEGERS.contains(a.type())) {
            fits = INTEGERS.indexOf(a.type()) >= INTEGERS.indexOf(want);
        } else {
            fits = false;
        }
        if (!fits) {
            String problem = where + " is " + a.type() + ", the tool needs " + want;
            problems.add(problem);
            fixes.put(problem, "alter table " + col.table() + " alter column " + col.name() + " type " + want);
        }
    }

    private static final List<String> INTEGERS = List.of("smallint", "integer", "bigint");

    /** The type of the DDL as PostgreSQL's format_type writes it. */
    static String normalType(String ddlType) {
        return switch (ddlType) {
            case "serial" -> "integer";
            case "bigserial" -> "bigint";
            case "timestamptz" -> "timestamp with time zone";
            case "timestamp" -> "timestamp without time zone";
            case "float" -> "double precision";
            default -> ddlType.startsWith("varchar(") ? "character varying" + ddlType.substring("varchar".length())
                    : ddlType;
        };
    }

    /** How many characters a text type holds: Integer.MAX_VALUE for unlimited, null for a type that is not text. */
    static Integer textLength(String type) {
        if (type.equals("text") || type.equals("character varying")) {
            return Integer.MAX_VALUE;
        }
        Matcher m = Pattern.compile("character varying\\((\\d+)\\)").matcher(type);
        return m.matches() ? Integer.valueOf(m.group(1)) : null;
    }

    // ---- The connection's path: pooler, TLS.

    /** The host:port pairs of a PostgreSQL target, from its JDBC URL. */
    static List<String> hosts(Database.Target target) {
        Matcher m = Pattern.compile("^jdbc:postgresql://([^/?]*)").matcher(target.jdbcUrl());
        if (!m.find() || m.group(1).isEmpty()) {
            return List.of("localhost:5432");
        }
        return List.of(m.group(1).split(","));
    }

    /** A URL parameter as the driver sees it: from the properties, else from the JDBC URL's query. */
    static String parameter(Database.Target target, String name) {
        String value = target.properties().getProperty(name);
        Matcher m = Pattern.compile("[?&]" + name + "=([^&]*)").matcher(target.jdbcUrl());
        return m.find() ? java.net.URLDecoder.decode(m.group(1), java.nio.charset.StandardCharsets.UTF_8) : value;
    }

    /**
     * What shows a pooler in front, or null: Neon's pooler host name, or a server listening on another port than the
     * one connected to (PgBouncer; a port mapping or a tunnel looks the same from here).
     */
    static String poolerSeen(List<String> hosts, Integer serverPort) {
        String host = hosts.get(0);
        String dialed = host.substring(host.lastIndexOf(':') + 1);
        if (host.toLowerCase(Locale.ROOT).contains("-pooler.")) {
            return "Neon's pooler (the host name has -pooler)";
        }
        if (hosts.size() == 1 && serverPort != null && !dialed.equals(String.valueOf(serverPort))) {
            return "a pooler or a proxy (connected to port " + dialed + ", the server listens on " + serverPort
                    + ": PgBouncer, a port mapping or a tunnel)";
        }
        return null;
    }

    private void pooler(Connection c, Database.Target target, Server server) throws SQLException {
        if (target.dialect() == Database.Dialect.SQLITE) {
            add("pooler", "skip", "SQLite: no server", null);
            return;
        }
        String seen = poolerSeen(hosts(target), server.port());
        int threshold = c.unwrap(org.postgresql.PGConnection.class).getPrepareThreshold();
        String prepared = threshold == 0 ? "prepared statements off (prepareThreshold=0)"
                : "prepared statements on (prepareThreshold=" + threshold + ")";
        if (seen == null) {
            add("pooler", "ok", "none seen; " + prepared, null);
        } else if (threshold == 0) {
            add("pooler", "ok", seen + "; " + prepared + ", as PgBouncer in transaction mode needs", null);
        } else {
            add("pooler", "warn", seen + "; " + prepared + ": behind PgBouncer in transaction mode named prepared "
                    + "statements collide between clients (unless PgBouncer 1.21+ has max_prepared_statements set)",
                    "remove prepareThreshold from the URL (the tool's default is 0), or set prepareThreshold=0");
        }
    }

    private static final Pattern LOCAL = Pattern.compile("(localhost|127\\.[0-9.]+|\\[?::1\\]?)(:\\d*)?",
            Pattern.CASE_INSENSITIVE);

    private void tls(Database.Target target) {
        if (target.dialect() == Database.Dialect.SQLITE) {
            add("tls", "skip", "SQLite: a local file", null);
            return;
        }
        List<String> remote = hosts(target).stream().filter(h -> !LOCAL.matcher(h).matches()).toList();
        String mode = parameter(target, "sslmode");
        if (remote.isEmpty()) {
            add("tls", "ok", "local host; sslmode=" + (mode == null ? "prefer (default)" : mode), null);
        } else if ("verify-full".equals(mode)) {
            add("tls", "ok", "sslmode=verify-full: the server's certificate and host name are checked", null);
        } else {
            add("tls", "warn", "remote host " + String.join(",", remote) + " with sslmode="
                    + (mode == null ? "prefer (the default: no certificate check, and no TLS if the server offers "
                            + "none)" : mode + " (the certificate is not checked against its host name)"),
                    "add sslmode=verify-full to the URL, with sslrootcert=FILE naming the CA that signed the "
                            + "server's certificate (default ~/.postgresql/root.crt)");
        }
    }

    // ---- The folder's side: sync state and backups.

    private void state(Path skillsDir, Database.Target target) {
        Path file = SyncState.file(skillsDir, target.identity());
        String name = ".skill-fleet/" + file.getFileName();
        if (!Files.exists(file)) {
            List<String> others = new ArrayList<>();
            SyncState.statesOf(skillsDir).values().stream().map(SyncState.Header::database)
                    .filter(java.util.Objects::nonNull).forEach(others::add);
            if (others.isEmpty()) {
                add("state", "ok", "no sync of this folder with this database yet (" + name + "): the next sync-db "
                        + "is a first sync, which deletes nothing", null);
            } else {
                add("state", "warn", "no sync of this folder with " + target.identity() + " yet, but it was synced "
                        + "with " + String.join(", ", others), "if that is the database meant, pass its URL (--db or "
                        + "DATABASE_URL): another host, database name or schema is another database");
            }
            return;
        }
        List<String> unreadable = new ArrayList<>();
        Map<String, String> hashes = SyncState.load(file, unreadable::add);
        SyncState.Header header = SyncState.header(file);
        if (!unreadable.isEmpty() || header == null) {
            add("state", "fail", name + " cannot be read as a sync state", "delete it: the next sync-db then "
                    + "compares both sides as a first sync and deletes nothing");
            return;
        }
        add("state", "ok", name + " readable: " + hashes.size() + " skills, last synced with "
                + (header.database() == null ? "(a database it does not name)" : header.database()) + ", in the "
                + (header.layout() == null ? "nested" : header.layout()) + " layout", null);
    }

    private void backup(Path skillsDir) {
        Path root = SyncState.backupFolder(skillsDir);
        if (!Files.isDirectory(root)) {
            add("backup", "ok", "none yet (.skill-fleet/backup/)", null);
            return;
        }
        long[] total = new long[2];
        try (var runs = Files.list(root)) {
            total[1] = runs.count();
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    total[0] += attrs.size();
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            add("backup", "fail", ".skill-fleet/backup/ cannot be read: " + Cli.describe(e),
                    "give this user read access to it (or delete what it no longer needs)");
            return;
        }
        String detail = History.size(total[0]) + " in " + total[1] + " run" + (total[1] == 1 ? "" : "s")
                + " (.skill-fleet/backup/)";
        if (total[0] > LARGE_BACKUP) {
            add("backup", "warn", detail + ": nothing prunes it", "delete the oldest .skill-fleet/backup/<timestamp>/ "
                    + "folders you no longer need");
        } else {
            add("backup", "ok", detail, null);
        }
    }
}
