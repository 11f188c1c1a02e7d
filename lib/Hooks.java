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
}
