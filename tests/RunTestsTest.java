import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test runner names every test that did not run, with the reason, and under CI=true counts it as failed: a skip
 * in CI (no corpus, no pgbouncer) would otherwise hide a gap. Runs tests/run_tests.java as its own JVM on
 * {@link SkipProbeTest}.
 */
class RunTestsTest {
    static final String PROBE = "RunTestsTest$SkipProbeTest";

    @Test
    void skippedAndAbortedTestsAreListedWithTheirReason(@TempDir Path tmp) throws Exception {
        List<String> lines = runner(tmp, "false");
        assertTrue(lines.contains("SKIPPED " + PROBE + ".abortedByAnAssumption abortedByAnAssumption() "
                + "(the probe's assumption does not hold)"), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("SKIPPED " + PROBE + ".disabled disabled() (")
                && l.endsWith("the probe's test is disabled)")), String.join("\n", lines));
        assertEquals("tests: 1 passed, 0 failed, 2 skipped", lines.get(lines.size() - 2));
        assertEquals("exit 0", lines.get(lines.size() - 1));
    }

    @Test
    void underCiEverySkipFailsTheRun(@TempDir Path tmp) throws Exception {
        List<String> lines = runner(tmp, "true");
        assertTrue(lines.contains("skipped under CI=true: " + PROBE + ".abortedByAnAssumption "
                + "abortedByAnAssumption(): the probe's assumption does not hold"), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("skipped under CI=true: " + PROBE + ".disabled "
                + "disabled(): ") && l.endsWith("the probe's test is disabled")), String.join("\n", lines));
        assertEquals("tests: 1 passed, 2 failed, 0 skipped", lines.get(lines.size() - 2));
        assertEquals("exit 1", lines.get(lines.size() - 1));
    }

    /** The runner's output on the probe, its exit code appended as a last line "exit N". */
    static List<String> runner(Path tmp, String ci) throws Exception {
        Process p = TestSupport.start(tmp, Map.of("CI", ci, "SKILL_FLEET_SKIP_PROBE", "1"), "run_tests",
                "RunTestsTest\\$SkipProbe");
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the runner ended");
        List<String> lines = new java.util.ArrayList<>(TestSupport.outputOf(tmp).lines().toList());
        lines.add("exit " + p.exitValue());
        return lines;
    }

    /**
     * Tests for the runner to run: with SKILL_FLEET_SKIP_PROBE set, one passes, one is aborted by an assumption and
     * one is disabled; in an ordinary run all three pass.
     */
    static class SkipProbeTest {
        @Test
        void passes() {
        }

        @Test
        void abortedByAnAssumption() {
            Assumptions.assumeTrue(System.getenv("SKILL_FLEET_SKIP_PROBE") == null,
                    "the probe's assumption does not hold");
        }

        @Test
        @DisabledIfEnvironmentVariable(named = "SKILL_FLEET_SKIP_PROBE", matches = ".+",
                disabledReason = "the probe's test is disabled")
        void disabled() {
        }
    }
}
