//DEPS org.yaml:snakeyaml:2.5

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Splits a SKILL.md into its verbatim frontmatter block (the opening "---" line through the closing one, line ends
 * included) and the Markdown body after it, parses the block as YAML, and rebuilds a block from values when a database
 * row carries none. The split is lossless: {@code block + body} is the original text, byte for byte.
 */
record Frontmatter(String block, String body, Map<String, Object> values) {

    static Frontmatter parse(String skillPath, byte[] skillMd) throws InvalidSkill {
        String text = decodeUtf8(skillPath, Skill.SKILL_MD, skillMd);
        int start = text.startsWith("\uFEFF") ? 1 : 0;
        int firstEnd = lineEnd(text, start);
        if (firstEnd < 0 || !text.substring(start, firstEnd).stripTrailing().equals("---")) {
            throw new InvalidSkill(skillPath, Skill.SKILL_MD, "no YAML frontmatter: the file must start with a '---' line");
        }
        int pos = afterLineBreak(text, firstEnd);
        while (pos < text.length()) {
            int end = lineEnd(text, pos);
            int stop = end < 0 ? text.length() : end;
            if (text.substring(pos, stop).stripTrailing().equals("---")) {
                int blockEnd = end < 0 ? text.length() : afterLineBreak(text, end);
                String yaml = text.substring(afterLineBreak(text, firstEnd), pos);
                return new Frontmatter(text.substring(0, blockEnd), text.substring(blockEnd), load(skillPath, yaml));
            }
            pos = end < 0 ? text.length() : afterLineBreak(text, end);
        }
        throw new InvalidSkill(skillPath, Skill.SKILL_MD, "frontmatter is not closed by a '---' line");
    }

    static Map<String, Object> load(String skillPath, String yaml) throws InvalidSkill {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        options.setNestingDepthLimit(20);
        options.setCodePointLimit(4 * 1024 * 1024);
        Object loaded;
        try {
            loaded = new Yaml(new SafeConstructor(options)).load(yaml);
        } catch (RuntimeException e) {
            // SnakeYAML's first line is its context ("while constructing a mapping"); a duplicate key says which.
            String message = String.valueOf(e.getMessage());
            String reason = message.lines().filter(l -> l.startsWith("found duplicate key")).findFirst()
                    .orElse(message.lines().findFirst().orElse("")).strip();
            throw new InvalidSkill(skillPath, Skill.SKILL_MD, "unreadable YAML frontmatter: " + reason);
        }
        if (loaded == null) {
            return new LinkedHashMap<>();
        }
        if (!(loaded instanceof Map<?, ?> map)) {
            throw new InvalidSkill(skillPath, Skill.SKILL_MD, "frontmatter is not a mapping of keys to values");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        map.forEach((k, v) -> values.put(String.valueOf(k), v));
        return values;
    }

    /** A frontmatter block for values (insertion order kept), as written for rows that carry no verbatim block. */
    static String render(Map<String, Object> values) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setWidth(Integer.MAX_VALUE);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setLineBreak(DumperOptions.LineBreak.UNIX);
        Yaml yaml = new Yaml(new Representer(options), options);
        return "---\n" + yaml.dump(values) + "---\n";
    }

    /**
     * The column text of a scalar value as YAML typed it: a date ({@code 2024-01-05}, unquoted) as yyyy-mm-dd, a
     * number or boolean as Java prints it. withColumns compares through this same mapping, so a key whose column
     * still holds what its text maps to is left as written.
     */
    static String text(Object value) {
        return value instanceof java.util.Date d ? d.toInstant().toString().substring(0, 10) : String.valueOf(value);
    }

    /** Columns whose keys a frontmatter may carry, with the spellings read for each (see SkillMapping). */
    static final Map<String, List<String>> COLUMN_KEYS = columnKeys();

    private static Map<String, List<String>> columnKeys() {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        for (String key : List.of("name", "description", "version", "type", "weight", "status", "scope")) {
            keys.put(key, List.of(key));
        }
        keys.put("load_priority", List.of("load_priority", "load-priority"));
        keys.put("skill_style", List.of("skill_style", "skill-style"));
        return keys;
    }

