///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Runs every skill-fleet test (JUnit Jupiter) and ends with "tests: N passed, N failed, N skipped"
//JAVA 17+
//DEPS org.junit.jupiter:junit-jupiter:5.14.1
//DEPS org.junit.platform:junit-platform-launcher:1.14.1
//SOURCES ../lib/*.java ../export_to_db.java ../import_from_db.java ../sync_db.java ../list_skills.java
//SOURCES ../find_skills.java ../diff_skills.java ../log_skill.java ../restore_skill.java ../doctor.java
//SOURCES ../skill_fleet.java
//SOURCES *Test.java TestSupport.java TestDatabases.java Scene.java Probe.java
//RUNTIME_OPTIONS -Xmx1g

import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClasspathRoots;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The one test command: discovers the *Test classes compiled into this script's own jar and runs them on the JUnit
 * Platform. An optional argument narrows the run to test classes whose name contains it; --long runs the kill and
 * load loops at full length. Each skipped test (a disabled one, or one aborted by an assumption) is listed with its
 * reason; when the environment variable CI is "true", a skip counts as a failure.
 */
class run_tests {
    public static void main(String... args) throws Exception {
        Path classes = Path.of(run_tests.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> rest = new ArrayList<>(List.of(args));
        if (rest.remove("--long")) {
            System.setProperty("skill-fleet.long", "true");
        }
        String pattern = rest.isEmpty() ? ".*Test" : ".*(" + rest.get(0) + ").*Test";
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClasspathRoots(Set.of(classes)))
                .filters(includeClassNamePatterns(pattern))
                .build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        List<String> skips = Collections.synchronizedList(new ArrayList<>());
        TestExecutionListener progress = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
                    // An assumption that did not hold aborts a test (or a whole class): it did not run, so it is a
                    // skip, with the assumption's message as the reason.
                    skipped(id, result.getThrowable().map(t -> String.valueOf(t.getMessage())
                            .replaceFirst("^Assumption failed: ", "")).orElse("aborted"));
                } else if (id.isTest()) {
                    System.out.printf("%-7s %s%n", result.getStatus(), name(id));
                    result.getThrowable().ifPresent(t -> {
                        if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                            System.out.println("        " + t);
                        }
                    });
                }
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                skipped(id, reason);
            }

            private void skipped(TestIdentifier id, String reason) {
                System.out.printf("SKIPPED %s (%s)%n", name(id), reason);
                skips.add(name(id) + ": " + reason);
            }
        };
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, summary, progress);
        TestExecutionSummary s = summary.getSummary();
        if (!s.getFailures().isEmpty()) {
            System.out.println();
            s.printFailuresTo(new PrintWriter(System.out), 12);
        }
        long failed = s.getTestsFailedCount() + s.getContainersFailedCount();
        long skipped = skips.size();
        System.out.println();
        if ("true".equals(System.getenv("CI")) && !skips.isEmpty()) {
            // In CI every test must run: a skip there (no corpus, no pgbouncer) is a gap nobody would see.
            skips.forEach(skip -> System.out.println("skipped under CI=true: " + skip));
            failed += skipped;
            skipped = 0;
        }
        System.out.printf("tests: %d passed, %d failed, %d skipped%n", s.getTestsSucceededCount(), failed, skipped);
        System.exit(failed == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
    }

    private static String name(TestIdentifier id) {
        if (id.getSource().orElse(null) instanceof ClassSource c) {
            return c.getClassName();
        }
        String className = id.getSource().filter(MethodSource.class::isInstance)
                .map(s -> ((MethodSource) s).getClassName() + "." + ((MethodSource) s).getMethodName() + " ")
                .orElse("");
        return className + id.getDisplayName();
    }
}
