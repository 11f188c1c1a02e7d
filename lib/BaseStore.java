import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The content of each skill's base (its version at the last sync), which a three-way merge needs and which neither
 * side may hold any more. It lives beside the sync state in {@code .skill-fleet/base/}: one manifest per state file
 * ({@code manifest-<key>.tsv}: per skill path, each file's SHA-256, mode, size and whether it is text) and the text
 * files' contents stored once per SHA-256 under {@code objects/} (binary files cannot be merged: only their digest is
 * kept). Blobs no manifest names are pruned when a manifest changes, so the store holds one copy of the text of each
 * base, shared between databases. Losing any of it is safe: a missing or damaged entry makes that skill's merge a
 * conflict, never a guess (every blob is checked against its SHA-256 when read).
 */
final class BaseStore {
    /** Text files larger than this are not kept (a merge of such a file is a conflict). */
    static final long MAX_TEXT = 8L << 20;

    /** One file of a base: its digest and whether it is text. */
    record Entry(Skill.FileDigest digest, boolean text) {
    }

    /**
     * A skill's base: its files. {@link #text} gives a text file's content, read from the store and checked
     * against its SHA-256, or null when it is binary or not (or no longer) kept.
     */
    final class Base {
        private final List<Entry> files;

        private Base(List<Entry> files) {
            this.files = files;
        }

        List<Entry> files() {
            return files;
        }

        Entry file(String relativePath) {
            return files.stream().filter(e -> e.digest().path().equals(relativePath)).findFirst().orElse(null);
        }

        byte[] text(String relativePath) {
            Entry e = file(relativePath);
            return e == null || !e.text() ? null : blob(e.digest().sha256());
        }
    }

    private final Path dir;
    private final Path manifest;
    private Map<String, List<Entry>> entries;
    /** The manifests of skills a run wrote to one side, their text already stored: no second read (see offer). */
    private final Map<String, List<Entry>> offered = new java.util.concurrent.ConcurrentHashMap<>();

