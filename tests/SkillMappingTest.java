import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The frontmatter split, the mapping to columns and the rules that refuse what cannot be stored. */
class SkillMappingTest {
    static Skill skill(String path, String skillMd, Skill.SkillFile... more) {
        List<Skill.SkillFile> files = new java.util.ArrayList<>(List.of(more));
        files.add(new Skill.SkillFile("SKILL.md", skillMd.getBytes(StandardCharsets.UTF_8), false));
        return new Skill(path, files);
    }

    static SkillMapping.SkillRecord record(String skillMd) throws InvalidSkill {
        return SkillMapping.toRecord(skill("dev/demo", skillMd));
    }

    @Test
    void splitKeepsFrontmatterAndBodyVerbatim() throws Exception {
        String md = "---\r\n# a comment\r\nname: demo   # trailing\r\ndescription: |\r\n  two\r\n  lines\r\n---\r\n\r\n# Body\r\n";
        Frontmatter fm = Frontmatter.parse("dev/demo", md.getBytes(StandardCharsets.UTF_8));
        assertEquals(md, fm.block() + fm.body());
        assertEquals("\r\n# Body\r\n", fm.body());
        assertEquals("demo", fm.values().get("name"));
        assertEquals("two\nlines\n", fm.values().get("description"));
    }

    @Test
    void byteOrderMarkStaysInTheBlock() throws Exception {
        String md = "\uFEFF---\nname: demo\n---\nbody";
        Frontmatter fm = Frontmatter.parse("dev/demo", md.getBytes(StandardCharsets.UTF_8));
        assertEquals(md, fm.block() + fm.body());
        assertEquals("body", fm.body());
    }

    @Test
    void readsKeysAtTopLevelAndUnderMetadata() throws Exception {
        SkillMapping.SkillRecord r = record("""
                ---
                name: demo
                description: Does things.
                license: MIT
                version: 2.1.0
                metadata:
                  type: tool
                  weight: lightweight
                  load_priority: always
                  status: draft
                  scope: internal teams
                  keywords: [a, b]
                  tags:
                    - x
                ---
                body
                """);
        assertEquals("demo", r.name());
        assertEquals("Does things.", r.description());
        assertEquals("MIT", r.license());
        assertEquals("2.1.0", r.version());
        assertEquals("tool", r.type());
        assertEquals("lightweight", r.weight());
        assertEquals("always", r.loadPriority());
        assertEquals("draft", r.status());
        assertEquals("internal teams", r.scope());
        assertEquals(List.of("a", "b"), r.keywords());
        assertEquals(List.of("x"), r.tags());
        assertEquals("body\n", r.content());
    }

