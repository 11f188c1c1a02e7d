//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a run tells its user: the warnings it gathered, the plan as a table (dry runs), one line per skill acted on,
 * the summary line, or all of it as one JSON document; and the exit code the outcome means. With -v, how long each
 * phase took. Everything printed passes {@link Secrets#redact}.
 */
final class Report {
    /** One step in --json: {@code from} is the old path of a rename (absent otherwise). */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record Outcome(String skill, String action, String reason, String from) {
    }

    private final String command;
    private final Settings settings;
    private final boolean readOnly;
    private final boolean check;
    private final PrintWriter out;
    private final PrintWriter err;
    private final List<String> warnings = new ArrayList<>();
    private final long started = System.nanoTime();
    private long lastPhase = started;

    Report(String command, Settings settings, boolean readOnly, boolean check, PrintWriter out, PrintWriter err) {
        this.command = command;
        this.settings = settings;
        this.readOnly = readOnly;
        this.check = check;
        this.out = out;
        this.err = err;
    }

    /** Every line this class prints goes through here, so no password the run has seen is ever printed. */
    private static void say(PrintWriter to, String line) {
        to.println(Secrets.redact(line));
    }

    /** Rows as a table, columns two spaces apart, each as wide as its widest cell (null shows as "null"). */
    static void table(List<String[]> rows, PrintWriter out) {
        int[] widths = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], String.valueOf(r[i]).length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? String.valueOf(r[i]) : String.format("%-" + widths[i] + "s  ", r[i]));
            }
            say(out, line.toString().stripTrailing());
        }
    }

    /** A warning, printed before the result (one line each, "warning: ..."). */
    void warn(String warning) {
        synchronized (warnings) {
            warnings.add(warning);
        }
    }

    /** A line said at once on stderr, unless -q or --json (e.g. which database is used). */
    void announce(String line) {
        if (!settings.quiet() && !settings.json()) {
            say(err, line);
        }
    }

    /** With -v, how long the phase that just ended took (stderr), so a slow run shows where its time goes. */
    void phase(String name) {
        long now = System.nanoTime();
        if (settings.verbose() && !settings.json()) {
            err.printf(Locale.ROOT, "timing: %-28s %6.2f s (total %.2f s)%n", name, (now - lastPhase) / 1e9,
                    (now - started) / 1e9);
        }
        lastPhase = now;
    }

    /**
     * The exit code of an outcome: 1 when a folder could not be written, 4 when --check found anything to do, 3 when
     * the run leaves the sides different (a skill skipped, left as a conflict, or left different on purpose), else 0:
     * 0 always means both sides agree on every skill in scope.
     */
    int exitCode(List<SyncPlan.Step> steps, boolean failed) {
        if (failed) {
            return Cli.ERROR;
        }
        if (check && steps.stream().anyMatch(s -> s.action() != SyncPlan.Action.UNCHANGED
                && s.action() != SyncPlan.Action.GONE)) {
            return Cli.DIFFERENCES;
        }
        return steps.stream().anyMatch(s -> leftDifferent(s.action())) ? Cli.INCOMPLETE : Cli.OK;
    }

    /**
     * True for an action that ends a run with the sides different: a skip, a conflict, or a change a command did not
     * take on purpose (a one-way command leaving the other side's newer copy, --no-delete keeping a deletion).
     */
    static boolean leftDifferent(SyncPlan.Action action) {
        return switch (action) {
            case SKIP, CONFLICT, OTHER_SIDE_NEWER, DELETE_NOT_PROPAGATED -> true;
            default -> false;
        };
    }

    /** Prints the outcome of a run; returns its exit code. */
    int print(String database, List<SyncPlan.Step> steps, Path backupDir, boolean failed) throws IOException {
        Map<SyncPlan.Action, Integer> counts = new EnumMap<>(SyncPlan.Action.class);
        for (SyncPlan.Action a : SyncPlan.Action.values()) {
            counts.put(a, 0);
        }
        steps.forEach(s -> counts.merge(s.action(), 1, Integer::sum));
        int code = exitCode(steps, failed);
        if (settings.json()) {
            printJson(database, steps, counts, backupDir, code);
            return code;
        }
        if (!settings.quiet()) {
            warnings.forEach(w -> say(err, "warning: " + w));
        }
        if (readOnly) {
            printTable(steps);
        } else {
            printSteps(steps);
            if (backupDir != null && !settings.quiet()) {
                say(err, "replaced versions saved in " + backupDir);
            }
        }
        if (!settings.quiet()) {
            say(out, summary(database, counts));
        }
        out.flush();
        err.flush();
        return code;
    }

    private void printJson(String database, List<SyncPlan.Step> steps, Map<SyncPlan.Action, Integer> counts,
            Path backupDir, int code) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", command);
        json.put("database", database);
        json.put("skillsDir", settings.skillsDir().toString());
        json.put("dryRun", readOnly);
        json.put("steps", steps.stream().map(s -> new Outcome(s.path(), s.action().label, s.reason(), s.from())).toList());
        Map<String, Integer> byLabel = new LinkedHashMap<>();
        counts.forEach((a, n) -> byLabel.put(a.label, n));
        json.put("counts", byLabel);
        json.put("warnings", warnings);
        if (backupDir != null) {
            json.put("backup", backupDir.toString());
        }
        json.put("exitCode", code);
        out.println(Secrets.redact(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json)));
        out.flush();
    }

    /** The plan of a dry run or --check: skill, action, reason. */
    private void printTable(List<SyncPlan.Step> steps) {
        int width = Math.max(5, steps.stream().mapToInt(s -> s.display().length()).max().orElse(5));
        say(out, String.format("%-" + width + "s  %-16s  %s", "SKILL", "ACTION", "REASON"));
        for (SyncPlan.Step s : steps) {
            say(out, String.format("%-" + width + "s  %-16s  %s", s.display(), s.action().label, s.reason()));
        }
    }

    /**
     * One line per skill acted on; on stderr, each skill the run left different (skipped, conflict, not taken) with
     * its reason; unchanged ones only with -v.
     */
    private void printSteps(List<SyncPlan.Step> steps) {
        for (SyncPlan.Step s : steps) {
            switch (s.action()) {
                case SKIP -> say(err, "skipped " + s.path() + ": " + s.reason());
                case CONFLICT -> say(err, "conflict " + s.path() + ": " + s.reason());
                case OTHER_SIDE_NEWER, DELETE_NOT_PROPAGATED -> say(err, s.action().label + " " + s.path() + ": "
                        + s.reason());
                case UNCHANGED, GONE -> {
                    if (settings.verbose()) {
                        say(out, s.action().label + " " + s.path() + ": " + s.reason());
                    }
                }
                case MERGE -> {
                    if (!settings.quiet()) {
                        say(out, "merge " + s.path() + " (" + s.reason().replaceFirst("^merged: ", "") + ")");
                    }
                }
                default -> {
                    if (!settings.quiet()) {
                        say(out, s.action().label + " " + s.display() + (settings.verbose() ? ": " + s.reason() : ""));
                    }
                }
            }
        }
    }

    private String summary(String database, Map<SyncPlan.Action, Integer> counts) {
        int deleted = counts.get(SyncPlan.Action.ARCHIVE_IN_DB) + counts.get(SyncPlan.Action.REMOVE_LOCAL);
        int renamed = counts.get(SyncPlan.Action.RENAME_IN_DB) + counts.get(SyncPlan.Action.RENAME_LOCAL);
        int different = counts.get(SyncPlan.Action.OTHER_SIDE_NEWER)
                + counts.get(SyncPlan.Action.DELETE_NOT_PROPAGATED);
        return command + (readOnly ? " (nothing changed)" : "") + ": "
                + (counts.get(SyncPlan.Action.CREATE_IN_DB) + counts.get(SyncPlan.Action.CREATE_LOCAL)) + " created, "
                + (counts.get(SyncPlan.Action.UPDATE_IN_DB) + counts.get(SyncPlan.Action.UPDATE_LOCAL)) + " updated, "
                + (deleted > 0 ? deleted + " deleted, " : "")
                + (counts.get(SyncPlan.Action.MERGE) > 0 ? counts.get(SyncPlan.Action.MERGE) + " merged, " : "")
                + (renamed > 0 ? renamed + " renamed, " : "")
                + counts.get(SyncPlan.Action.UNCHANGED) + " unchanged, "
                + (different > 0 ? different + " left different, " : "")
                + counts.get(SyncPlan.Action.SKIP) + " skipped, "
                + counts.get(SyncPlan.Action.CONFLICT) + " conflicts"
                + " (folder " + settings.skillsDir() + ", database " + database + ")";
    }
}
