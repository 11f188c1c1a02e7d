///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Mutation check: breaks each promise of tests/mutants.txt in a copy of the checkout and expects its tests to fail; ends with "mutants: N of M caught"
//JAVA 17+

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Our own mutation check. Each mutant in tests/mutants.txt is one plausible bug that breaks one promise of the README
 * (a row of the Safety table or of the sync decision tables): one exact text replaced in one file. For each, the
 * checkout is copied, the bug put in, and {@code ./jbang tests/run_tests.java <filter>} run in the copy with this
 * environment; a test must fail. A mutant whose tests pass means a promise no test holds.
 *
 * <p>Usage: {@code ./jbang tests/mutate.java [--list] [-v] [ID_PART]} from the checkout. ID_PART runs only the
 * mutants whose id contains it; --list prints them (and any that no longer apply) without running; -v names the
 * tests that failed.
 */
class mutate {
    /** One mutant, as tests/mutants.txt describes it (see the comment at the top of that file). */
    record Mutant(String id, String breaks, String file, String tests, String find, String replace) {
    }

    /** How long one mutant's tests may take before they count as hung. */
    static final long TIMEOUT_MINUTES = 20;

    static final Pattern SUMMARY = Pattern.compile("^tests: (\\d+) passed, (\\d+) failed, (\\d+) skipped$");

    public static void main(String... args) throws Exception {
        boolean list = false;
        boolean verbose = false;
        String only = null;
        for (String a : args) {
            switch (a) {
                case "--list" -> list = true;
                case "-v", "--verbose" -> verbose = true;
                case "-h", "--help" -> {
                    System.out.println("usage: ./jbang tests/mutate.java [--list] [-v] [ID_PART]");
                    return;
                }
                default -> {
                    if (a.startsWith("-") || only != null) {
                        System.err.println("error: unexpected argument " + a
                                + " (usage: ./jbang tests/mutate.java [--list] [-v] [ID_PART])");
                        System.exit(2);
                    }
                    only = a;
                }
            }
        }
        Path root = checkout();
        List<Mutant> mutants;
        try {
            mutants = parse(root.resolve("tests/mutants.txt"));
        } catch (IllegalArgumentException e) {
            System.err.println("error: tests/mutants.txt: " + e.getMessage());
            System.exit(2);
            return;
        }
        String filter = only;
        List<Mutant> chosen = mutants.stream().filter(m -> filter == null || m.id().contains(filter)).toList();
        if (chosen.isEmpty()) {
            System.err.println("error: no mutant id contains " + filter);
            System.exit(2);
        }
        if (list) {
            for (Mutant m : chosen) {
                int found = occurrences(Files.readString(root.resolve(m.file()), StandardCharsets.UTF_8), m.find());
                System.out.printf("%-30s %-24s %s%s%n", m.id(), m.tests(), m.breaks(),
                        found == 1 ? "" : " (no longer applies: found " + found + " times)");
            }
            return;
        }
        System.exit(run(root, chosen, verbose));
    }

