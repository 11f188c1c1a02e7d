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
    /** The taxonomy categories of a skill path: each folder above the skill (a/b/c: a and a/b). */
    static List<String> categoryPaths(String path) {
        List<String> paths = new ArrayList<>();
        String[] parts = path.split("/");
        for (int i = 1; i < parts.length; i++) {
            paths.add(String.join("/", List.of(parts).subList(0, i)));
        }
        return paths;
    }

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
    record FileRow(String relativePath, String filename, String fileType, byte[] bytes, boolean text, long size,
            String checksum, boolean executable) {
        /**
         * The file as the content column holds it (valid UTF-8 without NUL), or null for one kept in binary_data. The
         * bytes are sent as they are and the database makes the text (no second copy of a large file in memory).
         */
        byte[] contentBytes() {
            return text ? bytes : null;
        }

        byte[] binary() {
            return text ? null : bytes;
        }

        /** The text content, or null for a binary file (for tests and small files only). */
        String content() {
            return text ? new String(bytes, StandardCharsets.UTF_8) : null;
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
            List<String> seeAlso, String frontmatter, String content, boolean executableSkillMd, List<FileRow> files,
            String hash, List<String> lint) {

        List<String> categoryPaths() {
            return SkillMapping.categoryPaths(path);
        }

        /** The skills row of a new skill: the service's defaults where the frontmatter is silent. */
        SkillsRow newRow() {
            return new SkillsRow(path, name, description, orDefault(version, DEFAULT_VERSION),
                    orDefault(type, DEFAULT_TYPE), orDefault(weight, DEFAULT_WEIGHT),
                    orDefault(loadPriority, DEFAULT_LOAD_PRIORITY), orDefault(status, DEFAULT_STATUS), skillStyle,
                    scope, content, hash);
        }

        /**
         * The skills row over an existing one: a null keeps the column's value. Over an archived row ({@code
         * restoring}), a skill without a status of its own becomes active again.
         */
        SkillsRow updateRow(boolean restoring) {
            return new SkillsRow(path, name, description, version, type, weight, loadPriority,
                    restoring ? orDefault(status, DEFAULT_STATUS) : status, skillStyle, scope, content, hash);
        }

        /**
         * The rows of the other tables this skill owns, for the skill id it was written as. A list the frontmatter
         * does not carry (no keywords key, say; for capabilities, no items) is null, so the rows someone else wrote
         * for it stay; one it carries empty ({@code tags: []}) empties the table's rows for the skill.
         */
        OwnedRows ownedRows(long skillId) {
            List<CapabilityRow> caps = new ArrayList<>();
            for (int i = 0; i < capabilities.size(); i++) {
                caps.add(new CapabilityRow(skillId, capabilities.get(i).name(), capabilities.get(i).description(), i));
            }
            List<String> categories = categoryPaths();
            List<SkillCategoryRow> links = new ArrayList<>();
            for (int i = 0; i < categories.size(); i++) {
                links.add(new SkillCategoryRow(skillId, categories.get(i), i == categories.size() - 1));
            }
            return new OwnedRows(new MetaRow(skillId, frontmatter, license, executablePaths(), hash),
                    files.stream().map(f -> new OwnedFile(skillId, f)).toList(), values(skillId, keywords),
                    values(skillId, tags), values(skillId, allowedTools), caps.isEmpty() ? null : caps, links);
        }

        /** The record without its content, for what is kept after writing (relations, reporting). */
        SkillRecord withoutContent() {
            return new SkillRecord(path, name, description, license, version, type, weight, loadPriority, status,
                    skillStyle, scope, keywords, tags, allowedTools, capabilities, dependencies, seeAlso, null, null,
                    executableSkillMd, List.of(), hash, lint);
        }

        /** The executable files, SKILL.md included (every file is executable on some checkouts: WSL, FAT). */
        String executablePaths() {
            List<String> paths = new ArrayList<>();
            if (executableSkillMd) {
                paths.add(Skill.SKILL_MD);
            }
            files.stream().filter(FileRow::executable).forEach(f -> paths.add(f.relativePath()));
            return String.join("\n", paths);
        }
    }

    /** The service's defaults for the NOT NULL columns of a new skills row, applied in {@link SkillRecord#newRow}. */
    static final String DEFAULT_VERSION = "1.0.0";
    static final String DEFAULT_WEIGHT = "medium";
    static final String DEFAULT_LOAD_PRIORITY = "task_specific";

    /** The columns of a skills row this tool writes, in the order of the table's definition. */
    record SkillsRow(String path, String name, String description, String version, String type, String weight,
            String loadPriority, String status, String skillStyle, String scope, String content, String hash) {
    }

    /** The tool's own row of a skill (skill_fleet_skill_meta). */
    record MetaRow(long skillId, String frontmatter, String license, String executablePaths, String hash) {
    }

    /** A skill_files row: the file and the skill it belongs to. */
    record OwnedFile(long skillId, FileRow file) {
    }

    /** A row of a one-value list table: skill_keywords, skill_tags or skill_allowed_tools. */
    record ValueRow(long skillId, String value) {
    }

    record CapabilityRow(long skillId, String name, String description, int sortOrder) {
    }

    /** A taxonomy_categories row; the parent is found by its path as the row is inserted. */
    record CategoryRow(String path, String name, String parentPath, int level) {
        static CategoryRow of(String path) {
            int slash = path.lastIndexOf('/');
            return new CategoryRow(path, path.substring(slash + 1), slash < 0 ? null : path.substring(0, slash),
                    path.split("/").length - 1);
        }
    }

    /** A skill_categories row: the skill in one category of its path, the nearest one primary. */
    record SkillCategoryRow(long skillId, String categoryPath, boolean primary) {
    }

    record DependencyRow(long dependentId, long dependencyId, String type) {
    }

    /** A skill_references row of type see_also. */
    record ReferenceRow(long sourceId, long targetId) {
    }

    /** Everything one written skill puts in the tables besides its skills row. */
    record OwnedRows(MetaRow meta, List<OwnedFile> files, List<ValueRow> keywords, List<ValueRow> tags,
            List<ValueRow> allowedTools, List<CapabilityRow> capabilities, List<SkillCategoryRow> categories) {
    }

    /** The rows of one list, or null when the frontmatter does not carry it (the rows already there stay). */
    private static List<ValueRow> values(long skillId, List<String> values) {
        return values == null ? null : values.stream().map(v -> new ValueRow(skillId, v)).toList();
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
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
        Map<String, Object> meta = Frontmatter.metadata(v);

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
        String loadPriority = oneOf(path, scalarAny(path, v, meta, "load_priority"), "load_priority",
                LOAD_PRIORITIES);
        String status = oneOf(path, scalar(path, v, meta, "status"), "status", STATUSES);
        if ("archived".equals(status)) {
            // Sync reads an archived row as a deleted skill: uploaded, the folder would be removed by the next run.
            throw new InvalidSkill(path, Skill.SKILL_MD, "status 'archived' marks a deleted skill in the database: "
                    + "delete the folder to archive it, or use status 'deprecated' to keep it");
        }
        String style = oneOf(path, scalarAny(path, v, meta, "skill_style"), "skill_style", STYLES);

        List<FileRow> files = new ArrayList<>();
        Set<String> lowerCasePaths = new LinkedHashSet<>();
        for (Skill.SkillFile f : skill.files()) {
            if (!lowerCasePaths.add(f.path().toLowerCase(java.util.Locale.ROOT))) {
                throw new InvalidSkill(path, f.path(), "another file differs from this one only in letter case");
            }
            if (f.path().equals(Skill.SKILL_MD)) {
                continue;
            }
            if (f.path().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                // A line break would split the list of executable files, and no one-line message could name it.
                throw new InvalidSkill(path, f.path().replaceAll("\\p{Cntrl}", "?"), "a control character (a line "
                        + "break, a tab) in a file name cannot be stored faithfully; rename the file");
            }
            if (f.path().indexOf('\\') >= 0) {
                throw new InvalidSkill(path, f.path(), "a backslash in a file name reads as a folder separator on "
                        + "import and on Windows; rename the file");
            }
            String filename = f.path().substring(f.path().lastIndexOf('/') + 1);
            if (f.path().length() > 512 || filename.length() > 256) {
                throw new InvalidSkill(path, f.path(), "file path longer than 512 characters or name longer than 256");
            }
            files.add(new FileRow(f.path(), filename, fileType(f.path()), f.bytes(), Frontmatter.isText(f.bytes()),
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
                fm.block(), fm.body(), md.executable(), files, skill.hash(), lint(path, v));
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
        String block = frontmatterBlock(frontmatter, columns);
        Set<String> executable = executablePaths == null ? Set.of() : Set.of(executablePaths.split("\n"));
        List<Skill.SkillFile> skillFiles = new ArrayList<>();
        skillFiles.add(new Skill.SkillFile(Skill.SKILL_MD,
                (block + (content == null ? "" : content)).getBytes(StandardCharsets.UTF_8),
                executable.contains(Skill.SKILL_MD)));
        for (FileRow f : files) {
            skillFiles.add(new Skill.SkillFile(f.relativePath(), f.bytes(), executable.contains(f.relativePath())));
        }
        return new Skill(path, skillFiles);
    }

    /**
     * The frontmatter block of a row's SKILL.md: its stored verbatim frontmatter with the keys it carries set to the
     * columns, or (null) one rebuilt from the columns.
     */
    static String frontmatterBlock(String frontmatter, Map<String, Object> columns) {
        return frontmatter != null ? withLists(Frontmatter.withColumns(frontmatter, columns), columns)
                : Frontmatter.render(rebuiltFrontmatter(columns));
    }

    /**
     * The block to store as a row's verbatim frontmatter so the row reads back as this very block, or null when
     * storing it would not (a block the columns would rewrite again).
     */
    static String recordableBlock(String frontmatter, Map<String, Object> columns) {
        String block = frontmatterBlock(frontmatter, columns);
        return frontmatterBlock(block, columns).equals(block) ? block : null;
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
                Object current = atTop ? values.get(key) : Frontmatter.metadata(values).get(key);
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
                Object value = atTop ? after.get(key) : Frontmatter.metadata(after).get(key);
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

    /** The values without one key (at the top level, or under metadata:), to compare what else a rewrite touched. */
    private static Map<String, Object> without(Map<String, Object> values, String key, boolean atTop) {
        Map<String, Object> copy = new LinkedHashMap<>(values);
        if (atTop) {
            copy.remove(key);
        } else {
            Map<String, Object> meta = new LinkedHashMap<>(Frontmatter.metadata(values));
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

    /** A column's value under whichever of its spellings the frontmatter uses ({@link Frontmatter#COLUMN_KEYS}). */
    private static String scalarAny(String path, Map<String, Object> top, Map<String, Object> meta, String column)
            throws InvalidSkill {
        for (String key : Frontmatter.COLUMN_KEYS.get(column)) {
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
        if (value instanceof byte[]) {
            throw new InvalidSkill(path, Skill.SKILL_MD, "'" + key + "' must be text, not !!binary");
        }
        return value == null ? null : Frontmatter.text(value);
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

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null && !(value instanceof Collection<?> c && c.isEmpty()) && !"".equals(value)) {
            map.put(key, value);
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
