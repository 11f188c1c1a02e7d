import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Where each agent reads skills: its project folder (relative to the working directory) and its user folder (under
 * HOME), as the widely used {@code skills} CLI (npm, 1.7.4) records them. Adding an agent is one line of
 * {@link #TABLE}; --help lists the names from it.
 */
final class Agents {
    /** One agent's folders; {@code global} is null when the agent has no user-wide folder. */
    record Folders(String project, String global) {
    }

    static final Map<String, Folders> TABLE = table(
            "claude-code", ".claude/skills", "~/.claude/skills",
            "codex", ".agents/skills", "~/.agents/skills",
            "cursor", ".agents/skills", "~/.cursor/skills",
            "github-copilot", ".agents/skills", "~/.copilot/skills",
            "gemini-cli", ".agents/skills", "~/.gemini/skills",
            "windsurf", ".windsurf/skills", null);

    private Agents() {
    }

    private static Map<String, Folders> table(String... rows) {
        Map<String, Folders> t = new LinkedHashMap<>();
        for (int i = 0; i < rows.length; i += 3) {
            t.put(rows[i], new Folders(rows[i + 1], rows[i + 2]));
        }
        return java.util.Collections.unmodifiableMap(t);
    }

    /**
     * The skills folder of an agent: its project folder, or with {@code global} its user folder under {@code home}.
     * An unknown name, or --global for an agent without a user folder, is an {@link IllegalArgumentException} whose
     * message says so in one line.
     */
    static Path folder(String name, boolean global, Function<String, String> env) {
        Folders f = TABLE.get(name);
        if (f == null) {
            throw new IllegalArgumentException("unknown agent '" + name + "' (known: " + String.join(", ",
                    TABLE.keySet()) + ")");
        }
        if (!global) {
            return Path.of(f.project());
        }
        if (f.global() == null) {
            throw new IllegalArgumentException("agent '" + name + "' has no user-wide skills folder (only the "
                    + "project's " + f.project() + "): drop --global");
        }
        String home = env.apply("HOME");
        if (home == null || home.isBlank()) {
            home = System.getProperty("user.home");
        }
        return Path.of(home).resolve(f.global().substring(2));
    }

    /** The agents' names, for --help (picocli's completion candidates). */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return TABLE.keySet().iterator();
        }
    }
}
