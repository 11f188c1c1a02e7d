import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that turns a {@link Skill} into the columns of the service's tables ({@link SkillRecord}) and rows
 * back into a Skill. Validation lives here too: whatever the service's CHECKs and column sizes would refuse is refused
 * first, with the rule in words, so one bad skill never aborts a run.
 */
final class SkillMapping {
    static final Pattern SKILL_PATH = Pattern.compile("^[a-z0-9_-]+(/[a-z0-9_-]+)*$");
    static final Pattern KEBAB_NAME = Pattern.compile("^[a-z0-9]+(-[a-z0-9]+)*$");
    static final Pattern VERSION = Pattern.compile("^\\d+\\.\\d+\\.\\d+$");
    static final List<String> TYPES = List.of("cognitive", "technical", "domain", "tool", "mcp", "specialization",
            "task_focus", "memory");
    static final List<String> WEIGHTS = List.of("lightweight", "medium", "heavyweight");
    static final List<String> LOAD_PRIORITIES = List.of("always", "task_specific", "on_demand", "dormant");
    static final List<String> STATUSES = List.of("draft", "active", "deprecated", "archived");
    static final List<String> STYLES = List.of("navigation_hub", "comprehensive", "minimal");
    static final List<String> DEPENDENCY_TYPES = List.of("required", "recommended", "conflict");
    static final String DEFAULT_STATUS = "active";
    static final String DEFAULT_TYPE = "technical";

    private static final Pattern CAPABILITY_ITEM = Pattern.compile("^\\s*[-*]\\s+\\*\\*(.+?)\\*\\*\\s*:?\\s*(.*)$");
    private static final Pattern CAPABILITIES_HEADING = Pattern.compile("^##\\s+capabilities\\s*#*\\s*$",
            Pattern.CASE_INSENSITIVE);

    private SkillMapping() {
    }

    record Capability(String name, String description) {
    }

    record Dependency(String target, String type) {
    }

    /** A file as the skill_files table holds it; exactly one of {@code content} and {@code binary} is set. */
    record FileRow(String relativePath, String filename, String fileType, String content, byte[] binary, long size,
            String checksum, boolean executable) {
        byte[] bytes() {
            return content != null ? content.getBytes(StandardCharsets.UTF_8) : binary == null ? new byte[0] : binary;
        }
    }

    /**
     * The columns of one skill. A null scalar means the frontmatter does not carry that key: a new row gets the
     * service's default, an existing row keeps its value. Likewise a null keywords, tags or allowed-tools list: the
     * row keeps its list (an empty one, carried as {@code tags: []}, empties it).
     */
    record SkillRecord(String path, String name, String description, String license, String version, String type,
            String weight, String loadPriority, String status, String skillStyle, String scope, List<String> keywords,
            List<String> tags, List<String> allowedTools, List<Capability> capabilities, List<Dependency> dependencies,
            List<String> seeAlso, String frontmatter, String content, List<FileRow> files, String hash,
            List<String> lint) {

        List<String> categoryPaths() {
            List<String> paths = new ArrayList<>();
            String[] parts = path.split("/");
            for (int i = 1; i < parts.length; i++) {
                paths.add(String.join("/", List.of(parts).subList(0, i)));
            }
            return paths;
        }

        /** The record as written over an archived row: without a status of its own it becomes active again. */
        SkillRecord restoring() {
            return new SkillRecord(path, name, description, license, version, type, weight, loadPriority,
                    status == null ? DEFAULT_STATUS : status, skillStyle, scope, keywords, tags, allowedTools,
                    capabilities, dependencies, seeAlso, frontmatter, content, files, hash, lint);
        }

        /** The record without its content, for what is kept after writing (relations, reporting). */
        SkillRecord withoutContent() {
            return new SkillRecord(path, name, description, license, version, type, weight, loadPriority, status,
                    skillStyle, scope, keywords, tags, allowedTools, capabilities, dependencies, seeAlso, null, null,
                    List.of(), hash, lint);
        }

        String executablePaths() {
            return String.join("\n", files.stream().filter(FileRow::executable).map(FileRow::relativePath).toList());
        }
    }

