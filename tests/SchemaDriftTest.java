import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tests/fixtures/service-schema.sql is the service's own migration; SkillSql.POSTGRES_SCHEMA is the tool's copy of
 * it, used where the tables are absent. This test keeps the two in agreement: it builds one database from each and
 * compares their catalogs for the service tables the tool creates (its own skill_fleet_* tables aside), naming
 * every difference.
 */
class SchemaDriftTest {
    /** The service tables the tool creates: SkillSql's list without its own bookkeeping tables. */
    static final List<String> SERVICE_TABLES = SkillSql.TABLES.stream()
            .filter(t -> !t.startsWith("skill_fleet_")).toList();

    static final String SELECT_TABLES = """
            select c.relname, 'kind', case c.relkind when 'r' then 'table' else cast(c.relkind as text) end
              from pg_class c
             where c.relnamespace = cast(current_schema() as regnamespace)
               and c.relname = any(?)
            """;

    static final String SELECT_COLUMNS = """
            select c.relname || '.' || a.attname, attr, value
              from pg_attribute a
              join pg_class c on c.oid = a.attrelid
              left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
             cross join lateral (values
                   ('position', cast(a.attnum as text)),
                   ('type', format_type(a.atttypid, a.atttypmod)),
                   ('nullability', case when a.attnotnull then 'not null' else 'null' end),
                   ('generated', case a.attgenerated when 's' then 'stored' else 'no' end),
                   ('identity', case a.attidentity when '' then 'no' else cast(a.attidentity as text) end),
                   ('default', pg_get_expr(d.adbin, d.adrelid))) as x(attr, value)
             where c.relnamespace = cast(current_schema() as regnamespace)
               and c.relname = any(?)
               and a.attnum > 0
               and not a.attisdropped
            """;

    /** The enum types the service tables' columns use. */
    static final String SELECT_ENUMS = """
            select 'type ' || t.typname, 'labels', string_agg(e.enumlabel, ', ' order by e.enumsortorder)
              from pg_type t
              join pg_enum e on e.enumtypid = t.oid
             where t.oid in (select a.atttypid
                               from pg_attribute a
                               join pg_class c on c.oid = a.attrelid
                              where c.relnamespace = cast(current_schema() as regnamespace)
                                and c.relname = any(?))
             group by t.typname
            """;

    static final String SELECT_CONSTRAINTS = """
            select c.relname || ' constraint ' || k.conname, 'definition', pg_get_constraintdef(k.oid)
              from pg_constraint k
              join pg_class c on c.oid = k.conrelid
             where c.relnamespace = cast(current_schema() as regnamespace)
               and c.relname = any(?)
            """;

    // Indexes behind a primary key or unique constraint are compared as constraints.
    static final String SELECT_INDEXES = """
            select c.relname || ' index ' || i.relname, 'definition', pg_get_indexdef(i.oid)
              from pg_index x
              join pg_class i on i.oid = x.indexrelid
              join pg_class c on c.oid = x.indrelid
             where c.relnamespace = cast(current_schema() as regnamespace)
               and c.relname = any(?)
               and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid and k.conrelid = c.oid)
            """;

    // Internal triggers implement foreign keys, compared as constraints. A trigger's function is compared by its
    // source with runs of whitespace folded.
    static final String SELECT_TRIGGERS = """
            select c.relname || ' trigger ' || t.tgname, attr, value
              from pg_trigger t
              join pg_class c on c.oid = t.tgrelid
              join pg_proc p on p.oid = t.tgfoid
             cross join lateral (values
                   ('definition', pg_get_triggerdef(t.oid)),
                   ('function', p.proname || '() language ' || (select lanname from pg_language
                       where oid = p.prolang) || ': ' || btrim(regexp_replace(p.prosrc, '\\s+', ' ', 'g')))
                   ) as x(attr, value)
             where c.relnamespace = cast(current_schema() as regnamespace)
               and c.relname = any(?)
               and not t.tgisinternal
            """;

    @Test
    void theFixtureAndSkillSqlCreateTheSameServiceTables(@TempDir Path tmp) throws Exception {
        try (TestDatabases.TestDb fixture = TestDatabases.create("postgresql", tmp);
                TestDatabases.TestDb tool = TestDatabases.create("postgresql", tmp)) {
            TestSupport.execute(fixture,
                    Files.readString(TestSupport.repoRoot().resolve("tests/fixtures/service-schema.sql")));
            try (Connection c = tool.connect()) {
                Database.ensureSchema(c, Database.Dialect.POSTGRESQL);
            }
            Map<String, Map<String, String>> expected = catalog(fixture);
            Map<String, Map<String, String>> actual = catalog(tool);
            assertTrue(expected.containsKey("skills.weight") && expected.containsKey("type skill_weight_enum"),
                    "the catalog queries see the fixture's tables: " + expected.keySet());
            List<String> drift = drift(expected, actual);
            assertTrue(drift.isEmpty(), "tests/fixtures/service-schema.sql (first) and SkillSql.POSTGRES_SCHEMA"
                    + " (second) differ:\n  " + String.join("\n  ", drift) + "\n");
        }
    }

    /** What each database says about the service tables: subject (a table, column, type, ...) → attribute → value. */
    static Map<String, Map<String, String>> catalog(TestDatabases.TestDb db) throws Exception {
        Map<String, Map<String, String>> facts = new TreeMap<>();
        try (Connection c = db.connect()) {
            for (String sql : List.of(SELECT_TABLES, SELECT_COLUMNS, SELECT_ENUMS, SELECT_CONSTRAINTS,
                    SELECT_INDEXES, SELECT_TRIGGERS)) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setArray(1, c.createArrayOf("text", SERVICE_TABLES.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            facts.computeIfAbsent(rs.getString(1), k -> new TreeMap<>())
                                    .put(rs.getString(2), Objects.toString(rs.getString(3), "none"));
                        }
                    }
                }
            }
        }
        return facts;
    }

    /** One line per difference, e.g. {@code skills.weight: default 'medium'::skill_weight_enum vs 'medium'}. */
    static List<String> drift(Map<String, Map<String, String>> first, Map<String, Map<String, String>> second) {
        List<String> lines = new ArrayList<>();
        TreeSet<String> subjects = new TreeSet<>(first.keySet());
        subjects.addAll(second.keySet());
        for (String subject : subjects) {
            Map<String, String> a = first.get(subject);
            Map<String, String> b = second.get(subject);
            if (b == null) {
                lines.add(subject + ": only in the fixture " + a);
            } else if (a == null) {
                lines.add(subject + ": only in SkillSql " + b);
            } else {
                TreeSet<String> attrs = new TreeSet<>(a.keySet());
                attrs.addAll(b.keySet());
                for (String attr : attrs) {
                    String x = a.getOrDefault(attr, "none");
                    String y = b.getOrDefault(attr, "none");
                    if (!x.equals(y)) {
                        lines.add(subject + ": " + attr + " " + x + " vs " + y);
                    }
                }
            }
        }
        return lines;
    }
}
