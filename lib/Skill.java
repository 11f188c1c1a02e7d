import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * A skill as the unit of transfer: its path (the key, relative to the skills folder, '/'-separated) and its files,
 * SKILL.md included, each with its bytes and executable bit. The same value is built from a folder and from database
 * rows, so both sides hash alike.
 *
 * <p>The skill hash (also stored as {@code skills.integrity_hash}) is the SHA-256 of a manifest with one line per file,
 * files sorted by relative path in UTF-8 byte order: {@code <sha256 of the bytes> <755|644> <size> <relative path>\n}.
 */
record Skill(String path, List<SkillFile> files) {
    static final String SKILL_MD = "SKILL.md";

    Skill {
        files = files.stream().sorted(Comparator.comparing(SkillFile::path, Skill::compareUtf8)).toList();
    }

    /** One file of a skill; {@code path} is relative to the skill folder and '/'-separated. */
    record SkillFile(String path, byte[] bytes, boolean executable) {
        String sha256() {
            return Skill.sha256(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SkillFile f && f.path.equals(path) && f.executable == executable
                    && Arrays.equals(f.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return path.hashCode() * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return path + " (" + bytes.length + " bytes" + (executable ? ", executable" : "") + ")";
        }
    }

    /** The manifest entry of one file, enough to compute the skill hash without holding the bytes. */
    record FileDigest(String path, String sha256, boolean executable, long size) {
    }

    SkillFile skillMd() {
        return files.stream().filter(f -> f.path().equals(SKILL_MD)).findFirst().orElse(null);
    }

    /** The bytes of all its files. */
    long size() {
        return files.stream().mapToLong(f -> f.bytes().length).sum();
    }

    String hash() {
        return hashOf(files.stream().map(f -> new FileDigest(f.path(), f.sha256(), f.executable(), f.bytes().length))
                .toList());
    }

    static String hashOf(List<FileDigest> digests) {
        List<FileDigest> sorted = new ArrayList<>(digests);
        sorted.sort(Comparator.comparing(FileDigest::path, Skill::compareUtf8));
        StringBuilder manifest = new StringBuilder();
        for (FileDigest d : sorted) {
            manifest.append(d.sha256()).append(' ').append(d.executable() ? "755" : "644").append(' ')
                    .append(d.size()).append(' ').append(d.path()).append('\n');
        }
        return sha256(manifest.toString().getBytes(StandardCharsets.UTF_8));
    }

    static int compareUtf8(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