    static SkillRecord toRecord(Skill skill) throws InvalidSkill {
        String path = skill.path();
        if (path.length() > 512 || !SKILL_PATH.matcher(path).matches()) {
            throw new InvalidSkill(path, null, "folder path must be lower-case letters, digits, '-' or '_' segments "
                    + "separated by '/' (at most 512 characters)");
        }
        Skill.SkillFile md = skill.skillMd();
        if (md == null) {
            throw new InvalidSkill(path, Skill.SKILL_MD, "missing");
        }
        Frontmatter fm = Frontmatter.parse(path, md.bytes());
        Map<String, Object> v = fm.values();
        Map<String, Object> meta = v.get("metadata") instanceof Map<?, ?> m ? stringKeys(m) : Map.of();

        String name = scalar(path, v, meta, "name");
        if (name == null) {
            throw new InvalidSkill(path, Skill.SKILL_MD, "frontmatter has no 'name'");
        }
        if (name.length() > 64 || !KEBAB_NAME.matcher(name).matches()) {
            throw new InvalidSkill(path, Skill.SKILL_MD, "name '" + abbreviate(name) + "' must be kebab-case "
                    + "(lower-case letters and digits joined by '-'), at most 64 characters");
        }
        String description = scalar(path, v, meta, "description");
        String version = scalar(path, v, meta, "version");
        if (version != null && (version.length() > 20 || !VERSION.matcher(version).matches())) {
            throw new InvalidSkill(path, Skill.SKILL_MD, "version '" + abbreviate(version) + "' must look like 1.2.3");
        }
        String type = oneOf(path, scalar(path, v, meta, "type"), "type", TYPES);
        String weight = oneOf(path, scalar(path, v, meta, "weight"), "weight", WEIGHTS);
        String loadPriority = oneOf(path, scalarAny(path, v, meta, "load_priority", "load-priority"),
                "load_priority", LOAD_PRIORITIES);
        String status = oneOf(path, scalar(path, v, meta, "status"), "status", STATUSES);
        if ("archived".equals(status)) {
            // Sync reads an archived row as a deleted skill: uploaded, the folder would be removed by the next run.
            throw new InvalidSkill(path, Skill.SKILL_MD, "status 'archived' marks a deleted skill in the database: "
                    + "delete the folder to archive it, or use status 'deprecated' to keep it");
        }
        String style = oneOf(path, scalarAny(path, v, meta, "skill_style", "skill-style"), "skill_style", STYLES);

        List<FileRow> files = new ArrayList<>();
        Set<String> lowerCasePaths = new LinkedHashSet<>();
        for (Skill.SkillFile f : skill.files()) {
            if (!lowerCasePaths.add(f.path().toLowerCase(java.util.Locale.ROOT))) {
                throw new InvalidSkill(path, f.path(), "another file differs from this one only in letter case");
            }
            if (f.path().equals(Skill.SKILL_MD)) {
                continue;
            }
            String filename = f.path().substring(f.path().lastIndexOf('/') + 1);
            if (f.path().length() > 512 || filename.length() > 256) {
                throw new InvalidSkill(path, f.path(), "file path longer than 512 characters or name longer than 256");
            }
            String text = Frontmatter.tryDecodeUtf8(f.bytes());
            files.add(new FileRow(f.path(), filename, fileType(f.path()), text, text == null ? f.bytes() : null,
                    f.bytes().length, f.sha256(), f.executable()));
        }
        return new SkillRecord(path, name, description == null ? "" : description,
                scalar(path, v, meta, "license"), version, type, weight, loadPriority, status, style,
                scalar(path, v, meta, "scope"),
                carried(v, meta, "keywords", limited(path, "keyword", strings(path, first(v, meta, "keywords"),
                        "keywords"), 128)),
                carried(v, meta, "tags", limited(path, "tag", strings(path, first(v, meta, "tags"), "tags"), 64)),
                carried(v, meta, "allowed-tools", limited(path, "allowed tool", tools(path, first(v, meta,
                        "allowed-tools")), 64)),
                capabilities(path, fm.body()), dependencies(path, first(v, meta, "dependencies")),
                strings(path, firstAny(v, meta, "see_also", "see-also"), "see_also"),
                fm.block(), fm.body(), files, skill.hash(), lint(path, v));
    }

    /** Top-level keys the Agent Skills specification defines; anything else belongs under metadata:. */
    static final List<String> SPEC_KEYS = List.of("name", "description", "license", "allowed-tools", "metadata",
            "compatibility");