    @Test
    void absentKeysStayNullSoTheDatabaseKeepsItsValues() throws Exception {
        SkillMapping.SkillRecord r = record("---\nname: demo\ndescription: d\n---\n");
        assertNull(r.status());
        assertNull(r.type());
        assertNull(r.version());
        assertNull(r.scope());
        assertNull(r.keywords());
        assertNull(r.tags());
        assertNull(r.allowedTools());
        assertEquals(List.of(), record("---\nname: demo\ntags: []\n---\n").tags(), "carried empty: emptied");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // the key as the file has it | the row's list (';' between values) | the key's lines afterwards
        "tags: [a, b]|b;c|tags: [b, c]",
        "tags:\\n  - a\\n  - b|b;c|tags:\\n  - b\\n  - c",
        "tags:\\n- a\\n- b|a;b;c|tags:\\n- a\\n- b\\n- c",
        "tags:\\n  - a|''|tags: []",
        "tags: a, b|a|tags: a",
        "tags: a, b|b;x, y|tags: [b, 'x, y']",
        "tags: [a]|'b: c'|tags: ['b: c']",
        "metadata:\\n  keywords: java, jdbc\\n  tags: [t]|java;jdbc;sql|metadata:\\n  keywords: java, jdbc, sql\\n  tags: [t]",
        "allowed-tools: Read Grep|Grep;Bash(git status:*)|allowed-tools: Grep Bash(git status:*)",
        "allowed-tools: Read, Grep|Read|allowed-tools: Read",
        "allowed-tools: Read|Read;My Tool|allowed-tools: [Read, My Tool]",
        "tags: [a, b]|b;a|tags: [a, b]"})
    void listsEditedInTheRowRewriteOnlyTheirKey(String key, String row, String expected) {
        String name = key.startsWith("metadata") ? "keywords" : key.substring(0, key.indexOf(':'));
        Map<String, Object> columns = Map.of(name.replace('-', '_'), row.isEmpty() ? List.of()
                : List.of(row.split(";")));
        String block = "---\nname: demo\n" + key.replace("\\n", "\n") + "\ndescription: kept # as is\n---\n";
        assertEquals("---\nname: demo\n" + expected.replace("\\n", "\n") + "\ndescription: kept # as is\n---\n",
                SkillMapping.withLists(block, columns));
    }

    @Test
    void aListTheFileDoesNotCarryIsNotAdded() {
        String block = "---\nname: demo\n---\n";
        assertEquals(block, SkillMapping.withLists(block, Map.of("tags", List.of("t"), "keywords", List.of("k"),
                "allowed_tools", List.of("Read"))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "allowed-tools: Read Grep Bash(git status:*)",
        "allowed-tools: [Read, Grep, 'Bash(git status:*)']",
        "allowed-tools:\\n  - Read\\n  - Grep\\n  - Bash(git status:*)",
        "allowed-tools: Read, Grep, Bash(git status:*)"})
    void allowedToolsInEveryForm(String line) throws Exception {
        SkillMapping.SkillRecord r = record("---\nname: demo\n" + line.replace("\\n", "\n") + "\n---\n");
        assertEquals(List.of("Read", "Grep", "Bash(git status:*)"), r.allowedTools());
    }

    @Test
    void capabilitiesFromTheirSection() throws Exception {
        SkillMapping.SkillRecord r = record("""
                ---
                name: demo
                ---
                # Demo
                - **not-a-capability**: outside the section
                ## Capabilities
                - **parse**: read the input
                * **render**: write the output
                - plain item without a name
                ## Next
                - **later**: another section
                """);
        assertEquals(List.of(new SkillMapping.Capability("parse", "read the input"),
                new SkillMapping.Capability("render", "write the output")), r.capabilities());
    }

    @Test
    void dependenciesInListMappingAndTypedForms() throws Exception {
        assertEquals(List.of(new SkillMapping.Dependency("a/b", "required"),
                        new SkillMapping.Dependency("c", "recommended")),
                record("---\nname: demo\ndependencies:\n  - a/b\n  - skill: c\n    type: recommended\n---\n")
                        .dependencies());
        assertEquals(List.of(new SkillMapping.Dependency("x", "conflict"), new SkillMapping.Dependency("y", "required")),
                record("---\nname: demo\ndependencies:\n  conflict: [x]\n  required: y\n---\n").dependencies());
        assertEquals(List.of(new SkillMapping.Dependency("z", "recommended")),
                record("---\nname: demo\ndependencies:\n  z: recommended\n---\n").dependencies());
        assertEquals(List.of("p/q"), record("---\nname: demo\nsee_also: [p/q]\n---\n").seeAlso());
    }

    @Test
    void filesMapToTypesAndTextOrBinary() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2};
        SkillMapping.SkillRecord r = SkillMapping.toRecord(skill("dev/demo", "---\nname: demo\n---\n",
                new Skill.SkillFile("scripts/run.sh", "echo hi\n".getBytes(StandardCharsets.UTF_8), true),
                new Skill.SkillFile("assets/logo.png", png, false),
                new Skill.SkillFile("notes.md", "n".getBytes(StandardCharsets.UTF_8), false)));
        Map<String, SkillMapping.FileRow> byPath = new java.util.HashMap<>();
        r.files().forEach(f -> byPath.put(f.relativePath(), f));
        assertEquals("script", byPath.get("scripts/run.sh").fileType());
        assertEquals("echo hi\n", byPath.get("scripts/run.sh").content());
        assertEquals("asset", byPath.get("assets/logo.png").fileType());
        assertNull(byPath.get("assets/logo.png").content());
        assertArrayEquals(png, byPath.get("assets/logo.png").binary());
        assertEquals("reference", byPath.get("notes.md").fileType());
        assertEquals(Skill.sha256(png), byPath.get("assets/logo.png").checksum());
        assertEquals("scripts/run.sh", r.executablePaths());
        assertEquals(List.of("dev"), r.categoryPaths());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Dev/Demo|---\\nname: demo\\n---\\n|folder path",
        "dev/demo|no frontmatter here\\n|no YAML frontmatter",
        "dev/demo|---\\nname: demo\\n|not closed",
        "dev/demo|---\\nname: Demo_Skill\\n---\\n|kebab-case",
        "dev/demo|---\\ndescription: no name\\n---\\n|has no 'name'",
        "dev/demo|---\\nname: demo\\nversion: 1.0\\n---\\n|must look like 1.2.3",
        "dev/demo|---\\nname: demo\\ntype: wizard\\n---\\n|type 'wizard' must be one of",
        "dev/demo|---\\nname: demo\\nstatus: live\\n---\\n|status 'live' must be one of",
        "dev/demo|---\\nname: demo\\nname: again\\n---\\n|unreadable YAML",
        "dev/demo|---\\nname: [unclosed\\n---\\n|unreadable YAML",
        "dev/demo|---\\n- a list\\n---\\n|not a mapping"})
    void refusesWhatCannotBeStored(String path, String md, String reason) {
        InvalidSkill e = assertThrows(InvalidSkill.class,
                () -> SkillMapping.toRecord(skill(path, md.replace("\\n", "\n"))));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertTrue(e.getMessage().startsWith(path), "names the skill: " + e.getMessage());
    }

    @Test
    void refusesFilesWhoseNamesDifferOnlyInLetterCase() {
        Skill s = skill("dev/demo", "---\nname: demo\n---\n",
                new Skill.SkillFile("notes.md", new byte[] {1}, false),
                new Skill.SkillFile("NOTES.md", new byte[] {2}, false));
        InvalidSkill e = assertThrows(InvalidSkill.class, () -> SkillMapping.toRecord(s));
        assertTrue(e.getMessage().contains("only in letter case"), e.getMessage());
    }

    @Test
    void refusesSkillMdThatIsNotUtf8() {
        Skill s = new Skill("dev/demo", List.of(new Skill.SkillFile("SKILL.md",
                new byte[] {'-', '-', '-', '\n', (byte) 0xff, '\n', '-', '-', '-', '\n'}, false)));
        InvalidSkill e = assertThrows(InvalidSkill.class, () -> SkillMapping.toRecord(s));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void hashIsIndependentOfFileOrderAndSensitiveToModesAndBytes() {
        Skill.SkillFile a = new Skill.SkillFile("a.txt", new byte[] {1}, false);
        Skill.SkillFile b = new Skill.SkillFile("b/c.txt", new byte[] {2}, false);
        assertEquals(new Skill("s", List.of(a, b)).hash(), new Skill("s", List.of(b, a)).hash());
        assertNotEquals(new Skill("s", List.of(a, b)).hash(),
                new Skill("s", List.of(new Skill.SkillFile("a.txt", new byte[] {1}, true), b)).hash());
        assertNotEquals(new Skill("s", List.of(a, b)).hash(),
                new Skill("s", List.of(new Skill.SkillFile("a.txt", new byte[] {3}, false), b)).hash());
    }

    @Test
    void rebuiltFrontmatterListsNameDescriptionThenWhatIsSet() throws Exception {
        Map<String, Object> columns = new java.util.HashMap<>();
        columns.put("name", "demo");
        columns.put("description", "Made by the API.");
        columns.put("version", "1.0.0");
        columns.put("type", "tool");
        columns.put("status", "draft");
        columns.put("allowed_tools", "Read Grep");
        columns.put("keywords", List.of("k"));
        columns.put("tags", List.of());
        Skill s = SkillMapping.toSkill("dev/demo", null, "# Body\n", null, columns, List.of());
        String md = new String(s.skillMd().bytes(), StandardCharsets.UTF_8);
        assertEquals("""
                ---
                name: demo
                description: Made by the API.
                allowed-tools: Read Grep
                metadata:
                  version: 1.0.0
                  type: tool
                  status: draft
                  keywords:
                  - k
                ---
                # Body
                """, md);
        SkillMapping.SkillRecord back = SkillMapping.toRecord(s);
        assertEquals("draft", back.status());
        assertEquals(List.of("Read", "Grep"), back.allowedTools());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "description: 2024-01-05|2024-01-05",
        "description: yes|true",
        "description: 1.10|1.1",
        "description: 0x1F|31",
        "scope: 2024-02-29|2024-02-29",
        "metadata:\\n  scope: 2024-02-29|2024-02-29"})
    void aValueYamlTypesIsLeftAsWrittenWhileItsColumnStillHoldsWhatItMapsTo(String line, String column)
            throws Exception {
        String md = "---\nname: demo\n" + line.replace("\\n", "\n") + "\n---\n# Body\n";
        SkillMapping.SkillRecord r = record(md);
        assertEquals(column, line.contains("scope") ? r.scope() : r.description());
        Map<String, Object> columns = new java.util.HashMap<>(Map.of("name", "demo", "description", r.description()));
        if (r.scope() != null) {
            columns.put("scope", r.scope());
        }
        Skill back = SkillMapping.toSkill("dev/demo", r.frontmatter(), r.content(), "SKILL.md", columns, List.of());
        assertEquals(md, new String(back.skillMd().bytes(), StandardCharsets.UTF_8));
        assertTrue(back.skillMd().executable());
        assertEquals("SKILL.md", SkillMapping.toRecord(back).executablePaths());

        columns.put(line.contains("scope") ? "scope" : "description", "set by the API");
        String edited = new String(SkillMapping.toSkill("dev/demo", r.frontmatter(), r.content(), "", columns,
                List.of()).skillMd().bytes(), StandardCharsets.UTF_8);
        assertTrue(edited.contains("scope: set by the API\n") || edited.contains("description: set by the API\n"),
                edited);
    }

    @Test
    void refusesABinaryValue() {
        InvalidSkill binary = assertThrows(InvalidSkill.class,
                () -> record("---\nname: demo\ndescription: !!binary aGk=\n---\n"));
        assertTrue(binary.getMessage().contains("must be text"), binary.getMessage());
    }

    @Test
    void refusesABackslashInAFileName() {
        InvalidSkill backslash = assertThrows(InvalidSkill.class, () -> SkillMapping.toRecord(skill("dev/demo",
                "---\nname: demo\n---\n", new Skill.SkillFile("back\\slash.md", new byte[] {1}, false))));
        assertEquals("back\\slash.md", backslash.file);
    }
}
