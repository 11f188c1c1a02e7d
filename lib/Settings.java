import java.nio.file.Path;

/**
 * The settings every command shares, as plain values: what the command line (or a caller such as {@code list
 * --both}) asks for, without picocli types, so the engine, the report and the sides never see the option parser.
 * {@code flat}: the folder holds each skill at {@code <folder>/<name>/} (see FlatLayout), not at its database path.
 */
record Settings(Path skillsDir, String db, boolean dryRun, boolean json, long maxFileSize, boolean quiet,
        boolean verbose, boolean flat) {

    /** The same settings for a run that only plans and prints nothing of its own (e.g. list --both). */
    Settings planningOnly() {
        return new Settings(skillsDir, db, true, json, maxFileSize, true, false, flat);
    }

    /** The same settings for the folder {@code dir} in the flat layout (see FlatLayout). */
    Settings flatIn(Path dir) {
        return new Settings(dir, db, dryRun, json, maxFileSize, quiet, verbose, true);
    }
}
