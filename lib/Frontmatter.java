//DEPS org.yaml:snakeyaml:2.5

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
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
            String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
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

    static String decodeUtf8(String skillPath, String file, byte[] bytes) throws InvalidSkill {
        String text = tryDecodeUtf8(bytes);
        if (text == null) {
            throw new InvalidSkill(skillPath, file, "not valid UTF-8 text");
        }
        return text;
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
