import java.nio.file.Path;

/**
 * The settings every command shares, as plain values: what the command line (or a caller such as {@code list
 * --both}) asks for, without picocli types, so the engine, the report and the sides never see the option parser.
 */
record Settings(Path skillsDir, String db, boolean dryRun, boolean json, long maxFileSize, boolean quiet,
        boolean verbose) {

    /** The same settings for a run that only plans and prints nothing of its own (e.g. list --both). */
    Settings planningOnly() {
        return new Settings(skillsDir, db, true, json, maxFileSize, true, false);
    }
}
