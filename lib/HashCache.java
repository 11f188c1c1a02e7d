import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Remembers each local file's SHA-256 with the size and modification time it had, so an unchanged folder is listed
 * by stat alone. Size and time only decide whether to rehash; the hash decides everything else. Entries written
 * within two seconds of a file's modification are not trusted (a change in the same clock tick would look unchanged),
 * so such files are rehashed next time. Lives in .skill-fleet/hashes.json beside the skills folder; safe to delete.
 */
final class HashCache {
    /** One file as last hashed: [size, modified millis, sha256]. */
    private final Map<String, List<Object>> entries;
    private final Map<String, List<Object>> seen = new TreeMap<>();
    private final Path file;
    private boolean changed;

    private HashCache(Path file, Map<String, List<Object>> entries) {
        this.file = file;
        this.entries = entries;
    }

    static HashCache load(Path skillsDir) {
        Path file = SyncState.folder(skillsDir).resolve("hashes.json");
        Map<String, List<Object>> entries = new HashMap<>();
        if (Files.isRegularFile(file)) {
            try {
                entries = SyncState.JSON.readValue(file.toFile(), new TypeReference<Map<String, List<Object>>>() { });
            } catch (IOException e) {
                entries = new HashMap<>();
            }
        }
        return new HashCache(file, entries);
    }

    /** The cached hash of a file (key: skill path + "/" + relative path), or null when it must be rehashed. */
    String get(String key, long size, long modified) {
        List<Object> e = entries.get(key);
        if (e != null && e.size() == 3 && e.get(2) != null && ((Number) e.get(0)).longValue() == size
                && ((Number) e.get(1)).longValue() == modified) {
            seen.put(key, e);
            return (String) e.get(2);
        }
        changed = true;
        return null;
    }

    void put(String key, long size, long modified, String sha256) {
        boolean racy = modified >= System.currentTimeMillis() - 2000;
        seen.put(key, java.util.Arrays.asList(size, modified, racy ? null : sha256));
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
            Files.write(tmp, SyncState.JSON.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsBytes(seen));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
