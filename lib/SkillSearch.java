import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The find command: ranked full-text search over the skills' name, description and body, so "which skill covers X?"
 * needs no SQL console. PostgreSQL answers from the service's own search_vector, SQLite from the tool's FTS5 index;
 * both read the words the way web search engines do (websearch_to_tsquery's syntax): words must all match,
 * "quoted words" as a phrase, {@code or} between alternatives, {@code -word} to exclude. Nothing a user types is a
 * syntax error.
 */
final class SkillSearch {
    /** One skill found; a higher score is a better match (scores are comparable within one database only). */
    record Hit(String path, String name, String status, double score, String snippet) {
    }

    /** What to look for, where, and how to print it. */
    record Request(String db, String words, Scope scope, int limit, boolean json, boolean quiet) {
    }

    private SkillSearch() {
    }

    static int run(Request r, RunContext context, PrintWriter out, PrintWriter err) throws Exception {
        List<Hit> hits = search(r, context);
        if (r.json()) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(hits));
        } else if (!hits.isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"SKILL", "NAME", "STATUS", "SCORE", "SNIPPET"});
            for (Hit h : hits) {
                rows.add(new String[] {h.path(), h.name(), h.status(), String.format(Locale.ROOT, "%.4g", h.score()),
                    h.snippet()});
            }
            Report.table(rows, out);
        }
        if (!r.quiet()) {
            err.println(summary(r, hits.size()));
        }
        out.flush();
        err.flush();
        return Cli.OK;
    }

    /** The line on stderr: how many, whether --limit may have cut some off, or that nothing matched and where. */
    private static String summary(Request r, int found) {
        if (found == 0) {
            return "no skills match" + (r.scope().anyStatus() ? "" : " among the " + r.scope().status()
                    + " skills (--status all searches every status)");
        }
        return found + (found == 1 ? " skill" : " skills")
                + (found == r.limit() ? " (the best " + r.limit() + "; --limit shows more)" : "");
    }

    static List<Hit> search(Request r, RunContext context) throws Exception {
        Database.Target target = Database.resolve(r.db(), context.env());
        List<Hit> hits = new ArrayList<>();
        if (target.sqliteFile() != null && !Files.exists(target.sqliteFile())) {
            return hits;
        }
        try (Connection c = Database.connect(target, context.connections())) {
            if (!Database.ensureSearch(c, target.dialect())) {
                return hits;
            }
            boolean postgres = target.dialect() == Database.Dialect.POSTGRESQL;
            String query = postgres ? r.words() : ftsQuery(r.words());
            if (query == null) {
                return hits;
            }
            try (PreparedStatement ps = c.prepareStatement(postgres ? SkillSql.SEARCH_SKILLS_POSTGRES
                    : SkillSql.SEARCH_SKILLS_SQLITE)) {
                int next = 1;
                ps.setString(next++, query);
                if (postgres) {
                    ps.setString(next++, query);
                }
                DatabaseSide.bindScope(ps, next, r.scope());
                next += 6;
                ps.setInt(next++, r.limit());
                if (postgres) {
                    ps.setString(next, query);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        hits.add(new Hit(rs.getString(1), rs.getString(2), rs.getString(3), rs.getDouble(4),
                                oneLine(rs.getString(5))));
                    }
                }
            } catch (SQLException e) {
                throw new SQLException("cannot search the skills in " + target.display() + ": " + e.getMessage(),
                        e.getSQLState(), e);
            }
        }
        return hits;
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").strip();
    }

    /**
     * The words as an FTS5 query meaning what websearch_to_tsquery makes of them on PostgreSQL: every word or
     * "quoted phrase" becomes an FTS5 string (so {@code *}, {@code NEAR}, {@code :}, {@code ^} or a stray quote are
     * plain text, never syntax), all of them must match, {@code or} between two of them matches either, and
     * {@code -word} excludes. A group of alternatives with only exclusions is dropped (FTS5 has no "everything but");
     * null when nothing searchable is left (only punctuation, say), which matches nothing, as on PostgreSQL.
     */
    static String ftsQuery(String words) {
        List<List<String>> groups = new ArrayList<>();
        List<String> positive = new ArrayList<>();
        List<String> negative = new ArrayList<>();
        int i = 0;
        int n = words.length();
        while (i < n) {
            char ch = words.charAt(i);
            if (Character.isWhitespace(ch)) {
                i++;
                continue;
            }
            boolean exclude = false;
            if (ch == '-' && i + 1 < n && !Character.isWhitespace(words.charAt(i + 1))) {
                exclude = true;
                i++;
            }
            String term;
            boolean quoted = words.charAt(i) == '"';
            if (quoted) {
                int end = words.indexOf('"', i + 1);
                term = words.substring(i + 1, end < 0 ? n : end);
                i = end < 0 ? n : end + 1;
            } else {
                int end = i;
                while (end < n && !Character.isWhitespace(words.charAt(end)) && words.charAt(end) != '"') {
                    end++;
                }
                term = words.substring(i, end);
                i = end;
            }
            if (!quoted && !exclude && term.equalsIgnoreCase("or")) {
                if (!positive.isEmpty()) {
                    groups.add(group(positive, negative));
                }
                positive = new ArrayList<>();
                negative = new ArrayList<>();
                continue;
            }
            if (term.codePoints().noneMatch(Character::isLetterOrDigit)) {
                continue;
            }
            (exclude ? negative : positive).add("\"" + term.replace("\"", "\"\"") + "\"");
        }
        if (!positive.isEmpty()) {
            groups.add(group(positive, negative));
        }
        if (groups.isEmpty()) {
            return null;
        }
        return String.join(" OR ", groups.stream().map(g -> "(" + String.join(" ", g) + ")").toList());
    }

    /** FTS5's NOT is binary ("a NOT b"), so a group's exclusions follow its words. */
    private static List<String> group(List<String> positive, List<String> negative) {
        List<String> group = new ArrayList<>(positive);
        for (String term : negative) {
            group.add("NOT " + term);
        }
        return group;
    }
}
