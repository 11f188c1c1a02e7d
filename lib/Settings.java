import java.nio.file.Path;

/**
 * The settings every command shares, as plain values: what the command line (or a caller such as {@code list
 * --both}) asks for, without picocli types, so the engine, the report and the sides never see the option parser.
 * {@code layout}: how the folder holds its skills (see {@link Layout}); null when the command line did not say, so
 * the folder's recorded layout applies (nested for a folder never synced).
 */
record Settings(Path skillsDir, String db, boolean dryRun, boolean json, long maxFileSize, boolean quiet,
        boolean verbose, Layout layout) {

    /**
     * How a skills folder holds its skills: nested, each at its database path ({@code development/languages/python});
     * flat, each at {@code <folder>/<name>/} as agents read them, the database keeping its path (see FlatLayout).
     */
    enum Layout {
        NESTED, FLAT;

        /** The layout as --layout spells it. */
        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The layout --layout names, or null for anything else. */
        static Layout of(String label) {
            for (Layout l : values()) {
                if (l.label().equals(label)) {
                    return l;
                }
            }
            return null;
        }
    }

    /** The same settings for a run that only plans and prints nothing of its own (e.g. list --both). */
    Settings planningOnly() {
        return new Settings(skillsDir, db, true, json, maxFileSize, true, false, layout);
    }

    /** The same settings for the folder {@code dir} in the layout {@code layout}. */
    Settings in(Path dir, Layout layout) {
        return new Settings(dir, db, dryRun, json, maxFileSize, quiet, verbose, layout);
    }
}
