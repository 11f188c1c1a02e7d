import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The local side: finds skill folders under the skills folder (a folder holding a SKILL.md is one skill, with
 * everything below it), reads one into a {@link Skill}, and writes one so that it appears complete or not at all:
 * built in a hidden folder beside the target, then renamed into place.
 */
final class SkillFolder {
    /** Prefix of the folders this tool builds or sets aside while replacing a skill; never read as skills. */
    static final String WORK_PREFIX = ".skill-fleet-";

    private SkillFolder() {
    }

    /** Skill paths ('/'-separated, relative to root) of every skill folder under root, sorted. */
    static List<String> list(Path root, Consumer<String> warn) throws IOException {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return found;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(root) && dir.getFileName().toString().startsWith(WORK_PREFIX)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!dir.equals(root) && Files.isRegularFile(dir.resolve(Skill.SKILL_MD), LinkOption.NOFOLLOW_LINKS)) {
                    found.add(relative(root, dir));
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isSymbolicLink() && Files.isDirectory(file)) {
                    warn.accept(relative(root, file) + ": symbolic link to a folder not followed");
                }
                return FileVisitResult.CONTINUE;
            }
        });
        found.sort(Skill::compareUtf8);
        return found;
    }

    /** Reads one skill folder; symbolic links inside it are reported and left out, never followed. */
    static Skill read(Path root, String skillPath, Consumer<String> warn) throws IOException {
        Path dir = root.resolve(skillPath);
        List<Skill.SkillFile> files = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = relative(dir, file);
                if (attrs.isSymbolicLink()) {
                    warn.accept(skillPath + "/" + rel + ": symbolic link left out (links are not followed)");
                } else if (attrs.isRegularFile()) {
                    files.add(new Skill.SkillFile(rel, Files.readAllBytes(file), isExecutable(file)));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new Skill(skillPath, files);
    }

    /** A skill folder's manifest, or why it was not read: the first file over the size limit. */
    record Digest(List<Skill.FileDigest> files, String oversized) {
    }

    /**
     * The manifest of a skill folder (what its hash is computed from) without holding its bytes, in one walk: each
     * file's SHA-256 comes from the cache when its size and modification time are unchanged, else from streaming it.
     * A file over maxBytes stops the walk (nothing is read). Symbolic links are reported and left out.
     */
    static Digest digest(Path root, String skillPath, HashCache cache, long maxBytes, Consumer<String> warn)
            throws IOException {
        Path dir = root.resolve(skillPath);
        List<Skill.FileDigest> digests = new ArrayList<>();
        String[] oversized = {null};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isSymbolicLink()) {
                    warn.accept(skillPath + "/" + relative(dir, file)
                            + ": symbolic link left out (links are not followed)");
                } else if (attrs.isRegularFile()) {
                    String rel = relative(dir, file);
                    if (attrs.size() > maxBytes) {
                        oversized[0] = rel + ": " + attrs.size() + " bytes, over --max-file-size (" + maxBytes
                                + " bytes)";
                        return FileVisitResult.TERMINATE;
                    }
                    long modified = attrs.lastModifiedTime().toMillis();
                    String key = skillPath + "/" + rel;
                    String sha = cache.get(key, attrs.size(), modified);
                    if (sha == null) {
                        sha = sha256(file);
                        cache.put(key, attrs.size(), modified, sha);
                    }
                    // On POSIX systems the walk's attributes carry the mode already: no second stat.
                    boolean executable = attrs instanceof java.nio.file.attribute.PosixFileAttributes posix
                            ? posix.permissions().contains(PosixFilePermission.OWNER_EXECUTE) : isExecutable(file);
                    digests.add(new Skill.FileDigest(rel, sha, executable, attrs.size()));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new Digest(digests, oversized[0]);
    }

    private static String sha256(Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes a skill into a folder where none is (a backup, say) so that it appears complete or not at all: every
     * file is written and synced in a hidden folder beside the target, then renamed into place.
     */
    static void write(Path root, Skill skill) throws IOException {
        Path target = root.resolve(skill.path());
        Files.createDirectories(target.getParent());
        Path staging = target.getParent().resolve(workName("new", target.getFileName().toString()));
        try {
            Files.createDirectory(staging);
            build(staging, skill, Map.of(), List.of());
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(staging);
        }
    }

    /** How {@link #replace} ended: done (and whether the old folder went into the backup), or why not. */
    record Replaced(String conflict, boolean backedUp) {
        static final Replaced CHANGED = new Replaced("changed in the folder while this run was working; run again",
                false);
    }

    /**
     * Replaces a skill folder with {@code skill}, or removes it when {@code skill} is null, compare-and-swap on
     * {@code expectedHash} (null: the folder must be absent). The new folder is built beside the target with every
     * file synced; the old one is renamed aside and hashed again (an edit saved meanwhile puts it back and makes a
     * conflict), then the new one is renamed in and the old one goes to {@code backupTo} (or is deleted when that is
     * null). What the tool does not manage survives: symbolic links and empty folders inside the skill are carried
     * into the new folder (on removal, left in place), each rewritten file keeps its permission bits but the
     * executable bit (only that bit is data; new files follow the umask). A special file (FIFO, socket, device) in
     * the skill, or anything but a skill folder at the target or on its path, is reported, and nothing is written.
     */
    static Replaced replace(Path root, String skillPath, Skill skill, String expectedHash, Path backupTo,
            Hooks hooks) throws IOException {
        Path target = root.resolve(skillPath);
        for (Path p = target.getParent(); !p.equals(root); p = p.getParent()) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return new Replaced("the file " + relative(root, p) + " is where a folder must go; nothing written",
                        false);
            }
        }
        boolean present = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        if (expectedHash == null && present) {
            return new Replaced((Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)
                    ? "a folder that is not a skill (no SKILL.md) is in the way: " : "a file is in the way: ")
                    + skillPath + "; nothing written", false);
        }
        if (expectedHash != null && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            return Replaced.CHANGED;
        }
        Unmanaged kept = present ? unmanaged(target) : new Unmanaged(Map.of(), List.of(), Map.of(), null);
        if (kept.special() != null) {
            return new Replaced("holds " + kept.special() + ", a special file (FIFO, socket or device) this tool does "
                    + "not manage; nothing written", false);
        }
        String name = target.getFileName().toString();
        Path staging = target.getParent().resolve(workName("new", name));
        Path aside = target.getParent().resolve(workName("old", name));
        boolean stage = skill != null || !kept.links().isEmpty() || !kept.emptyFolders().isEmpty();
        try {
            Files.createDirectories(target.getParent());
            if (stage) {
                Files.createDirectory(staging);
                build(staging, skill, kept.modes(), kept.emptyFolders());
                for (Map.Entry<String, Path> link : kept.links().entrySet()) {
                    Path at = staging.resolve(link.getKey());
                    if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
                        Files.createDirectories(at.getParent());
                        Files.createSymbolicLink(at, link.getValue());
                    }
                }
            }
            hooks.at(Hooks.Moment.FOLDER_BUILT, skillPath);
            if (present) {
                // A crash from here until the new folder is in leaves the old one aside; recover() puts it back.
                Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
                if (!expectedHash.equals(Skill.hashOf(digest(target.getParent(), aside.getFileName().toString(),
                        HashCache.none(), Long.MAX_VALUE, w -> { }).files()))) {
                    Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
                    return Replaced.CHANGED;
                }
            }
            hooks.at(Hooks.Moment.FOLDER_ASIDE, skillPath);
            if (stage) {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            }
            if (present && backupTo != null) {
                moveTree(aside, backupTo);
            }
            deleteTree(aside);
            if (!stage) {
                removeEmptyParents(root, target);
            }
            return new Replaced(null, present && backupTo != null);
        } finally {
            deleteTree(staging);
            deleteTree(aside);
        }
    }

    /** What a skill folder holds that is not a skill file: links, empty folders, modes, a special file. */
    private record Unmanaged(Map<String, Path> links, List<String> emptyFolders,
            Map<String, Set<PosixFilePermission>> modes, String special) {
    }

    private static Unmanaged unmanaged(Path dir) throws IOException {
        Map<String, Path> links = new java.util.TreeMap<>();
        List<String> empty = new ArrayList<>();
        Map<String, Set<PosixFilePermission>> modes = new java.util.HashMap<>();
        String[] special = {null};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (!d.equals(dir)) {
                    try (Stream<Path> entries = Files.list(d)) {
                        if (entries.findAny().isEmpty()) {
                            empty.add(relative(dir, d));
                        }
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = relative(dir, file);
                if (attrs.isSymbolicLink()) {
                    try {
                        links.put(rel, Files.readSymbolicLink(file));
                    } catch (IOException e) {
                        special[0] = rel;
                    }
                } else if (attrs.isOther()) {
                    special[0] = rel;
                    return FileVisitResult.TERMINATE;
                } else {
                    try {
                        modes.put(rel, Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS));
                    } catch (UnsupportedOperationException e) {
                        // no POSIX modes on this file system: only the executable bit, from the data
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new Unmanaged(links, empty, modes, special[0]);
    }

    /**
     * Writes a skill's files (each synced) into an empty folder; a file that had a mode before keeps it but for the
     * executable bit.
     */
    private static void build(Path dir, Skill skill, Map<String, Set<PosixFilePermission>> modes,
            List<String> emptyFolders) throws IOException {
        Set<Path> made = new java.util.HashSet<>(Set.of(dir));
        for (String folder : emptyFolders) {
            Files.createDirectories(dir.resolve(folder));
        }
        for (Skill.SkillFile f : skill == null ? List.<Skill.SkillFile>of() : skill.files()) {
            Path file = dir.resolve(f.path());
            try {
                if (made.add(file.getParent())) {
                    Files.createDirectories(file.getParent());
                }
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(f.bytes());
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    ch.force(true);
                }
                setExecutable(file, f.executable(), modes.get(f.path()));
            } catch (IOException e) {
                throw new IOException(skill.path() + "/" + f.path() + ": cannot write (" + Cli.describe(e) + ")", e);
            }
        }
    }

    /** Moves a folder to a new place, on another file system by copying (modes kept, links as links). */
    private static void moveTree(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try (Stream<Path> paths = Files.walk(from)) {
                for (Path p : paths.toList()) {
                    Path dest = to.resolve(relative(from, p));
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        Files.createDirectories(dest);
                    } else if (Files.isSymbolicLink(p) || Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                    }
                }
            }
            deleteTree(from);
        }
    }

    /**
     * True for a '/'-separated relative path that stays inside its folder: no empty, "." or ".." segment, no
     * leading '/', no backslash or NUL, and no segment that could be mistaken for this tool's work folders.
     */
    static boolean isSafeRelativePath(String rel) {
        if (rel == null || rel.isEmpty() || rel.startsWith("/") || rel.indexOf('\\') >= 0 || rel.indexOf('\0') >= 0) {
            return false;
        }
        for (String segment : rel.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.startsWith(WORK_PREFIX)) {
                return false;
            }
        }
        return true;
    }

    /** Deletes the category folders above a removed skill that it leaves empty. */
    private static void removeEmptyParents(Path root, Path target) throws IOException {
        for (Path dir = target.getParent(); dir != null && !dir.equals(root) && dir.startsWith(root);
                dir = dir.getParent()) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    break;
                }
            }
            Files.delete(dir);
        }
    }

    /** A work folder's name: prefix, kind (new, old), a UUID, then the skill folder's own name. */
    private static String workName(String kind, String name) {
        return WORK_PREFIX + kind + "-" + UUID.randomUUID() + "-" + name;
    }

    /**
     * Finishes or undoes what an interrupted run left in the skills folder: a half-built new folder is deleted, and
     * an old folder set aside goes back into place if its replacement never arrived (so the skill is not read as
     * deleted), or else into {@code backup} (deleted when that is null). Returns what it did, one line each.
     */
    static List<String> recover(Path root, Path backup) throws IOException {
        List<String> done = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return done;
        }
        List<Path> leftovers = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(root) && dir.getFileName().toString().startsWith(WORK_PREFIX)) {
                    leftovers.add(dir);
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }
        });
        for (Path dir : leftovers) {
            String n = dir.getFileName().toString().substring(WORK_PREFIX.length());
            int dash = n.indexOf('-');
            if (dash < 0 || n.length() < dash + 38) {
                continue;
            }
            String kind = n.substring(0, dash);
            Path original = dir.resolveSibling(n.substring(dash + 38));
            String rel = relative(root, original);
            if (kind.equals("old") && !Files.exists(original, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(dir, original, StandardCopyOption.ATOMIC_MOVE);
                done.add(rel + ": restored the copy an interrupted run had set aside");
            } else if (kind.equals("old") && backup != null) {
                moveTree(dir, backup.resolve(rel));
                done.add(rel + ": the version an interrupted run replaced is saved in " + backup);
            } else {
                deleteTree(dir);
                done.add(rel + ": removed what an interrupted run left (" + kind + ")");
            }
        }
        return done;
    }

    /** The first symbolic link between root and the skill folder (the folder included), or null. */
    static Path symlinkOnPath(Path root, String skillPath) {
        Path p = root;
        for (String segment : skillPath.split("/")) {
            p = p.resolve(segment);
            if (Files.isSymbolicLink(p)) {
                return p;
            }
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
        }
        return null;
    }

    static boolean isExecutable(Path file) throws IOException {
        try {
            return Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)
                    .contains(PosixFilePermission.OWNER_EXECUTE);
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /** Sets the executable bits on a file; {@code mode} is the mode to start from (null: the file's own). */
    private static void setExecutable(Path file, boolean executable, Set<PosixFilePermission> mode)
            throws IOException {
        try {
            Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
            perms.addAll(mode != null ? mode : Files.getPosixFilePermissions(file));
            if (executable) {
                perms.add(PosixFilePermission.OWNER_EXECUTE);
                if (perms.contains(PosixFilePermission.GROUP_READ)) {
                    perms.add(PosixFilePermission.GROUP_EXECUTE);
                }
                if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                    perms.add(PosixFilePermission.OTHERS_EXECUTE);
                }
            } else {
                perms.removeAll(Set.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                        PosixFilePermission.OTHERS_EXECUTE));
            }
            Files.setPosixFilePermissions(file, perms);
        } catch (UnsupportedOperationException e) {
            file.toFile().setExecutable(executable);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static String relative(Path base, Path p) {
        return base.relativize(p).toString().replace('\\', '/');
    }
}
