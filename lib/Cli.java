//DEPS info.picocli:picocli:4.7.7
//JAVAC_OPTIONS -encoding UTF-8

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What every command shares: the common options (as picocli mixins), the exit-code table, the one handler that turns
 * an exception into a one-line message and an exit code, and the runner each script's main hands off to.
 */
final class Cli {
    static final int OK = 0;
    static final int ERROR = 1;
    static final int USAGE = 2;
    static final int INCOMPLETE = 3;
    static final int DIFFERENCES = 4;
    static final String VERSION = "skill-fleet 0.1.0";

    private Cli() {
    }

    /** --db's help, the same for both kinds of options below. */
    static final String DB_DESCRIPTION = "Database: postgresql://user:pass@host/db?sslmode=require, postgres://..., "
            + "jdbc:postgresql://..., or jdbc:sqlite:FILE. Default: DATABASE_URL (also from .env), then "
            + "PGHOST/PGDATABASE, else the embedded SQLite at $SKILL_FLEET_HOME/skills.db.";

    /**
     * The options of a command that only reads the database and has no folder or plan (find): -s, -n and
     * --max-file-size would mean nothing there, and a short option taking a value would swallow a search word
     * (-sqlite as -s qlite).
     */
    @Command(mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:done (find: also when nothing matches)",
                "1:error (database unreachable, bad configuration)",
                "2:usage error"})
    static final class DatabaseOptions {
        @Option(names = "--db", paramLabel = "URL", description = DB_DESCRIPTION)
        String db;

        @Option(names = "--json", description = "Print the result as JSON on stdout.")
        boolean json;

        @Option(names = {"-q", "--quiet"}, description = "Print only errors.")
        boolean quiet;

        @Option(names = {"-v", "--verbose"}, description = "Print stack traces on errors.")
        boolean verbose;
    }

    /** Options of every command, -h/--help and -V/--version, and the exit-code table every --help shows. */
    @Command(mixinStandardHelpOptions = true, versionProvider = Cli.Version.class)
    static final class Options extends Shared {
    }

    /**
     * The same without -h/--help and -V/--version, for a command whose own --version means something else (restore
     * --version V); it declares its --help itself.
     */
    @Command(sortOptions = false,
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:done; both sides agree on every skill in scope",
                "1:error (database unreachable, I/O failure, bad configuration, a --skill-path matching no skill) or "
                        + "a sync brake",
                "2:usage error",
                "3:done, but the sides still differ: skills skipped (invalid), left as conflicts, or left "
                        + "different on purpose (a one-way command not taking the other side's change, --no-delete)",
                "4:differences found (sync-db --check, diff)"})
    static class Shared {
        @Option(names = {"-s", "--skills-dir"}, paramLabel = "DIR", defaultValue = "${env:SKILL_FLEET_SKILLS_DIR:-skills}",
                description = "Skills folder, relative to the working directory (env SKILL_FLEET_SKILLS_DIR; "
                        + "default: ${DEFAULT-VALUE}).")
        Path skillsDir;

        @Option(names = "--db", paramLabel = "URL", description = DB_DESCRIPTION)
        String db;

        @Option(names = {"-n", "--dry-run"}, description = "Print the plan; change nothing anywhere.")
        boolean dryRun;

        @Option(names = "--json", description = "Print the plan and the result as JSON on stdout.")
        boolean json;

        @Option(names = "--max-file-size", paramLabel = "SIZE", defaultValue = "10MB",
                converter = Cli.SizeConverter.class,
                description = "Skip (and report) a skill holding a file larger than this, e.g. 512KB, 10MB "
                        + "(default: ${DEFAULT-VALUE}).")
        long maxFileSize;

        @Option(names = {"-q", "--quiet"}, description = "Print only errors and the skills left different "
                + "(skipped, conflicts, not taken).")
        boolean quiet;

        @Option(names = {"-v", "--verbose"}, description = "Print every skill's action, and stack traces on errors.")
        boolean verbose;

        /** The options as plain settings for the engine. */
        Settings settings() {
            return new Settings(skillsDir, db, dryRun, json, maxFileSize, quiet, verbose, null);
        }
    }

    /** A --status value, checked: one of the statuses, or "all". */
    static String status(picocli.CommandLine.Model.CommandSpec spec, String status) {
        if (!status.equals("all") && !SkillMapping.STATUSES.contains(status)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--status must be one of active, draft, deprecated, archived, all (got '" + status + "')");
        }
        return status;
    }

    /** --status for the commands that consider every status unless told otherwise. */
    static final class AnyStatusOption {
        @Option(names = "--status", paramLabel = "STATUS", defaultValue = "all",
                description = "Only skills with this status (on either side, for sync-db): active, draft, "
                        + "deprecated, archived or all (default: ${DEFAULT-VALUE}).")
        String status;
    }

    /** Which skills are in play. */
    static final class ScopeOptions {
        @Option(names = "--skill-path", paramLabel = "PREFIX",
                description = "Only the skill at this path and the skills below it (e.g. development/languages).")
        String skillPath;

        /** The scope these options and a --status value select; "./dev/", "dev/" and "dev" are the same prefix. */
        Scope with(String status) {
            String p = Scope.path(skillPath);
            return new Scope(status, p.equals(".") ? "" : p);
        }
    }

    /**
     * Where the skills are and how the folder holds them: --skills-dir in the layout asked for (nested: each skill at
     * its database path; flat: each at {@code <folder>/<name>/}, see FlatLayout) or, when not asked, the folder's
     * recorded one; or an agent's folder (flat).
     */
    static final class LayoutOptions {
        @Option(names = "--layout", paramLabel = "LAYOUT",
                description = "nested: each skill at its database path; flat: each skill at <folder>/<name>/, as "
                        + "agents read them, the database keeping its path (a new skill goes to <name>, or "
                        + "PREFIX/<name> with --skill-path). Default: the layout the folder was last synced in "
                        + "(nested for a new folder); a folder is never switched silently.")
        String layout;

        @Option(names = "--agent", paramLabel = "NAME", completionCandidates = Agents.Names.class,
                description = "The agent's skills folder instead of --skills-dir, in the flat layout: "
                        + "${COMPLETION-CANDIDATES} (folders below).")
        List<String> agents = new java.util.ArrayList<>();

        @Option(names = "--global", description = "With --agent: the agent's folder under your home folder (HOME) "
                + "instead of the project's (relative to the working directory).")
        boolean global;

        /**
         * The settings of each folder these options name: the one of --skills-dir, or each --agent's ({@code many}:
         * more than one agent allowed). A usage error when they contradict each other.
         */
        List<Settings> folders(picocli.CommandLine.Model.CommandSpec spec, Settings settings,
                java.util.function.Function<String, String> env, boolean many) {
            CommandLine cl = spec.commandLine();
            Settings.Layout asked = layout == null ? null : Settings.Layout.of(layout);
            if (layout != null && asked == null) {
                throw new CommandLine.ParameterException(cl, "--layout must be nested or flat (got '" + layout + "')");
            }
            if (agents.isEmpty()) {
                if (global) {
                    throw new CommandLine.ParameterException(cl, "--global needs --agent NAME");
                }
                return List.of(settings.in(settings.skillsDir(), asked));
            }
            if (cl.getParseResult().hasMatchedOption("--skills-dir")) {
                throw new CommandLine.ParameterException(cl, "--agent and --skills-dir both name the folder: give one");
            }
            if (asked == Settings.Layout.NESTED) {
                throw new CommandLine.ParameterException(cl, "--agent uses the flat layout (agents read "
                        + "<folder>/<name>/): drop --layout nested");
            }
            if (!many && agents.size() > 1) {
                throw new CommandLine.ParameterException(cl, spec.name() + " takes one --agent (import-from-db "
                        + "installs into several)");
            }
            // Agents that share a folder (codex and cursor: .agents/skills) get it once.
            java.util.Map<Path, Settings> folders = new java.util.LinkedHashMap<>();
            for (String agent : agents) {
                try {
                    Path dir = Agents.folder(agent, global, env);
                    folders.putIfAbsent(dir, settings.in(dir, Settings.Layout.FLAT));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(cl, e.getMessage());
                }
            }
            return List.copyOf(folders.values());
        }
    }

    /**
     * Lists the agents' folders under each --help that takes --agent (picocli calls it once the command is built):
     * the table is {@link Agents#TABLE}, so a new agent shows without touching the commands.
     */
    static final class AgentsHelp implements CommandLine.IModelTransformer {
        @Override
        public picocli.CommandLine.Model.CommandSpec transform(picocli.CommandLine.Model.CommandSpec spec) {
            List<String> footer = new java.util.ArrayList<>(List.of(spec.usageMessage().footer()));
            footer.add("%nAgents' folders (--agent NAME: the project's; --global: the user's):");
            Agents.TABLE.forEach((name, f) -> footer.add(String.format("  %-16s %-18s %s", name, f.project(),
                    f.global() == null ? "(none: no --global)" : f.global())));
            spec.usageMessage().footer(footer.toArray(String[]::new));
            return spec;
        }
    }

    /** Sizes as users write them: 2048, 512KB, 10MB, 1GB (powers of 1024). */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\\s*(\\d+)\\s*(b|kb|k|mb|m|gb|g)?\\s*")
                    .matcher(value);
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a size like 512KB or 10MB");
            }
            String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(java.util.Locale.ROOT);
            long factor = switch (unit.charAt(0)) {
                case 'k' -> 1024L;
                case 'm' -> 1024L * 1024;
                case 'g' -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            try {
                // Unchecked, 9999999999G wraps around to a negative limit that skips every skill.
                return Math.multiplyExact(Long.parseLong(m.group(1)), factor);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is too large a size");
            }
        }
    }

    /** Durations as users write them: 500ms, 30s, 2m, 1h, or ISO-8601 (PT30S); more than zero. */
    static final class DurationConverter implements CommandLine.ITypeConverter<java.time.Duration> {
        @Override
        public java.time.Duration convert(String value) {
            String v = value.strip();
            java.time.Duration d;
            try {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)(\\d{1,9})\\s*(ms|s|m|h)").matcher(v);
                if (m.matches()) {
                    long n = Long.parseLong(m.group(1));
                    d = switch (m.group(2).toLowerCase(java.util.Locale.ROOT)) {
                        case "ms" -> java.time.Duration.ofMillis(n);
                        case "s" -> java.time.Duration.ofSeconds(n);
                        case "m" -> java.time.Duration.ofMinutes(n);
                        default -> java.time.Duration.ofHours(n);
                    };
                } else {
                    d = java.time.Duration.parse(v);
                }
            } catch (java.time.format.DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a duration like 30s, 2m, 500ms or PT30S");
            }
            if (d.isNegative() || d.isZero()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration above zero");
            }
            return d;
        }
    }

    /** For the commands that send skills to the database. */
    static final class LintOptions {
        @Option(names = "--strict", description = "Refuse (skip, exit 3) skills whose frontmatter breaks the Agent "
                + "Skills specification, instead of warning: name equal to the folder's, description of 1-1024 "
                + "characters, compatibility of at most 500, no unknown top-level keys.")
        boolean strict;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {VERSION};
        }
    }

    /** Runs a command the way every script's main does; returns the exit code. */
    static int run(Object command, String... args) {
        return run(command, null, null, RunContext.process(), args);
    }

    /**
     * Runs a command with its output going to the given writers (null: standard output and error) in the given
     * context, which reaches the command and every subcommand picocli creates for it.
     */
    static int run(Object command, PrintWriter out, PrintWriter err, RunContext context, String... args) {
        if (command instanceof RunContext.Aware aware) {
            aware.use(context);
        }
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine cl = new CommandLine(command, new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                K made = defaults.create(type);
                if (made instanceof RunContext.Aware aware) {
                    aware.use(context);
                }
                return made;
            }
        });
        if (out != null) {
            cl.setOut(out);
        }
        if (err != null) {
            cl.setErr(err);
        }
        cl.setExecutionExceptionHandler(Cli::handle);
        cl.setParameterExceptionHandler(Cli::handleUsage);
        cl.setExecutionStrategy(parsed -> {
            List<CommandLine> chain = parsed.asCommandLineList();
            boolean helpOnly = chain.stream().anyMatch(c -> c.isUsageHelpRequested() || c.isVersionHelpRequested())
                    || chain.get(chain.size() - 1).getCommand() instanceof picocli.AutoComplete.GenerateCompletion;
            String problem = fileNameEncodingProblem(System.getProperty("os.name"),
                    System.getProperty("sun.jnu.encoding"));
            if (problem != null && !helpOnly) {
                cl.getErr().println("error: " + problem);
                cl.getErr().flush();
                return ERROR;
            }
            try {
                return new CommandLine.RunLast().execute(parsed);
            } catch (OutOfMemoryError e) {
                // An Error passes picocli's handlers; say it in one line like any other failure. Before the commit the
                // database transaction rolls back; after it, folders are written whole or not at all, and the state
                // is not recorded, so the next run compares afresh.
                cl.getErr().println("error: out of memory (the heap is " + Runtime.getRuntime().maxMemory() / (1 << 20)
                        + " MB): nothing was half-written; lower --max-file-size, or give Java more memory, e.g. "
                        + "JAVA_TOOL_OPTIONS=-Xmx1g");
                cl.getErr().flush();
                return ERROR;
            }
        });
        return cl.execute(args);
    }

    /**
     * Why this JVM cannot name files faithfully, or null. On Linux and other Unixes Java encodes file names in the
     * charset of the locale it started in (sun.jnu.encoding; a -D flag does not change it on JDK 17): without a UTF-8
     * locale (cron, Docker: LANG unset, C, POSIX) café.md would be read as caf??.md and uploaded so, and could not be
     * written at all. Windows (UTF-16 names) and macOS (always UTF-8) do not depend on the locale.
     */
    static String fileNameEncodingProblem(String osName, String fileNameEncoding) {
        if (osName == null || osName.startsWith("Windows") || fileNameEncoding == null
                || fileNameEncoding.equalsIgnoreCase("UTF-8") || fileNameEncoding.equalsIgnoreCase("UTF8")) {
            return null;
        }
        return "file names need a UTF-8 locale, and this one encodes them as " + fileNameEncoding
                + ": set LC_ALL=C.UTF-8 (or another *.UTF-8 locale); nothing was changed";
    }

    static void main(Object command, String... args) {
        System.exit(run(command, args));
    }

    private static int handleUsage(CommandLine.ParameterException e, String[] args) {
        // The arguments were never parsed, so a URL among them has not registered its password; picocli quotes
        // them whole, and a password with a space would outrun the URL mask.
        for (String arg : args) {
            Secrets.registerUrlPassword(arg);
        }
        CommandLine cl = e.getCommandLine();
        cl.getErr().println("error: " + Secrets.redact(e.getMessage()));
        cl.getErr().println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        cl.getErr().flush();
        return USAGE;
    }

    /**
     * {@code cl} is the command that failed (a subcommand under skill-fleet); {@code parsed} is the top-level parse
     * result, which under the parent command holds no -v: ask the failing command's own.
     */
    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        err.println("error: " + Secrets.redact(describe(e)));
        if (cl.getParseResult() != null && cl.getParseResult().hasMatchedOption("-v")) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            err.print(Secrets.redact(trace.toString()));
        }
        err.flush();
        return e instanceof CommandLine.ParameterException ? USAGE : ERROR;
    }

    /** One line for an exception: its message, with the first cause that says more, SQL state included. */
    static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.sql.SQLException sql && sql.getSQLState() != null) {
            message = message + " (SQL state " + sql.getSQLState() + ")";
        }
        if (e instanceof java.nio.file.NoSuchFileException || e instanceof java.nio.file.AccessDeniedException) {
            message = e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                    .toLowerCase() + ": " + message;
        }
        Throwable cause = e.getCause();
        if (cause != null && cause != e && cause.getMessage() != null && !message.contains(cause.getMessage())
                && !(e instanceof java.sql.SQLException && cause instanceof java.sql.SQLException)) {
            message = message + ": " + describe(cause);
        }
        return message.lines().findFirst().orElse(message).strip();
    }
}