    /**
     * Where a frontmatter departs from the Agent Skills specification although it can be stored: the name differs
     * from the folder's, the description is empty or longer than 1024 characters, compatibility is longer than 500,
     * a top-level key is not one the specification defines. Warnings by default; --strict refuses such skills.
     */
    static List<String> lint(String path, Map<String, Object> values) {
        List<String> problems = new ArrayList<>();
        String folder = path.substring(path.lastIndexOf('/') + 1);
        Object name = values.get("name");
        if (name != null && !folder.equals(String.valueOf(name))) {
            problems.add("name '" + abbreviate(String.valueOf(name)) + "' differs from the folder name '" + folder + "'");
        }
        Object description = values.get("description");
        int length = description == null ? 0 : String.valueOf(description).strip().length();
        if (length == 0 || length > 1024) {
            problems.add("description must be 1-1024 characters (has " + length + ")");
        }
        Object compatibility = values.get("compatibility");
        if (compatibility != null && String.valueOf(compatibility).length() > 500) {
            problems.add("compatibility must be at most 500 characters (has " + String.valueOf(compatibility).length()
                    + ")");
        }
        for (String key : values.keySet()) {
            if (!SPEC_KEYS.contains(key)) {
                problems.add("unknown top-level key '" + abbreviate(key) + "' (the specification puts other keys "
                        + "under metadata:)");
            }
        }
        return problems;
    }

    /**
     * The skill a database row stands for: its verbatim frontmatter (with the keys it carries set to the row's
     * columns, so edits made through the API show), or one rebuilt from its columns.
     */
    static Skill toSkill(String path, String frontmatter, String content, String executablePaths,
            Map<String, Object> columns, List<FileRow> files) {
        String block = frontmatter != null ? withLists(Frontmatter.withColumns(frontmatter, columns), columns)
                : Frontmatter.render(rebuiltFrontmatter(columns));
        Set<String> executable = executablePaths == null ? Set.of() : Set.of(executablePaths.split("\n"));
        List<Skill.SkillFile> skillFiles = new ArrayList<>();
        skillFiles.add(new Skill.SkillFile(Skill.SKILL_MD,
                (block + (content == null ? "" : content)).getBytes(StandardCharsets.UTF_8), false));
        for (FileRow f : files) {
            skillFiles.add(new Skill.SkillFile(f.relativePath(), f.bytes(), executable.contains(f.relativePath())));
        }
        return new Skill(path, skillFiles);
    }

    /** The frontmatter key of each list a row holds, by its name in the row's columns. */
    private static final Map<String, String> LIST_KEYS = listKeys();

