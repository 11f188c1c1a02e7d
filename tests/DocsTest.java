import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/** The guide cannot drift from the tool: its CI workflow runs real commands, its error messages are real ones. */
class DocsTest {
    static String guide() throws Exception {
        return Files.readString(TestSupport.repoRoot().resolve("docs/guide.md"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theGitHubActionsWorkflowRunsRealCommands() throws Exception {
        Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(guide());
        assertTrue(block.find(), "the guide holds a workflow");
        Map<String, Object> workflow = new Yaml().load(block.group(1));
        // YAML 1.1 reads the key "on" as the boolean true.
        Map<String, Object> on = (Map<String, Object>) (workflow.containsKey("on") ? workflow.get("on")
                : workflow.get(Boolean.TRUE));
        assertTrue(on.containsKey("pull_request"));
        assertEquals(List.of("main"), ((Map<String, Object>) on.get("push")).get("branches"));
        Map<String, Object> job = (Map<String, Object>) ((Map<String, Object>) workflow.get("jobs")).get("skills");
        List<Map<String, Object>> steps = (List<Map<String, Object>>) job.get("steps");
        String cachePaths = steps.stream().filter(s -> String.valueOf(s.get("uses")).startsWith("actions/cache@"))
                .map(s -> String.valueOf(((Map<String, Object>) s.get("with")).get("path"))).findFirst().orElse("");
        assertTrue(cachePaths.contains("~/.jbang") && cachePaths.contains("~/.m2"), cachePaths);
        assertTrue(steps.stream().anyMatch(s -> String.valueOf(s.get("uses")).startsWith("jbangdev/setup-jbang@")));
        List<String> runs = steps.stream().map(s -> String.valueOf(s.get("run"))).toList();
        int trust = indexOf(runs, "jbang trust add https://github.com/");
        List<String[]> commands = new ArrayList<>();
        Map<String, String> conditions = new java.util.HashMap<>();
        for (Map<String, Object> s : steps) {
            String run = String.valueOf(s.get("run"));
            Matcher m = Pattern.compile("jbang skill-fleet@[\\w.-]+/[\\w.-]+/(v[\\w.-]+) (.+)").matcher(run);
            if (m.find()) {
                assertTrue(runs.indexOf(run) > trust, "the catalog is trusted before it runs");
                String[] args = m.group(2).strip().split("\\s+");
                commands.add(args);
                conditions.put(args[0], String.valueOf(s.get("if")));
                // The real command line must accept exactly these arguments.
                new CommandLine(new skill_fleet()).parseArgs(args);
            }
        }
        assertEquals(List.of("sync-db", "export-to-db"), commands.stream().map(a -> a[0]).toList());
        assertTrue(Arrays.asList(commands.get(0)).contains("--check"));
        assertTrue(conditions.get("sync-db").contains("pull_request"));
        assertTrue(conditions.get("export-to-db").contains("refs/heads/main"));
    }

    static int indexOf(List<String> runs, String prefix) {
        for (int i = 0; i < runs.size(); i++) {
            if (runs.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no step runs " + prefix);
    }

    /** Every message of the troubleshooting table, less its placeholders, is printed by the code. */
    @Test
    void everyTroubleshootingMessageIsOneTheToolPrints() throws Exception {
        String guide = guide();
        String table = guide.substring(guide.indexOf("## Troubleshooting"));
        StringBuilder code = new StringBuilder();
        try (Stream<Path> files = Files.list(TestSupport.repoRoot().resolve("lib"))) {
            for (Path f : files.toList()) {
                code.append(Files.readString(f));
            }
        }
        // Adjacent string literals joined, as the messages are printed.
        String source = code.toString().replaceAll("\"\\s*\\+\\s*\"", "");
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (String line : table.lines().filter(l -> l.startsWith("| `")).toList()) {
            String message = line.substring(3, line.indexOf('`', 3)).replaceFirst("^(error|warning): ", "");
            if (message.startsWith("JBang")) {
                continue;
            }
            // What the driver or the server says is quoted after the tool's own words.
            for (String driver : List.of("Connection to host:5432 refused", "FATAL: password authentication failed for user")) {
                message = message.replace(driver, "");
            }
            // The fixed words between placeholders (<skill>, names, numbers, URLs) must all be in the code.
            for (String fragment : message.split("<[^>]+>|'[^']*'|\"[^\"]*\"|\\b\\d+\\b|postgresql://\\S+|\\.\\.\\.|"
                    + "\\S+/\\S+|host:\\d+|skills folder skills|assets/\\S+|SKILL\\.md:")) {
                String f = fragment.strip().replaceAll("^[:,;()]+|[:,;(]+$", "").strip();
                if (f.length() >= 12 && !source.contains(f)) {
                    missing.add(f);
                }
                checked++;
            }
        }
        assertTrue(checked > 20, "fragments checked: " + checked);
        assertEquals(List.of(), missing, "messages in docs/guide.md the code does not print");
    }

    @Test
    void theReadmeLinksTheGuide() throws Exception {
        String readme = Files.readString(TestSupport.repoRoot().resolve("README.md"));
        assertTrue(readme.contains("(docs/guide.md)"));
        assertFalse(guide().contains("\t"));
    }
}
