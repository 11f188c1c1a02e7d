//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The base of the three-way comparison: per skill, the hash both sides had at the last successful run of this folder
 * with this database. It lives in {@code .skill-fleet/state-<key>.json} beside the skills folder, keyed by the pair
 * (folder, database identity without credentials), and is replaced atomically, only after the work it records has
 * committed. Deleting it is safe: the next run behaves like a first sync.
 */
final class SyncState {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SyncState() {
    }

    /** The .skill-fleet folder beside a skills folder: sync state and backups. */
    static Path folder(Path skillsDir) {
        Path dir = skillsDir.toAbsolutePath().normalize();
        return (dir.getParent() == null ? dir : dir.getParent()).resolve(".skill-fleet");
    }

    static Path file(Path skillsDir, String databaseIdentity) {
        Path dir = skillsDir.toAbsolutePath().normalize();
        String key = Skill.sha256((dir.getFileName() + "\n" + databaseIdentity)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16);
        return folder(skillsDir).resolve("state-" + key + ".json");
    }

    /** The recorded hashes by skill path; empty when there is no state (or it is unreadable, reported by warn). */
    static Map<String, String> load(Path file, java.util.function.Consumer<String> warn) {
        if (!Files.isRegularFile(file)) {
            return new TreeMap<>();
        }
        try {
            Map<?, ?> root = JSON.readValue(file.toFile(), Map.class);
            Map<String, String> hashes = new TreeMap<>();
            if (root.get("skills") instanceof Map<?, ?> skills) {
                skills.forEach((k, v) -> hashes.put(String.valueOf(k), String.valueOf(v)));
            }
            return hashes;
        } catch (IOException e) {
            warn.accept(file.getFileName() + ": sync state unreadable, treated as a first sync");
            return new TreeMap<>();
        }
    }

    static void save(Path file, String database, Path skillsDir, Map<String, String> hashes) throws IOException {
        Files.createDirectories(file.getParent());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("database", database);
        root.put("skillsDir", skillsDir.toAbsolutePath().normalize().getFileName().toString());
        root.put("skills", new TreeMap<>(hashes));
        Path tmp = Files.createTempFile(file.getParent(), "state-", ".tmp");
        try {
            Files.write(tmp, JSON.writeValueAsBytes(root));
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