    /** The checkout this is run from: the working folder or the nearest one above it with jbang-catalog.json. */
    static Path checkout() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isRegularFile(dir.resolve("jbang-catalog.json"))
                && Files.isRegularFile(dir.resolve("tests/mutants.txt")))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            System.err.println("error: run the mutation check from the project checkout");
            System.exit(2);
        }
        return dir;
    }

    static int run(Path root, List<Mutant> mutants, boolean verbose) throws Exception {
        long started = System.nanoTime();
        Path work = Files.createTempDirectory("skill-fleet-mutants-");
        // The copies' compiled test runners go to a cache of this check's own, deleted with it, so a run leaves
        // nothing in ~/.jbang (dependencies still come from the local Maven repository).
        Path jbangCache = work.resolve("jbang-cache");
        Process[] running = {null};
        Thread cleanup = new Thread(() -> {
            Process p = running[0];
            if (p != null) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            deleteQuietly(work);
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
        List<String> files = trackedFiles(root);
        int caught = 0;
        for (Mutant m : mutants) {
            String text = Files.readString(root.resolve(m.file()), StandardCharsets.UTF_8);
            int found = occurrences(text, m.find());
            if (found != 1) {
                System.out.println("mutant " + m.id() + ": no longer applies (found " + found + " times)");
                continue;
            }
            long mutantStarted = System.nanoTime();
            Path copy = work.resolve("checkout");
            Path log = work.resolve(m.id() + ".log");
            try {
                copy(root, files, copy);
                Files.writeString(copy.resolve(m.file()), text.replace(m.find(), m.replace()), StandardCharsets.UTF_8);
                ProcessBuilder pb = new ProcessBuilder(copy.resolve("jbang").toString(), "tests/run_tests.java",
                        m.tests()).directory(copy.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
                pb.environment().put("JBANG_CACHE_DIR", jbangCache.toString());
                Process p = pb.start();
                running[0] = p;
                boolean finished = p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
                if (!finished) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor();
                }
                running[0] = null;
                List<String> output = Files.readAllLines(log, StandardCharsets.UTF_8);
                Matcher summary = output.stream().map(SUMMARY::matcher).filter(Matcher::matches)
                        .reduce((a, b) -> b).orElse(null);
                if (!finished) {
                    caught++;
                    System.out.println("caught " + m.id() + " (its tests hung: stopped after " + TIMEOUT_MINUTES
                            + " min)");
                } else if (p.exitValue() == 0) {
                    System.out.println("SURVIVED " + m.id() + ": " + m.breaks());
                } else if (summary != null && Integer.parseInt(summary.group(2)) > 0) {
                    caught++;
                    System.out.println("caught " + m.id());
                    if (verbose) {
                        output.stream().filter(l -> l.startsWith("FAILED ") || l.startsWith("ABORTED "))
                                .forEach(l -> System.out.println("    " + l));
                    }
                } else {
                    // Exit non-zero without a failed test: the copy did not compile or no test matched the filter.
                    // That says nothing about the tests, so it fails the check rather than counting as caught.
                    System.out.println("mutant " + m.id() + ": its tests did not run ("
                            + (summary != null ? summary.group() : "no test summary; does the replacement compile?")
                            + "); the last lines:");
                    output.subList(Math.max(0, output.size() - 8), output.size())
                            .forEach(l -> System.out.println("    " + l));
                }
                if (verbose) {
                    System.out.println("    " + (System.nanoTime() - mutantStarted) / 1_000_000_000L + " s");
                }
                System.out.flush();
            } finally {
                deleteQuietly(copy);
                Files.deleteIfExists(log);
                deleteQuietly(jbangCache.resolve("jars"));
            }
        }
        deleteQuietly(work);
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        System.out.println("took " + seconds / 60 + " min " + seconds % 60 + " s");
        System.out.println("mutants: " + caught + " of " + mutants.size() + " caught");
        return caught == mutants.size() ? 0 : 1;
    }

    /** Non-overlapping occurrences of what in text. */
    static int occurrences(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + what.length())) {
            n++;
        }
        return n;
    }

    /**
     * The checkout's files as a developer sees them: tracked or new but not ignored, as git lists them (their
     * working-tree contents), or without git every file but .git and .skill-fleet.
     */
    static List<String> trackedFiles(Path root) throws IOException, InterruptedException {
        if (Files.isDirectory(root.resolve(".git"))) {
            try {
                Process git = new ProcessBuilder("git", "-C", root.toString(), "ls-files", "-z", "--cached",
                        "--others", "--exclude-standard").redirectError(ProcessBuilder.Redirect.INHERIT).start();
                byte[] out = git.getInputStream().readAllBytes();
                if (git.waitFor() == 0) {
                    Set<String> unique = new HashSet<>();
                    List<String> files = new ArrayList<>();
                    for (String f : new String(out, StandardCharsets.UTF_8).split("\0")) {
                        if (!f.isEmpty() && unique.add(f)) {
                            files.add(f);
                        }
                    }
                    return files;
                }
            } catch (IOException e) {
                // no git: copy the tree instead
            }
        }
        List<String> files = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                return !dir.equals(root) && (name.equals(".git") || name.equals(".skill-fleet"))
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                files.add(root.relativize(file).toString());
                return FileVisitResult.CONTINUE;
            }
        });
        return files;
    }

    /** Copies the listed files (modes and links kept) from root into a new folder copy. */
    static void copy(Path root, List<String> files, Path copy) throws IOException {
        for (String f : files) {
            Path from = root.resolve(f);
            if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                continue; // deleted in the working tree
            }
            Path to = copy.resolve(f);
            Files.createDirectories(to.getParent());
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        }
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("warning: could not delete " + dir + " (" + e.getMessage() + ")");
        }
    }

    /**
     * Reads the mutants file: blocks that start with "mutant ID", then "breaks:", "file:" and "tests:" lines, then
     * "find:" and "replace:", each followed by the text as lines that start with '|' (the rest of the line is the
     * text, verbatim; the lines join with newlines). Lines starting with '#' and blank lines are comments.
     */
    static List<Mutant> parse(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Mutant> mutants = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                i++;
                continue;
            }
            if (!line.startsWith("mutant ")) {
                throw new IllegalArgumentException("line " + (i + 1) + ": expected 'mutant ID', found: " + line);
            }
            int start = i + 1;
            String id = line.substring("mutant ".length()).strip();
            if (!id.matches("[a-z0-9][a-z0-9-]*") || !ids.add(id)) {
                throw new IllegalArgumentException("line " + start + ": mutant id '" + id
                        + "' is not lower-case-with-dashes or not unique");
            }
            String breaks = null;
            String path = null;
            String tests = null;
            String find = null;
            String replace = null;
            i++;
            while (i < lines.size() && !lines.get(i).startsWith("mutant ")) {
                String l = lines.get(i);
                if (l.isBlank() || l.startsWith("#")) {
                    i++;
                } else if (l.startsWith("breaks:")) {
                    breaks = l.substring("breaks:".length()).strip();
                    i++;
                } else if (l.startsWith("file:")) {
                    path = l.substring("file:".length()).strip();
                    i++;
                } else if (l.startsWith("tests:")) {
                    tests = l.substring("tests:".length()).strip();
                    i++;
                } else if (l.equals("find:") || l.equals("replace:")) {
                    List<String> text = new ArrayList<>();
                    i++;
                    while (i < lines.size() && lines.get(i).startsWith("|")) {
                        text.add(lines.get(i).substring(1));
                        i++;
                    }
                    if (l.equals("find:")) {
                        find = String.join("\n", text);
                    } else {
                        replace = String.join("\n", text);
                    }
                } else {
                    throw new IllegalArgumentException("line " + (i + 1) + ": unexpected in mutant " + id + ": " + l);
                }
            }
            if (breaks == null || path == null || tests == null || find == null || replace == null
                    || find.isEmpty() || breaks.isEmpty() || tests.isEmpty()) {
                throw new IllegalArgumentException("line " + start + ": mutant " + id
                        + " needs breaks:, file:, tests:, find: (not empty) and replace:");
            }
            if (find.equals(replace)) {
                throw new IllegalArgumentException("line " + start + ": mutant " + id + " replaces a text by itself");
            }
            if (!Files.isRegularFile(file.getParent().getParent().resolve(path))) {
                throw new IllegalArgumentException("line " + start + ": mutant " + id + ": no file " + path);
            }
            mutants.add(new Mutant(id, breaks, path, tests, find, replace));
        }
        return mutants;
    }
}
