//DEPS io.github.java-diff-utils:java-diff-utils:4.18

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text of the diff command for one skill, as a pure function of two versions of it: a line naming the skill, then
 * per file that differs a git-style unified diff (java-diff-utils computes the hunks): {@code diff --git}, mode lines
 * for an executable-bit change, {@code ---}/{@code +++} headers ({@code /dev/null} for an added or removed file), and
 * "Binary files ... differ" with both sizes when either version is not text (text is what the database stores as
 * text: valid UTF-8 without NUL). A last line without a newline is marked as git marks it, so a missing final newline
 * is a visible difference. Colour (red, green, cyan for hunk headers, bold for headers) only when asked.
 */
final class SkillDiff {
    static final int CONTEXT = 3;

    private static final String RED = "\033[31m";
    private static final String GREEN = "\033[32m";
    private static final String CYAN = "\033[36m";
    private static final String BOLD = "\033[1m";
    private static final String RESET = "\033[m";

    private SkillDiff() {
    }

    /**
     * One file of a version. {@code content} is null when the bytes are not at hand (a binary file of the last sync,
     * whose digest alone is kept): then {@code sha256} says whether it changed.
     */
    record File(String path, boolean executable, long size, String sha256, byte[] content, boolean text) {
        static File of(Skill.SkillFile f) {
            return new File(f.path(), f.executable(), f.bytes().length, null, f.bytes(), Frontmatter.isText(f.bytes()));
        }

        String digest() {
            return sha256 != null ? sha256 : Skill.sha256(content);
        }

        boolean sameContent(File other) {
            if (content != null && other.content != null) {
                return Arrays.equals(content, other.content);
            }
            return size == other.size && digest().equals(other.digest());
        }
    }

    /**
     * One side of the comparison: its label in file headers ({@code db}, {@code local}, {@code base}), its name in
     * prose ("the database"), and the skill's files there, or null when the skill is not there.
     */
    record Side(String label, String name, List<File> files) {
        static Side of(String label, String name, Skill skill) {
            return new Side(label, name, skill == null ? null : skill.files().stream().map(File::of).toList());
        }

        static Side absent(String label, String name) {
            return new Side(label, name, null);
        }
    }

    /** The diff of a skill from {@code old} to {@code now}; the empty string when both hold the same files. */
    static String format(String skillPath, Side old, Side now, boolean color) {
        if (old.files() == null && now.files() == null) {
            return "";
        }
        Map<String, File[]> byPath = new TreeMap<>(Skill::compareUtf8);
        if (old.files() != null) {
            old.files().forEach(f -> byPath.computeIfAbsent(f.path(), k -> new File[2])[0] = f);
        }
        if (now.files() != null) {
            now.files().forEach(f -> byPath.computeIfAbsent(f.path(), k -> new File[2])[1] = f);
        }
        Out out = new Out(color);
        for (File[] pair : byPath.values()) {
            file(out, skillPath, old.label(), pair[0], now.label(), pair[1]);
        }
        if (out.isEmpty() && old.files() != null && now.files() != null) {
            return "";
        }
        String state = old.files() == null ? "only in " + now.name()
                : now.files() == null ? "only in " + old.name()
                : old.name() + " and " + now.name() + " differ";
        return out.prepend(BOLD, "skill " + shown(skillPath) + ": " + state).toString();
    }

    /** The lines of one file that differs between the two sides (nothing when it does not). */
    private static void file(Out out, String skillPath, String oldLabel, File a, String newLabel, File b) {
        boolean modeChanged = a != null && b != null && a.executable() != b.executable();
        boolean contentChanged = a == null || b == null || !a.sameContent(b);
        if (!modeChanged && !contentChanged) {
            return;
        }
        String rel = shown(skillPath) + "/" + shown((a != null ? a : b).path());
        String oldName = oldLabel + "/" + rel;
        String newName = newLabel + "/" + rel;
        out.line(BOLD, "diff --git " + oldName + " " + newName);
        if (a == null) {
            out.line(BOLD, "new file mode " + mode(b));
        } else if (b == null) {
            out.line(BOLD, "deleted file mode " + mode(a));
        } else if (modeChanged) {
            out.line(BOLD, "old mode " + mode(a));
            out.line(BOLD, "new mode " + mode(b));
        }
        if (!contentChanged) {
            return;
        }
        String from = a == null ? "/dev/null" : oldName;
        String to = b == null ? "/dev/null" : newName;
        boolean binary = (a != null && !a.text()) || (b != null && !b.text());
        if (binary) {
            out.line(null, "Binary files " + from + " and " + to + " differ (" + (a == null ? 0 : a.size())
                    + " bytes vs " + (b == null ? 0 : b.size()) + " bytes)");
            return;
        }
        if ((a != null && a.content() == null) || (b != null && b.content() == null)) {
            out.line(null, "Files " + from + " and " + to + " differ (the content of one is not kept)");
            return;
        }
        out.line(BOLD, "--- " + from);
        out.line(BOLD, "+++ " + to);
        List<String> oldLines = lines(a);
        List<String> newLines = lines(b);
        List<String> unified = UnifiedDiffUtils.generateUnifiedDiff(from, to, oldLines,
                DiffUtils.diff(oldLines, newLines), CONTEXT);
        // The first two lines are the ---/+++ headers, written above.
        for (String line : unified.subList(Math.min(2, unified.size()), unified.size())) {
            if (line.startsWith("@@")) {
                out.line(CYAN, line);
                continue;
            }
            // Each line keeps its "\n", so that a last line without one differs from the same line with one.
            boolean terminated = line.endsWith("\n");
            String text = terminated ? line.substring(0, line.length() - 1) : line;
            out.line(text.startsWith("-") ? RED : text.startsWith("+") ? GREEN : null, text);
            if (!terminated) {
                out.line(null, "\\ No newline at end of file");
            }
        }
    }

    /** The file's lines, each with its "\n" (the last one without, when the file does not end in a newline). */
    private static List<String> lines(File f) {
        List<String> lines = new ArrayList<>();
        if (f == null) {
            return lines;
        }
        String text = new String(f.content(), StandardCharsets.UTF_8);
        int start = 0;
        for (int nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
            lines.add(text.substring(start, nl + 1));
            start = nl + 1;
        }
        if (start < text.length()) {
            lines.add(text.substring(start));
        }
        return lines;
    }

    private static String mode(File f) {
        return f.executable() ? "100755" : "100644";
    }

    /**
     * A path as printed: control characters (which a file name from the database may hold) become '?', so a name
     * cannot move the cursor or change the terminal's colours.
     */
    static String shown(String path) {
        StringBuilder s = new StringBuilder(path.length());
        path.codePoints().forEach(c -> s.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return s.toString();
    }

    /** The lines written so far, coloured or not. */
    private static final class Out {
        private final boolean color;
        private final StringBuilder text = new StringBuilder();

        Out(boolean color) {
            this.color = color;
        }

        void line(String colour, String line) {
            text.append(paint(colour, line)).append('\n');
        }

        Out prepend(String colour, String line) {
            text.insert(0, paint(colour, line) + "\n");
            return this;
        }

        private String paint(String colour, String line) {
            return color && colour != null ? colour + line + RESET : line;
        }

        boolean isEmpty() {
            return text.length() == 0;
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
