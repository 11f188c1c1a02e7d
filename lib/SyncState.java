import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The base of the three-way comparison: per skill, the hash both sides had at the last successful run of this folder
 * with this database. It lives in {@code .skill-fleet/state-<key>.txt} beside the skills folder, keyed by the pair
 * (folder, database identity without credentials), one "sha256  skill path" line per skill (the shape of sha256sum's
 * output), and is replaced atomically, only after the work it records has committed. Deleting it is safe: the next
 * run behaves like a first sync.
 */
final class SyncState {
    private SyncState() {
    }

    /** The .skill-fleet folder beside a skills folder: sync state, the hash cache and backups. */
    static Path folder(Path skillsDir) {
        Path dir = skillsDir.toAbsolutePath().normalize();
        return (dir.getParent() == null ? dir : dir.getParent()).resolve(".skill-fleet");
    }

    static Path file(Path skillsDir, String databaseIdentity) {
        Path dir = skillsDir.toAbsolutePath().normalize();
        String key = Skill.sha256((dir.getFileName() + "\n" + databaseIdentity)
                .getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        return folder(skillsDir).resolve("state-" + key + ".txt");
    }

    /** Where replaced and removed versions go: .skill-fleet/backup/<UTC timestamp>/ beside the skills folder. */
    static Path backupFolder(Path skillsDir) {
        return folder(skillsDir).resolve("backup");
    }

    /**
     * What a state file's comment lines say it belongs to: the database (without credentials), the folder, and the
     * folder's layout ("nested" or "flat"; null in a state written before layouts were recorded).
     */
    record Header(String database, String folder, String layout) {
    }

    /** The header of a state file (null parts where a line is missing); null when the file cannot be read. */
    static Header header(Path file) {
        String database = null;
        String folder = null;
        String layout = null;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null && line.startsWith("#"); ) {
                if (line.startsWith("# database: ")) {
                    database = line.substring("# database: ".length());
                } else if (line.startsWith("# folder: ")) {
                    folder = line.substring("# folder: ".length());
                } else if (line.startsWith("# layout: ")) {
                    layout = line.substring("# layout: ".length());
                }
            }
        } catch (IOException e) {
            return null;
        }
        return new Header(database, folder, layout);
    }

    /**
     * The headers of every sync state of this folder, whichever database each belongs to, by file (in file order);
     * empty when there is none or the .skill-fleet folder cannot be read.
     */
    static Map<Path, Header> statesOf(Path skillsDir) {
        String folder = skillsDir.toAbsolutePath().normalize().getFileName().toString();
        Map<Path, Header> states = new java.util.LinkedHashMap<>();
        try (java.util.stream.Stream<Path> files = Files.list(folder(skillsDir))) {
            for (Path f : files.filter(f -> f.getFileName().toString().matches("state-[0-9a-f]+\\.txt")).sorted()
                    .toList()) {
                Header h = header(f);
                if (h != null && folder.equals(h.folder())) {
                    states.put(f, h);
                }
            }
        } catch (IOException e) {
            // no .skill-fleet folder yet: no state either
        }
        return states;
    }

    /** The recorded hashes by skill path; empty when there is no state (or it is unreadable, reported by warn). */
    static Map<String, String> load(Path file, Consumer<String> warn) {
        Map<String, String> hashes = new TreeMap<>();
        if (!Files.isRegularFile(file)) {
            return hashes;
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                if (line.length() < 67 || !line.startsWith("  ", 64)) {
                    throw new IOException("malformed line");
                }
                hashes.put(line.substring(66), line.substring(0, 64));
            }
            return hashes;
        } catch (IOException e) {
            warn.accept(file.getFileName() + ": sync state unreadable, treated as a first sync");
            return new TreeMap<>();
        }
    }

    /** Writes the state; {@code layout} null keeps the one the file records (if any). */
    static void save(Path file, String database, Path skillsDir, String layout, Map<String, String> hashes)
            throws IOException {
        Header old = layout == null && Files.isRegularFile(file) ? header(file) : null;
        String kept = layout != null ? layout : old == null ? null : old.layout();
        replace(file, true, out -> {
            out.write("# skill-fleet sync state: each skill's hash at the last successful sync of this folder with"
                    + " this database.\n# Safe to delete: the next run then behaves like a first sync.\n");
            out.write("# database: " + database + "\n");
            out.write("# folder: " + skillsDir.toAbsolutePath().normalize().getFileName() + "\n");
            if (kept != null) {
                out.write("# layout: " + kept + "\n");
            }
            for (Map.Entry<String, String> e : new TreeMap<>(hashes).entrySet()) {
                out.write(e.getValue() + "  " + e.getKey() + "\n");
            }
        });
    }

    /** What {@link #replace} writes into the new file. */
    @FunctionalInterface
    interface Content {
        void write(BufferedWriter out) throws IOException;
    }

    /**
     * Replaces a file of the .skill-fleet folder atomically: written beside it, then renamed over it, so a reader
     * sees the old file or the new one, never part of one. {@code durable} syncs it to disk before the rename (the
     * state and the merge journal, which later runs act on; caches can be rebuilt).
     */
    static void replace(Path file, boolean durable, Content content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName() + "-", ".tmp");
        try {
            try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                content.write(out);
            }
            if (durable) {
                try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Folder work a run had committed to before writing it, so a run stopped in between is finished by the next
     * (see Merging): a merge the database committed ({@code from} null; the folder's hash the merge read and the
     * merged hash), or a folder being moved from {@code from} to {@code path} (the folder's hash and the hash of the
     * row at the new path). Kept in {@code merging-<key>.txt} beside the state, from just before the commit until the
     * base is recorded.
     */
    record Pending(String path, String from, String localHash, String resultHash) {
    }

    private static Path pendingFile(Path stateFile) {
        return stateFile.resolveSibling(stateFile.getFileName().toString().replaceFirst("^state-", "merging-"));
    }

    static void savePending(Path stateFile, java.util.List<Pending> merges) throws IOException {
        replace(pendingFile(stateFile), true, out -> {
            out.write("# skill-fleet: merges and moves committed to and not yet written into the folder\n");
            for (Pending m : merges) {
                out.write(m.localHash() + " " + m.resultHash() + "  " + m.path()
                        + (m.from() == null ? "" : "\t" + m.from()) + "\n");
            }
        });
    }

    /** The merges and moves an interrupted run may have left half done; empty when none (or unreadable: merged again). */
    static java.util.List<Pending> loadPending(Path stateFile) {
        java.util.List<Pending> merges = new java.util.ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(pendingFile(stateFile), StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.length() > 131 && !line.startsWith("#") && line.startsWith("  ", 129)) {
                    String[] paths = line.substring(131).split("\t", 2);
                    merges.add(new Pending(paths[0], paths.length > 1 ? paths[1] : null, line.substring(0, 64),
                            line.substring(65, 129)));
                }
            }
        } catch (IOException e) {
            return java.util.List.of();
        }
        return merges;
    }

    static void clearPending(Path stateFile) throws IOException {
        Files.deleteIfExists(pendingFile(stateFile));
    }
}
