///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Runs every skill-fleet test (JUnit Jupiter) and ends with "tests: N passed, N failed, N skipped"
//JAVA 17+
//DEPS org.junit.jupiter:junit-jupiter:5.14.1
//DEPS org.junit.platform:junit-platform-launcher:1.14.1
//SOURCES ../lib/*.java ../export_to_db.java ../import_from_db.java ../sync_db.java ../list_skills.java
//SOURCES ../skill_fleet.java
//SOURCES *Test.java TestSupport.java TestDatabases.java Probe.java
//RUNTIME_OPTIONS -Xmx1g

import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClasspathRoots;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Set;
import org.junit.platform.engine.TestExecutionResult;
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
 * load loops at full length.
 */
class run_tests {
    public static void main(String... args) throws Exception {
        Path classes = Path.of(run_tests.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        java.util.List<String> rest = new java.util.ArrayList<>(java.util.List.of(args));
        if (rest.remove("--long")) {
            System.setProperty("skill-fleet.long", "true");
        }
        String pattern = rest.isEmpty() ? ".*Test" : ".*(" + rest.get(0) + ").*Test";
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClasspathRoots(Set.of(classes)))
                .filters(includeClassNamePatterns(pattern))
                .build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener progress = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.isTest()) {
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
                System.out.printf("%-7s %s (%s)%n", "SKIPPED", name(id), reason);
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
        long skipped = s.getTestsSkippedCount() + s.getTestsAbortedCount();
        System.out.println();
        System.out.printf("tests: %d passed, %d failed, %d skipped%n", s.getTestsSucceededCount(), failed, skipped);
        System.exit(failed == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
    }

    private static String name(TestIdentifier id) {
        String className = id.getSource().filter(MethodSource.class::isInstance)
                .map(s -> ((MethodSource) s).getClassName() + "." + ((MethodSource) s).getMethodName() + " ")
                .orElse("");
        return className + id.getDisplayName();
    }
}