    /**
     * The block with each key it carries set to the column's value where the two differ (a column edited through the
     * API or SQL), rewriting only those keys' lines: every other line stays byte-identical. Keys the block does not
     * carry are not added. Returns the block unchanged if it cannot be rewritten faithfully.
     */
    static String withColumns(String block, Map<String, Object> columns) {
        Frontmatter parsed;
        try {
            parsed = parse("", block.getBytes(StandardCharsets.UTF_8));
        } catch (InvalidSkill e) {
            return block;
        }
        String out = block;
        for (Map.Entry<String, List<String>> e : COLUMN_KEYS.entrySet()) {
            Object column = columns.get(e.getKey());
            if (column == null) {
                continue;
            }
            Map<String, Object> top = parsed.values();
            Map<String, Object> meta = metadata(top);
            for (String spelling : e.getValue()) {
                boolean atTop = top.get(spelling) != null;
                Object current = atTop ? top.get(spelling) : meta.get(spelling);
                if (current == null) {
                    continue;
                }
                if (!(current instanceof Map<?, ?>) && !(current instanceof List<?>)
                        && !text(current).equals(String.valueOf(column))) {
                    String rewritten = replaceKey(out, spelling, atTop, scalar(String.valueOf(column)));
                    if (rewritten == null) {
                        return block;
                    }
                    out = rewritten;
                }
                break;
            }
        }
        if (out.equals(block)) {
            return block;
        }
        try {
            Map<String, Object> check = parse("", out.getBytes(StandardCharsets.UTF_8)).values();
            Map<String, Object> checkMeta = metadata(check);
            for (Map.Entry<String, List<String>> e : COLUMN_KEYS.entrySet()) {
                for (String spelling : e.getValue()) {
                    Object v = check.get(spelling) != null ? check.get(spelling) : checkMeta.get(spelling);
                    if (v != null && columns.get(e.getKey()) != null
                            && !text(v).equals(String.valueOf(columns.get(e.getKey())))) {
                        return block;
                    }
                }
            }
        } catch (InvalidSkill e) {
            return block;
        }
        return out;
    }

    /**
     * Replaces one key's line (and its continuation lines: more indented ones, and the items of a sequence written
     * at the key's own indentation) at the top level or under metadata: with {@code key: yaml}, or returns null.
     */
    static String replaceKey(String block, String key, boolean atTop, String yaml) {
        return replaceKey(block, key, atTop, (indent, ending, continuation) -> indent + key + ": " + yaml + ending);
    }

    /**
     * Replaces a list key's lines like {@link #replaceKey}: with a block sequence in the same item indentation where
     * the key had one (so a diff shows the items that changed), else with {@code flow} (a one-line value).
     */
    static String replaceList(String block, String key, boolean atTop, List<String> items, String flow) {
        return replaceKey(block, key, atTop, (indent, ending, continuation) -> {
            String prefix = continuation.stream().filter(l -> !l.isBlank()).findFirst()
                    .map(l -> l.replaceFirst("(?s)^([ \t]*-[ \t]+).*", "$1")).filter(p -> p.strip().equals("-"))
                    .orElse(null);
            if (prefix == null || items.isEmpty()) {
                return indent + key + ": " + flow + ending;
            }
            StringBuilder sb = new StringBuilder(indent + key + ":" + ending);
            items.forEach(item -> sb.append(prefix).append(scalar(item)).append(ending));
            return sb.toString();
        });
    }

    /** The lines that replace a key's: given its indentation, line ending and continuation lines. */
    private interface KeyLines {
        String render(String indent, String ending, List<String> continuation);
    }