    private static Map<String, String> listKeys() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("keywords", "keywords");
        keys.put("tags", "tags");
        keys.put("allowed_tools", "allowed-tools");
        return keys;
    }

    /**
     * The block with each list key it carries (keywords, tags, allowed-tools) set to the row's list where the two
     * differ as sets (a list edited through the API or SQL), rewriting only that key's lines: values still in the row
     * keep their order and new ones follow; a comma- or space-separated string stays a string where it can, a block
     * sequence stays one, anything else becomes a flow list ({@code [a, b]}). Keys the block does not carry are not
     * added. Returns the block unchanged if it cannot be rewritten faithfully (every other value must read back the
     * same).
     */
    static String withLists(String block, Map<String, Object> columns) {
        String out = block;
        for (Map.Entry<String, String> e : LIST_KEYS.entrySet()) {
            if (!(columns.get(e.getKey()) instanceof List<?> column)) {
                continue;
            }
            String key = e.getValue();
            List<String> wanted = column.stream().map(String::valueOf).toList();
            try {
                Map<String, Object> values = Frontmatter.parse("", out.getBytes(StandardCharsets.UTF_8)).values();
                boolean atTop = values.get(key) != null;
                Object current = atTop ? values.get(key) : metadata(values).get(key);
                if (current == null) {
                    continue;
                }
                List<String> now = readList(key, current);
                if (Set.copyOf(now).equals(Set.copyOf(wanted))) {
                    continue;
                }
                List<String> merged = new ArrayList<>(now);
                merged.retainAll(wanted);
                wanted.stream().filter(w -> !merged.contains(w)).forEach(merged::add);
                String rewritten = null;
                if (current instanceof String s) {
                    String joined = String.join(key.equals("allowed-tools") && !s.contains(",") ? " " : ", ", merged);
                    if (readList(key, joined).equals(merged)) {
                        rewritten = Frontmatter.replaceKey(out, key, atTop, Frontmatter.scalar(joined));
                    }
                }
                if (rewritten == null) {
                    rewritten = Frontmatter.replaceList(out, key, atTop, merged, Frontmatter.flowList(merged));
                }
                if (rewritten == null) {
                    return block;
                }
                Map<String, Object> after = Frontmatter.parse("", rewritten.getBytes(StandardCharsets.UTF_8)).values();
                Object value = atTop ? after.get(key) : metadata(after).get(key);
                if (value == null || !readList(key, value).equals(merged)
                        || !without(values, key, atTop).equals(without(after, key, atTop))) {
                    return block;
                }
                out = rewritten;
            } catch (InvalidSkill invalid) {
                return block;
            }
        }
        return out;
    }

    private static List<String> readList(String key, Object value) throws InvalidSkill {
        return key.equals("allowed-tools") ? tools("", value) : strings("", value, key);
    }

    private static Map<String, Object> metadata(Map<String, Object> values) {
        return values.get("metadata") instanceof Map<?, ?> m ? stringKeys(m) : Map.of();
    }

    /** The values without one key (at the top level, or under metadata:), to compare what else a rewrite touched. */
    private static Map<String, Object> without(Map<String, Object> values, String key, boolean atTop) {
        Map<String, Object> copy = new LinkedHashMap<>(values);
        if (atTop) {
            copy.remove(key);
        } else {
            Map<String, Object> meta = new LinkedHashMap<>(metadata(values));
            meta.remove(key);
            copy.put("metadata", meta);
        }
        return copy;
    }

    /**
     * Frontmatter for a row written by another tool: name and description, then whichever of license,
     * allowed-tools and metadata (version, type, ...) are set. {@code columns} holds the skills row by column name
     * plus "license", "allowed_tools", "keywords" and "tags".
     */
    static Map<String, Object> rebuiltFrontmatter(Map<String, Object> columns) {
        Map<String, Object> fm = new LinkedHashMap<>();
        fm.put("name", columns.get("name"));
        fm.put("description", columns.get("description") == null ? "" : columns.get("description"));
        putIfSet(fm, "license", columns.get("license"));
        Object tools = columns.get("allowed_tools");
        putIfSet(fm, "allowed-tools", tools instanceof Collection<?> c ? String.join(" ",
                c.stream().map(String::valueOf).toList()) : tools);
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (String key : List.of("version", "type", "weight", "load_priority", "status", "skill_style", "scope",
                "keywords", "tags")) {
            putIfSet(metadata, key, columns.get(key));
        }
        if (!metadata.isEmpty()) {
            fm.put("metadata", metadata);
        }
        return fm;
    }

    static String fileType(String relativePath) {
        int slash = relativePath.indexOf('/');
        String top = slash < 0 ? "" : relativePath.substring(0, slash);
        return switch (top) {
            case "scripts" -> "script";
            case "templates" -> "template";
            case "examples" -> "example";
            case "assets" -> "asset";
            case "guides" -> "guide";
            case "tests" -> "test";
            default -> "reference";
        };
    }

    static List<Capability> capabilities(String path, String body) throws InvalidSkill {
        Map<String, Capability> found = new LinkedHashMap<>();
        boolean inSection = false;
        for (String line : body.lines().toList()) {
            if (line.startsWith("#")) {
                inSection = CAPABILITIES_HEADING.matcher(line.strip()).matches()
                        || (inSection && line.startsWith("###"));
                continue;
            }
            Matcher m = CAPABILITY_ITEM.matcher(line);
            if (inSection && m.matches()) {
                String name = m.group(1).strip();
                if (name.length() > 128) {
                    throw new InvalidSkill(path, Skill.SKILL_MD, "capability name longer than 128 characters");
                }
                found.putIfAbsent(name, new Capability(name, m.group(2).strip()));
            }
        }
        return List.copyOf(found.values());
    }

    static List<Dependency> dependencies(String path, Object value) throws InvalidSkill {
        List<Dependency> deps = new ArrayList<>();
        if (value == null) {
            return deps;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (DEPENDENCY_TYPES.contains(key)) {
                    for (String target : strings(path, e.getValue(), "dependencies." + key)) {
                        deps.add(new Dependency(target, key));
                    }
                } else {
                    deps.add(new Dependency(key, dependencyType(path, e.getValue())));
                }
            }
        } else if (value instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Map<?, ?> m) {
                    Object target = m.get("skill") != null ? m.get("skill")
                            : m.get("path") != null ? m.get("path") : m.get("name");
                    if (target == null) {
                        throw new InvalidSkill(path, Skill.SKILL_MD, "a dependency entry names no skill, path or name");
                    }
                    deps.add(new Dependency(String.valueOf(target), dependencyType(path, m.get("type"))));
                } else if (item != null) {
                    deps.add(new Dependency(String.valueOf(item), "required"));
                }
            }
        } else {
            for (String target : strings(path, value, "dependencies")) {
                deps.add(new Dependency(target, "required"));
            }
        }
        return deps;
    }

    private static String dependencyType(String path, Object type) throws InvalidSkill {
        if (type == null) {
            return "required";
        }
        return oneOf(path, String.valueOf(type), "dependency type", DEPENDENCY_TYPES);
    }

    /** allowed-tools as a space- or comma-separated string (parentheses kept whole) or a YAML list. */
    static List<String> tools(String path, Object value) throws InvalidSkill {
        if (value instanceof String s) {
            List<String> tools = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            int depth = 0;
            for (char c : s.toCharArray()) {
                if (c == '(') {
                    depth++;
                } else if (c == ')' && depth > 0) {
                    depth--;
                }
                if (depth == 0 && (c == ',' || Character.isWhitespace(c))) {
                    if (!current.isEmpty()) {
                        tools.add(current.toString());
                        current.setLength(0);
                    }
                } else {
                    current.append(c);
                }
            }
            if (!current.isEmpty()) {
                tools.add(current.toString());
            }
            return List.copyOf(new LinkedHashSet<>(tools));
        }
        return strings(path, value, "allowed-tools");
    }

    static List<String> strings(String path, Object value, String key) throws InvalidSkill {
        if (value == null) {
            return List.of();
        }
        Collection<?> items;
        if (value instanceof Collection<?> c) {
            items = c;
        } else if (value instanceof Map<?, ?>) {
            throw new InvalidSkill(path, Skill.SKILL_MD, "'" + key + "' must be a list or a string, not a mapping");
        } else {
            items = List.of(String.valueOf(value).split(","));
        }
        Set<String> out = new LinkedHashSet<>();
        for (Object item : items) {
            if (item instanceof Map<?, ?> || item instanceof Collection<?>) {
                throw new InvalidSkill(path, Skill.SKILL_MD, "'" + key + "' must hold plain values");
            }
            if (item != null && !String.valueOf(item).isBlank()) {
                out.add(String.valueOf(item).strip());
            }
        }
        return List.copyOf(out);
    }

    private static List<String> limited(String path, String what, List<String> values, int max) throws InvalidSkill {
        for (String value : values) {
            if (value.length() > max) {
                throw new InvalidSkill(path, Skill.SKILL_MD, what + " '" + abbreviate(value)
                        + "' is longer than " + max + " characters");
            }
        }
        return values;
    }

    private static String oneOf(String path, String value, String key, List<String> allowed) throws InvalidSkill {
        if (value != null && !allowed.contains(value)) {
            throw new InvalidSkill(path, Skill.SKILL_MD, key + " '" + abbreviate(value) + "' must be one of "
                    + String.join(", ", allowed));
        }
        return value;
    }

    private static String scalarAny(String path, Map<String, Object> top, Map<String, Object> meta, String... keys)
            throws InvalidSkill {
        for (String key : keys) {
            String value = scalar(path, top, meta, key);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    private static String scalar(String path, Map<String, Object> top, Map<String, Object> meta, String key)
            throws InvalidSkill {
        Object value = first(top, meta, key);
        if (value instanceof Map<?, ?> || value instanceof Collection<?>) {
            throw new InvalidSkill(path, Skill.SKILL_MD, "'" + key + "' must be a single value");
        }
        return value == null ? null : value instanceof java.util.Date d
                ? d.toInstant().toString().substring(0, 10) : String.valueOf(value);
    }

    private static Object firstAny(Map<String, Object> top, Map<String, Object> meta, String... keys) {
        for (String key : keys) {
            Object value = first(top, meta, key);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /** The list, or null when the frontmatter does not carry the key (the database's list is then kept). */
    private static List<String> carried(Map<String, Object> top, Map<String, Object> meta, String key,
            List<String> values) {
        return first(top, meta, key) == null ? null : values;
    }

    private static Object first(Map<String, Object> top, Map<String, Object> meta, String key) {
        return top.get(key) != null ? top.get(key) : meta.get(key);
    }

    private static Map<String, Object> stringKeys(Map<?, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null && !(value instanceof Collection<?> c && c.isEmpty()) && !"".equals(value)) {
            map.put(key, value);
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
