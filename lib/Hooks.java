import java.io.IOException;

/**
 * Moments of a run where a test can step in: change a side between the plan and the write, throw, or stop the
 * process, so the tests reach the windows the safety promises are about. Commands run with {@link #NONE}; tests
 * pass their own in (never through a static).
 */
@FunctionalInterface
interface Hooks {
    Hooks NONE = (moment, skill) -> { };

    enum Moment {
        /** The plan is made; nothing is written yet (skill: null). */
        PLANNED,
        /** The database transaction committed; folder writes and the state are still to come (skill: null). */
        COMMITTED,
        /** A skill's new folder is built beside its target; the old folder is about to be set aside. */
        FOLDER_BUILT,
        /** A skill's old folder is set aside and checked; the new one is about to be renamed in. */
        FOLDER_ASIDE
    }

    void at(Moment moment, String skill) throws IOException;

    /** The exit code of a process stopped by a failpoint. */
    int HALTED = 86;

    /**
     * The hooks a command runs with: none, unless the environment variable SKILL_FLEET_FAILPOINT names a moment
     * ({@code FOLDER_ASIDE} or {@code FOLDER_ASIDE:3} for its third time), where the process then halts at once,
     * as a kill would stop it. Crash tests use it to stop a run exactly in the window they check.
     */
    static Hooks fromEnvironment() {
        String spec = System.getenv("SKILL_FLEET_FAILPOINT");
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        String[] parts = spec.strip().split(":");
        Moment at = Moment.valueOf(parts[0]);
        int nth = parts.length > 1 ? Integer.parseInt(parts[1]) : 1;
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        return (moment, skill) -> {
            if (moment == at && seen.incrementAndGet() == nth) {
                Runtime.getRuntime().halt(HALTED);
            }
        };
    }
}