    private static String replaceKey(String block, String key, boolean atTop, KeyLines replacement) {
        List<String> lines = new ArrayList<>();
        Matcher m = Pattern.compile("[^\r\n]*(\r\n|\r|\n|$)").matcher(block);
        while (m.find() && m.end() > m.start()) {
            lines.add(m.group());
        }
        Pattern keyLine = Pattern.compile("^(" + (atTop ? "" : "[ \t]+") + ")" + Pattern.quote(key) + "[ \t]*:(?:[ \t]|\r|\n|$).*",
                Pattern.DOTALL);
        int from = 1;
        int to = lines.size() - 1;
        if (!atTop) {
            from = -1;
            for (int i = 1; i < lines.size() - 1; i++) {
                if (lines.get(i).matches("(?s)metadata[ \t]*:[ \t]*(#.*)?(\r\n|\r|\n)?")) {
                    from = i + 1;
                    break;
                }
            }
            if (from < 0) {
                return null;
            }
            for (int i = from; i < lines.size() - 1; i++) {
                String line = lines.get(i);
                if (!line.isBlank() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("#")) {
                    to = i;
                    break;
                }
            }
        }
        for (int i = from; i < to; i++) {
            Matcher km = keyLine.matcher(lines.get(i));
            if (!km.matches()) {
                continue;
            }
            String indent = km.group(1);
            String line = lines.get(i);
            String ending = line.endsWith("\r\n") ? "\r\n" : line.endsWith("\n") ? "\n" : line.endsWith("\r") ? "\r" : "";
            int last = i;
            for (int j = i + 1; j < to; j++) {
                String next = lines.get(j);
                if (next.isBlank()) {
                    continue;
                }
                int nextIndent = next.length() - next.stripLeading().length();
                String item = next.stripLeading();
                if (nextIndent > indent.length() || nextIndent == indent.length()
                        && (item.startsWith("- ") || item.startsWith("-\t") || item.strip().equals("-"))) {
                    last = j;
                } else {
                    break;
                }
            }
            List<String> out = new ArrayList<>(lines.subList(0, i));
            out.add(replacement.render(indent, ending, lines.subList(i + 1, last + 1)));
            out.addAll(lines.subList(last + 1, lines.size()));
            return String.join("", out);
        }
        return null;
    }

    /** A YAML flow sequence on one line ({@code [a, 'b: c']}) that reads back as exactly these strings. */
    static String flowList(List<String> values) {
        DumperOptions options = new DumperOptions();
        options.setWidth(Integer.MAX_VALUE);
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.FLOW);
        return new Yaml(options).dump(values).stripTrailing();
    }

    /** A YAML scalar on one line that reads back as exactly this string. */
    static String scalar(String value) {
        DumperOptions options = new DumperOptions();
        options.setWidth(Integer.MAX_VALUE);
        String plain = new Yaml(options).dump(value).stripTrailing();
        if (!plain.contains("\n") && !plain.startsWith("|") && !plain.startsWith(">")) {
            return plain;
        }
        options.setDefaultScalarStyle(DumperOptions.ScalarStyle.DOUBLE_QUOTED);
        return new Yaml(options).dump(value).stripTrailing();
    }

    /** The metadata: mapping of parsed frontmatter values, keys as strings (empty when there is none). */
    static Map<String, Object> metadata(Map<String, Object> values) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (values.get("metadata") instanceof Map<?, ?> map) {
            map.forEach((k, v) -> out.put(String.valueOf(k), v));
        }
        return out;
    }

    static String decodeUtf8(String skillPath, String file, byte[] bytes) throws InvalidSkill {
        String text = tryDecodeUtf8(bytes);
        if (text == null) {
            throw new InvalidSkill(skillPath, file, "not valid UTF-8 text");
        }
        return text;
    }

    /**
     * True for bytes that are valid UTF-8 without NUL characters (which PostgreSQL text cannot hold), checked in small
     * pieces: a large file is never turned into a string.
     */
    static boolean isText(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return false;
            }
        }
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(8192);
        for (java.nio.charset.CoderResult r = decoder.decode(in, out, true); !r.isUnderflow();
                r = decoder.decode(in, out, true)) {
            if (r.isError()) {
                return false;
            }
            out.clear(); // overflow: the decoded characters are not kept, only checked
        }
        return !decoder.flush(out.clear()).isError();
    }

    /** The text of bytes that are valid UTF-8 without NUL characters (which PostgreSQL text cannot hold), else null. */
    static String tryDecodeUtf8(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static int lineEnd(String text, int from) {
        int n = text.indexOf('\n', from);
        int r = text.indexOf('\r', from);
        if (r >= 0 && (n < 0 || r < n)) {
            return r;
        }
        return n;
    }

    private static int afterLineBreak(String text, int lineEnd) {
        if (text.charAt(lineEnd) == '\r' && lineEnd + 1 < text.length() && text.charAt(lineEnd + 1) == '\n') {
            return lineEnd + 2;
        }
        return lineEnd + 1;
    }
}