    private BaseStore(Path dir, Path manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /** The store that goes with a sync state file (see {@link SyncState#file}). */
    static BaseStore of(Path stateFile) {
        Path dir = stateFile.getParent().resolve("base");
        String name = stateFile.getFileName().toString().replaceFirst("^state-", "manifest-").replaceFirst(
                "\\.txt$", ".tsv");
        return new BaseStore(dir, dir.resolve(name));
    }

    /** True when this database's manifest exists (a first run after an upgrade writes it). */
    boolean exists() {
        return Files.isRegularFile(manifest);
    }

    /** The base content of a skill whose base hash is {@code hash}, or null when it is not (or not rightly) kept. */
    Base load(String path, String hash) {
        List<Entry> files = entries().get(path);
        if (files == null || hash == null
                || !Skill.hashOf(files.stream().map(Entry::digest).toList()).equals(hash)) {
            return null;
        }
        return new Base(files);
    }

    /**
     * Takes a skill the run is about to write to one side, while its content is in memory: its text files are stored
     * (on a few threads of the store's own: creating a file mostly waits on the file system, so the run goes on
     * meanwhile) and its manifest kept, so {@link #update} need not read the folder again when this becomes the base.
     * The content waiting to be stored is bounded ({@link #PENDING} bytes, a larger skill alone, stored on the
     * caller); only the digests stay in memory. A failure only means that read happens after all. Returns the skill.
     */
    Skill offer(Skill skill) {
        if (skill == null) {
            return null;
        }
        try {
            writers.submit(skill.size(), () -> {
                try {
                    offered.put(skill.path(), put(skill));
                } catch (IOException | RuntimeException e) {
                    offered.remove(skill.path());
                }
                return null;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // not kept: update() reads it from the folder
        }
        return skill;
    }

    static final int WRITERS = 4;
    static final long PENDING = 16L << 20;
    private final BoundedWork<Void> writers = new BoundedWork<>("base-store", WRITERS, PENDING);

    /** Waits until every skill offered so far is stored (or failed to be). */
    private void drain() {
        try {
            writers.done();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            // put() reports nothing: a skill not kept is read from the folder by update()
        }
    }

    /**
     * Brings the store in line with a new base: each skill whose base hash changed (or is not kept yet) is taken from
     * what the run offered, else read with {@code read} (the folder, which holds the base now that both sides agree),
     * and kept when it hashes as the base;
     * skills that left the base are dropped, then blobs nothing names. Failures are reported through {@code warn}:
     * the store is an aid to merging, never needed for correctness.
     */
    void update(Map<String, String> base, DatabaseSide.SkillSource read, Consumer<String> warn) {
        drain();
        try {
            Map<String, List<Entry>> old = entries();
            Map<String, List<Entry>> next = new TreeMap<>();
            boolean changed = false;
            for (Map.Entry<String, String> b : base.entrySet()) {
                List<Entry> kept = old.get(b.getKey());
                if (kept != null && Skill.hashOf(kept.stream().map(Entry::digest).toList()).equals(b.getValue())) {
                    next.put(b.getKey(), kept);
                    continue;
                }
                changed = true;
                List<Entry> written = offered.get(b.getKey());
                if (written != null && Skill.hashOf(written.stream().map(Entry::digest).toList())
                        .equals(b.getValue())) {
                    next.put(b.getKey(), written);
                    continue;
                }
                Skill skill;
                try {
                    skill = read.read(b.getKey());
                } catch (IOException e) {
                    continue;
                }
                if (skill.hash().equals(b.getValue())) {
                    next.put(b.getKey(), put(skill));
                }
            }
            if (!changed && next.size() == old.size()) {
                return;
            }
            writeManifest(next);
            entries = next;
            prune();
        } catch (IOException | RuntimeException e) {
            warn.accept("could not keep the content of the last sync for merging in " + dir + " ("
                    + Cli.describe(e) + "); skills changed on both sides before the next sync are conflicts");
        }
    }

    /** Stores a skill's text files (each once) and returns its manifest entries. */
    private List<Entry> put(Skill skill) throws IOException {
        List<Entry> files = new ArrayList<>();
        for (Skill.SkillFile f : skill.files()) {
            String sha = f.sha256();
            boolean text = f.bytes().length <= MAX_TEXT && Frontmatter.isText(f.bytes());
            if (text) {
                Path blob = blobPath(sha);
                // A blob cut short (a crash while writing it) is written again; its content is checked on read.
                if (!Files.isRegularFile(blob) || Files.size(blob) != f.bytes().length) {
                    Files.createDirectories(blob.getParent());
                    Path tmp = Files.createTempFile(blob.getParent(), "blob-", ".tmp");
                    try {
                        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
                                java.nio.file.StandardOpenOption.WRITE)) {
                            SkillFolder.writeBytes(ch, f.bytes());
                        }
                        Files.move(tmp, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                }
            }
            files.add(new Entry(new Skill.FileDigest(f.path(), sha, f.executable(), f.bytes().length), text));
        }
        return files;
    }

    private byte[] blob(String sha) {
        try {
            byte[] bytes = SkillFolder.readBytes(blobPath(sha));
            return Skill.sha256(bytes).equals(sha) ? bytes : null;
        } catch (IOException e) {
            return null;
        }
    }

    private Path blobPath(String sha) {
        return dir.resolve("objects").resolve(sha.substring(0, 2)).resolve(sha);
    }

    private Map<String, List<Entry>> entries() {
        if (entries == null) {
            entries = read(manifest);
        }
        return entries;
    }

    /** A manifest's entries by skill path; empty when it is missing or unreadable (no merge is then possible). */
    private static Map<String, List<Entry>> read(Path file) {
        Map<String, List<Entry>> map = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return map;
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("#") || line.isEmpty()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                if (f.length != 6 || f[1].length() != 64) {
                    return new HashMap<>();
                }
                map.computeIfAbsent(unescape(f[0]), k -> new ArrayList<>()).add(new Entry(new Skill.FileDigest(
                        unescape(f[5]), f[1], f[2].equals("755"), Long.parseLong(f[3])), f[4].equals("t")));
            }
            return map;
        } catch (IOException | RuntimeException e) {
            return new HashMap<>();
        }
    }

    private void writeManifest(Map<String, List<Entry>> next) throws IOException {
        SyncState.replace(manifest, false, out -> {
            out.write("# skill-fleet: the files of each skill at the last sync, for three-way merges. Safe to "
                    + "delete: skills changed on both sides are then conflicts until the next sync.\n");
            for (Map.Entry<String, List<Entry>> e : next.entrySet()) {
                for (Entry f : e.getValue()) {
                    Skill.FileDigest d = f.digest();
                    out.write(escape(e.getKey()) + "\t" + d.sha256() + "\t" + (d.executable() ? "755" : "644")
                            + "\t" + d.size() + "\t" + (f.text() ? "t" : "b") + "\t" + escape(d.path()) + "\n");
                }
            }
        });
    }

    /** Deletes the blobs no manifest in the store names (another database's manifest keeps its own). */
    private void prune() throws IOException {
        Set<String> named = new HashSet<>();
        try (DirectoryStream<Path> manifests = Files.newDirectoryStream(dir, "manifest-*.tsv")) {
            for (Path m : manifests) {
                Map<String, List<Entry>> other = m.equals(manifest) ? entries : read(m);
                other.values().forEach(list -> list.forEach(e -> named.add(e.digest().sha256())));
            }
        }
        Path objects = dir.resolve("objects");
        if (!Files.isDirectory(objects)) {
            return;
        }
        try (DirectoryStream<Path> prefixes = Files.newDirectoryStream(objects)) {
            for (Path prefix : prefixes) {
                try (DirectoryStream<Path> blobs = Files.newDirectoryStream(prefix)) {
                    for (Path blob : blobs) {
                        if (!named.contains(blob.getFileName().toString())) {
                            Files.deleteIfExists(blob);
                        }
                    }
                }
            }
        }
    }

    /** Paths may hold any character but '/' separators: tab, newline, CR and % are written as %XX. */
    private static String escape(String s) {
        return s.replace("%", "%25").replace("\t", "%09").replace("\n", "%0A").replace("\r", "%0D");
    }

    private static String unescape(String s) {
        return s.replace("%09", "\t").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%");
    }

    /** The manifests' view, for tests: skill path to its kept file paths. */
    Map<String, List<String>> kept() {
        Map<String, List<String>> view = new LinkedHashMap<>();
        entries().forEach((p, list) -> view.put(p, list.stream().map(e -> e.digest().path()).toList()));
        return view;
    }
}
