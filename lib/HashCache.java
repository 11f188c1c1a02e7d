import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers each local file's SHA-256 with the size and modification time it had, so an unchanged folder is listed
 * by stat alone. Size and time only decide whether to rehash; the hash decides everything else. An entry recorded
 * within two seconds of its file's modification is not trusted (a change in the same clock tick would look
 * unchanged), so such files are rehashed next time. Lives in .skill-fleet/hashes.tsv beside the skills folder, one
 * "size, modified millis, sha256, skill path/file" line per file; safe to delete.
 */
final class HashCache {
    record Entry(long size, long modified, String sha256) {
    }

    private final Map<String, Entry> entries;
    private final Map<String, Entry> seen = new ConcurrentHashMap<>();
    private final Path file;
    private volatile boolean changed;

    private HashCache(Path file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    static HashCache load(Path skillsDir) {
        Path file = SyncState.folder(skillsDir).resolve("hashes.tsv");
        Map<String, Entry> entries = new HashMap<>();
        if (Files.isRegularFile(file)) {
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String line; (line = in.readLine()) != null; ) {
                    String[] f = line.split("\t", 4);
                    if (f.length == 4 && f[2].length() == 64) {
                        entries.put(f[3], new Entry(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2]));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                entries.clear(); // an unreadable cache only costs rehashing
            }
        }
        return new HashCache(file, entries);
    }

    /** The cached hash of a file (key: skill path + "/" + relative path), or null when it must be rehashed. */
    String get(String key, long size, long modified) {
        Entry e = entries.get(key);
        if (e != null && e.size() == size && e.modified() == modified) {
            seen.put(key, e);
            return e.sha256();
        }
        changed = true;
        return null;
    }

    void put(String key, long size, long modified, String sha256) {
        if (modified < System.currentTimeMillis() - 2000) {
            seen.put(key, new Entry(size, modified, sha256));
        }
        changed = true;
    }

    /** Writes the entries seen in this run (files gone since are dropped), atomically. */
    void save() throws IOException {
        if (!changed && seen.size() == entries.size()) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), "hashes-", ".tmp");
        try {
            try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (Map.Entry<String, Entry> e : seen.entrySet()) {
                    if (e.getKey().indexOf('\n') < 0) {
                        out.write(e.getValue().size() + "\t" + e.getValue().modified() + "\t" + e.getValue().sha256()
                                + "\t" + e.getKey() + "\n");
                    }
                }
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
