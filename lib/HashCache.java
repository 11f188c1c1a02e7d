import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers each local file's SHA-256 with what a stat says of it (size, modification time, and on Unix the change
 * time and inode), so an unchanged folder is listed by stat alone. The stat only decides whether to rehash; the hash
 * decides everything else. The change time is what catches an edit that keeps the size and sets the modification time
 * back (touch -r, cp -p, rsync -a, archives): no tool can set it. An entry recorded within two seconds of its file's
 * last change is not trusted (a change in the same clock tick would look unchanged), so such files are rehashed next
 * time. Lives in .skill-fleet/hashes-<key>.tsv beside the skills folder, one per folder, one "size, modified millis,
 * change micros, inode, sha256, skill path/file" line per file; safe to delete.
 */
final class HashCache {
    /** What a stat said of a file, and the file's SHA-256 (null while unknown). */
    record Entry(long size, long modified, long changed, long inode, String sha256) {
        boolean sameFile(Entry other) {
            return size == other.size && modified == other.modified && changed == other.changed
                    && inode == other.inode;
        }
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
        Path dir = skillsDir.toAbsolutePath().normalize();
        Path file = SyncState.folder(dir).resolve("hashes-" + Skill.sha256(String.valueOf(dir.getFileName())
                .getBytes(StandardCharsets.UTF_8)).substring(0, 16) + ".tsv");
        Map<String, Entry> entries = new HashMap<>();
        if (Files.isRegularFile(file)) {
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String line; (line = in.readLine()) != null; ) {
                    String[] f = line.split("\t", 6);
                    if (f.length == 6 && f[4].length() == 64) {
                        entries.put(f[5], new Entry(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                                Long.parseLong(f[3]), f[4]));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                entries.clear(); // an unreadable cache only costs rehashing
            }
        }
        return new HashCache(file, entries);
    }

    /** The cached hash of a file (key: skill path + "/" + relative path), or null when it must be rehashed. */
    String get(String key, Entry stat) {
        Entry e = entries.get(key);
        if (e != null && e.sameFile(stat)) {
            seen.put(key, e);
            return e.sha256();
        }
        changed = true;
        return null;
    }

    void put(String key, Entry stat, String sha256) {
        long lastChange = Math.max(stat.modified(), stat.changed() / 1000);
        if (lastChange < System.currentTimeMillis() - 2000) {
            seen.put(key, new Entry(stat.size(), stat.modified(), stat.changed(), stat.inode(), sha256));
        }
        changed = true;
    }

    /** Writes the entries seen in this run (files gone since are dropped), atomically. */
    void save() throws IOException {
        if (!changed && seen.size() == entries.size()) {
            return;
        }
        SyncState.replace(file, false, out -> {
            for (Map.Entry<String, Entry> e : seen.entrySet()) {
                if (e.getKey().indexOf('\n') < 0) {
                    Entry v = e.getValue();
                    out.write(v.size() + "\t" + v.modified() + "\t" + v.changed() + "\t" + v.inode() + "\t"
                            + v.sha256() + "\t" + e.getKey() + "\n");
                }
            }
        });
    }
}
