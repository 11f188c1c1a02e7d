import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/** The guide cannot drift from the tool: its CI workflow runs real commands, its error messages are real ones. */
class DocsTest {
    static final List<String> KINDS = TestDatabases.KINDS;
    static final String SECRET = "${{ secrets.SKILLS_DATABASE_URL }}";
    static final String PYTHON = Scene.PYTHON;
    static final String JAVA = Scene.JAVA;
    static final String TDD = Scene.TDD;

    @TempDir Path tmp;

    static String guide() throws Exception {
        return Files.readString(TestSupport.repoRoot().resolve("docs/guide.md"));
    }

    /** A step of the guide's workflow that runs skill-fleet: its name, its if: condition, env and arguments. */
    record CiStep(String name, String condition, Map<String, String> env, String[] args) {
        /** Whether GitHub Actions runs this step for an event on a ref. */
        boolean runsOn(String event, String ref) {
            return condition == null || evaluate(condition, event, ref);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> workflow() throws Exception {
        Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(guide());
        assertTrue(block.find(), "the guide holds a workflow");
        return new Yaml().load(block.group(1));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> steps(Map<String, Object> workflow) {
        Map<String, Object> job = (Map<String, Object>) ((Map<String, Object>) workflow.get("jobs")).get("skills");
        return (List<Map<String, Object>>) job.get("steps");
    }

    /** The workflow's skill-fleet steps, in order. */
    @SuppressWarnings("unchecked")
    static List<CiStep> ciSteps() throws Exception {
        List<CiStep> found = new ArrayList<>();
        for (Map<String, Object> s : steps(workflow())) {
            Matcher m = Pattern.compile("jbang skill-fleet@[\\w.-]+/[\\w.-]+/(v[\\w.-]+) (.+)")
                    .matcher(String.valueOf(s.get("run")));
            if (m.find()) {
                Map<String, String> env = new java.util.HashMap<>();
                ((Map<String, Object>) s.getOrDefault("env", Map.of()))
                        .forEach((k, v) -> env.put(k, String.valueOf(v)));
                found.add(new CiStep(String.valueOf(s.get("name")), (String) s.get("if"), env,
                        m.group(2).strip().split("\\s+")));
            }
        }
        return found;
    }

    /**
     * The subset of GitHub Actions expressions the workflow uses: comparisons of github.event_name and github.ref
     * with a quoted string, joined by && and ||. Anything else fails the test, so the guide cannot outgrow it.
     */
    static boolean evaluate(String condition, String event, String ref) {
        boolean any = false;
        for (String alternative : condition.split("\\|\\|")) {
            boolean all = true;
            for (String term : alternative.split("&&")) {
                Matcher m = Pattern.compile("\\s*github\\.(event_name|ref)\\s*(==|!=)\\s*'([^']*)'\\s*").matcher(term);
                assertTrue(m.matches(), "a condition this test does not understand: " + condition);
                String actual = m.group(1).equals("ref") ? ref : event;
                all &= actual.equals(m.group(3)) == m.group(2).equals("==");
            }
            any |= all;
        }
        return any;
    }

    @Test
    @SuppressWarnings("unchecked")
    void theGitHubActionsWorkflowRunsRealCommands() throws Exception {
        Map<String, Object> workflow = workflow();
        // YAML 1.1 reads the key "on" as the boolean true.
        Map<String, Object> on = (Map<String, Object>) (workflow.containsKey("on") ? workflow.get("on")
                : workflow.get(Boolean.TRUE));
        assertTrue(on.containsKey("pull_request"));
        assertTrue(on.containsKey("schedule"), "a scheduled drift check");
        assertEquals(List.of("main"), ((Map<String, Object>) on.get("push")).get("branches"));
        List<Map<String, Object>> steps = steps(workflow);
        String cachePaths = steps.stream().filter(s -> String.valueOf(s.get("uses")).startsWith("actions/cache@"))
                .map(s -> String.valueOf(((Map<String, Object>) s.get("with")).get("path"))).findFirst().orElse("");
        assertTrue(cachePaths.contains("~/.jbang") && cachePaths.contains("~/.m2"), cachePaths);
        assertTrue(steps.stream().anyMatch(s -> String.valueOf(s.get("uses")).startsWith("jbangdev/setup-jbang@")));
        List<String> runs = steps.stream().map(s -> String.valueOf(s.get("run"))).toList();
        int trust = indexOf(runs, "jbang trust add https://github.com/");
        for (String run : runs) {
            if (run.contains("jbang skill-fleet@")) {
                assertTrue(runs.indexOf(run) > trust, "the catalog is trusted before it runs");
                assertTrue(run.matches("jbang skill-fleet@[\\w.-]+/[\\w.-]+/v[\\w.-]+ .+"), "a pinned tag: " + run);
            }
        }
        List<CiStep> ci = ciSteps();
        for (CiStep step : ci) {
            // The real command line must accept exactly these arguments.
            new CommandLine(new skill_fleet()).parseArgs(step.args());
            assertEquals(SECRET, step.env().get("DATABASE_URL"), step.name());
        }
        assertEquals(List.of("export-to-db --dry-run --strict -s skills"), commandsOn(ci, "pull_request",
                "refs/pull/7/merge"));
        assertEquals(List.of("export-to-db --strict -s skills", "sync-db --check -s skills"), commandsOn(ci, "push",
                "refs/heads/main"));
        assertEquals(List.of("sync-db --check -s skills"), commandsOn(ci, "schedule", "refs/heads/main"));
        assertEquals(List.of(), commandsOn(ci, "push", "refs/heads/feature"));
    }

    static List<String> commandsOn(List<CiStep> ci, String event, String ref) {
        return ci.stream().filter(s -> s.runsOn(event, ref)).map(s -> String.join(" ", s.args())).toList();
    }

    static int indexOf(List<String> runs, String prefix) {
        for (int i = 0; i < runs.size(); i++) {
            if (runs.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no step runs " + prefix);
    }

    /**
     * Runs the workflow's steps for an event on a fresh clone of a branch (its skills folder copied, no sync state),
     * in-process, with the secret set to the test database; stops at the first step that fails, as Actions does.
     * Returns each step's run.
     */
    List<TestSupport.Run> ci(String event, Path branch, TestDatabases.TestDb db) throws Exception {
        Path checkout = Files.createTempDirectory(tmp, "ci-" + event + "-");
        TestSupport.copyTree(branch, checkout.resolve("skills"));
        String ref = event.equals("pull_request") ? "refs/pull/7/merge" : "refs/heads/main";
        List<TestSupport.Run> runs = new ArrayList<>();
        for (CiStep step : ciSteps()) {
            if (!step.runsOn(event, ref)) {
                continue;
            }
            Map<String, String> env = new java.util.HashMap<>();
            step.env().forEach((k, v) -> env.put(k, v.replace(SECRET, db.url())));
            env.put("SKILL_FLEET_HOME", tmp.resolve("home").toString());
            List<String> args = new ArrayList<>(List.of(step.args()));
            for (int i = 0; i + 1 < args.size(); i++) {
                if (args.get(i).equals("-s") || args.get(i).equals("--skills-dir")) {
                    args.set(i + 1, checkout.resolve(args.get(i + 1)).toString()); // the job's working directory
                }
            }
            TestSupport.Run r = TestSupport.run("skill-fleet", env, args.toArray(String[]::new));
            runs.add(r);
            if (r.code() != 0) {
                break;
            }
        }
        return runs;
    }

    /** A branch: a copy of a branch's skills folder, to edit. */
    Path branch(Path from) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "branch-").resolve("skills");
        TestSupport.copyTree(from, dir);
        return dir;
    }

    static List<Integer> codes(List<TestSupport.Run> runs) {
        return runs.stream().map(TestSupport.Run::code).toList();
    }

    /** True when the plan table has this skill with this action. */
    static boolean planned(TestSupport.Run run, String skill, String action) {
        return Pattern.compile("(?m)^" + Pattern.quote(skill) + "\\s+" + Pattern.quote(action) + "\\s")
                .matcher(run.out()).find();
    }

    /**
     * The workflow's own commands, run as Actions would run them on fresh clones, against a database in each state:
     * the pull-request gate passes a branch that edits skills and fails one that would not publish cleanly; the
     * drift check on main catches what the gate does not judge.
     */
    @ParameterizedTest
    @FieldSource("KINDS")
    void theWorkflowsGateAndDriftCheckGiveTheRightExitCodeInEachState(String kind) throws Exception {
        try (TestDatabases.TestDb db = TestDatabases.create(kind, tmp)) {
            Path main = branch(TestSupport.repoRoot().resolve("skills"));
            assertEquals(List.of(0, 0), codes(ci("push", main, db)), "main publishes, then agrees with the database");

            // (a) In step: a pull request that changes no skill passes.
            List<TestSupport.Run> gate = ci("pull_request", branch(main), db);
            assertEquals(List.of(0), codes(gate), gate.get(0).all());
            assertEquals(List.of(0), codes(ci("schedule", main, db)));

            // (b) A pull request that edits a skill passes the gate; sync-db --check would fail it (4), by design.
            Path edit = branch(main);
            Scene.append(edit, PYTHON, "Edited on a branch.\n");
            gate = ci("pull_request", edit, db);
            assertEquals(List.of(0), codes(gate), gate.get(0).all());
            assertTrue(planned(gate.get(0), PYTHON, "update-in-db"), gate.get(0).out());
            TestSupport.Run check = TestSupport.run("skill-fleet", Map.of(), "sync-db", "--check", "-s",
                    branch(edit).toString(), "--db", db.url());
            assertEquals(4, check.code(), "why sync-db --check is not the pull-request gate: " + check.all());
            main = edit;
            assertEquals(List.of(0, 0), codes(ci("push", main, db)), "merged: published, and in step again");

            // (d) A pull request adding a skill that breaks the specification fails the gate (--strict).
            Path invalid = branch(main);
            TestSupport.write(invalid.resolve("misc/folder-name/SKILL.md"),
                    "---\nname: other-name\ndescription: A skill whose name is not its folder's.\n---\nbody\n");
            gate = ci("pull_request", invalid, db);
            assertEquals(List.of(3), codes(gate), gate.get(0).all());
            assertTrue(planned(gate.get(0), "misc/folder-name", "skip") && gate.get(0).out()
                    .contains("name 'other-name' differs from the folder name 'folder-name' (--strict)"),
                    gate.get(0).out());
            assertEquals(List.of(), TestSupport.column(db, "select skill_path from skills where skill_path like "
                    + "'misc%'"), "the gate changes nothing");

            // (c) Edits pending in the database, on a skill the branch does not touch and on one it edits.
            TestSupport.execute(db, "update skills set skill_content = 'Edited through the API.' where skill_path = '"
                    + TDD + "'");
            TestSupport.execute(db, "update skills set skill_content = 'Also edited through the API.' where "
                    + "skill_path = '" + JAVA + "'");
            Path both = branch(main);
            Scene.append(both, JAVA, "Edited on a branch too.\n");
            gate = ci("pull_request", both, db);
            assertEquals(List.of(3), codes(gate), gate.get(0).all());
            assertTrue(planned(gate.get(0), TDD, "other-side-newer"), gate.get(0).out());
            assertTrue(planned(gate.get(0), JAVA, "conflict"), gate.get(0).out());
            assertTrue(planned(gate.get(0), PYTHON, "unchanged"), gate.get(0).out());
            gate = ci("pull_request", branch(main), db);
            assertEquals(List.of(3), codes(gate), "even a branch that touches no skill: " + gate.get(0).all());
            assertEquals(List.of(4), codes(ci("schedule", main, db)), "the drift check on main sees the API edits");
            assertEquals("Edited through the API.", TestSupport.column(db, "select skill_content from skills where "
                    + "skill_path = '" + TDD + "'").get(0));
        }
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
