import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Folder mechanics for {@link LocalSide}: finds skill folders under the skills folder (a folder holding a SKILL.md is
 * one skill, with everything below it; one holding another skill's folder is listed but invalid), reads one into a
 * {@link Skill}, replaces or removes one so that it appears complete or not at all (built in a hidden folder beside
 * the target, the old one set aside and checked, then renamed into place), and recovers what an interrupted run left.
 */
final class SkillFolder {
    /** Prefix of the folders this tool builds or sets aside while replacing a skill; never read as skills. */
    static final String WORK_PREFIX = ".skill-fleet-";

    private SkillFolder() {
    }

    /** Skill paths ('/'-separated, relative to root) of every skill folder under root, sorted: see {@link #scan}. */
    static List<String> list(Path root, Consumer<String> warn) throws IOException {
        return scan(root, warn).skills();
    }

    /**
     * Walks the skills folder once (subfolders in parallel, symbolic links never followed) and returns every skill
     * folder with what the walk saw of its files. Every folder holding a SKILL.md is listed, also when that SKILL.md
     * is a symbolic link or the folder lies inside another skill's, so no skill is ever taken for deleted or for
     * files of another: {@link Listing#digest} says why such a folder cannot be sent. Root itself may be a symbolic
     * link (the folder the user named is followed). Work folders of this tool are left out everywhere.
     */
    static Listing scan(Path root, Consumer<String> warn) throws IOException {
        if (!Files.isDirectory(root)) {
            return new Listing(root, List.of(), Map.of(), List.of());
        }
        // Opening root as a folder follows it when it is a symbolic link; the walk follows no link below it.
        Walk walk = new Walk(root, "", new ConcurrentLinkedQueue<>(), new ConcurrentLinkedQueue<>(),
                new ConcurrentLinkedQueue<>(), new ConcurrentLinkedQueue<>());
        try {
            ForkJoinPool.commonPool().invoke(walk);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        List<String> skills = new ArrayList<>(walk.skills);
        skills.sort(Skill::compareUtf8);
        Set<String> skillSet = new HashSet<>(skills);
        Map<String, List<Seen>> files = new HashMap<>();
        for (Seen f : walk.files) {
            // Each file belongs to the nearest skill folder above it.
            for (int slash = f.path().lastIndexOf('/'); slash > 0; slash = f.path().lastIndexOf('/', slash - 1)) {
                String folder = f.path().substring(0, slash);
                if (skillSet.contains(folder)) {
                    files.computeIfAbsent(folder, k -> new ArrayList<>()).add(f);
                    break;
                }
            }
        }
        // A link inside a skill folder is reported when the skill is digested; here only those between skills.
        walk.linkedFolders.stream().filter(link -> !insideASkill(link, skillSet)).sorted()
                .forEach(link -> warn.accept(link + ": symbolic link to a folder not followed"));
        List<String> work = new ArrayList<>(walk.workFolders);
        work.sort(Skill::compareUtf8);
        return new Listing(root, skills, files, work);
    }

    private static boolean insideASkill(String path, Set<String> skills) {
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
            if (skills.contains(path.substring(0, slash))) {
                return true;
            }
        }
        return false;
    }

    /** The folder to walk for root: its target when root is a symbolic link (walks never follow links). */
    private static Path followed(Path root) throws IOException {
        return Files.isSymbolicLink(root) ? root.toRealPath() : root;
    }

    /** A file (or link) as the walk saw it: its path below the skills folder and what a digest needs of it. */
    private record Seen(String path, long size, long modified, long changed, long inode, boolean executable,
            boolean link, boolean regular) {
    }

    /** Whether the file system has the unix attribute view (ctime, inode, mode in the one stat). */
    private static final boolean UNIX = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews()
            .contains("unix");
    private static final String UNIX_ATTRIBUTES =
            "unix:size,lastModifiedTime,ctime,ino,mode,isDirectory,isSymbolicLink,isRegularFile";

    /** One folder of the walk; its subfolders are walked as tasks of their own. */
    private static final class Walk extends RecursiveAction {
        final Path dir;
        final String rel;
        final Queue<String> skills;
        final Queue<Seen> files;
        final Queue<String> linkedFolders;
        final Queue<String> workFolders;

        /** dir, its path relative to the walk's start ("" for the start), and where findings go. */
        Walk(Path dir, String rel, Queue<String> skills, Queue<Seen> files, Queue<String> linkedFolders,
                Queue<String> workFolders) {
            this.dir = dir;
            this.rel = rel;
            this.skills = skills;
            this.files = files;
            this.linkedFolders = linkedFolders;
            this.workFolders = workFolders;
        }

        @Override
        protected void compute() {
            List<Walk> subfolders = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    // One stat per entry: on Unix the unix view has the change time, inode and mode as well. Only
                    // the attributes used ("unix:*" would also look up the owner's and group's names, per file).
                    Map<String, Object> unix = UNIX ? Files.readAttributes(entry, UNIX_ATTRIBUTES,
                            LinkOption.NOFOLLOW_LINKS) : null;
                    BasicFileAttributes attrs = UNIX ? null : Files.readAttributes(entry, BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    boolean isDirectory = UNIX ? (Boolean) unix.get("isDirectory") : attrs.isDirectory();
                    boolean isLink = UNIX ? (Boolean) unix.get("isSymbolicLink") : attrs.isSymbolicLink();
                    boolean isRegular = UNIX ? (Boolean) unix.get("isRegularFile") : attrs.isRegularFile();
                    String name = entry.getFileName().toString();
                    String path = rel.isEmpty() ? name : rel + "/" + name;
                    if (isDirectory) {
                        if (!name.startsWith(WORK_PREFIX)) {
                            subfolders.add(new Walk(entry, path, skills, files, linkedFolders, workFolders));
                        } else {
                            workFolders.add(path);
                        }
                        continue;
                    }
                    if (name.equals(Skill.SKILL_MD) && !rel.isEmpty()) {
                        skills.add(rel);
                    }
                    if (isLink && Files.isDirectory(entry)) {
                        linkedFolders.add(path);
                    }
                    if (UNIX) {
                        files.add(new Seen(path, (Long) unix.get("size"),
                                ((java.nio.file.attribute.FileTime) unix.get("lastModifiedTime")).toMillis(),
                                ((java.nio.file.attribute.FileTime) unix.get("ctime")).to(
                                        java.util.concurrent.TimeUnit.MICROSECONDS),
                                ((Number) unix.get("ino")).longValue(),
                                isRegular && (((Integer) unix.get("mode")) & 0100) != 0, isLink, isRegular));
                    } else {
                        files.add(new Seen(path, attrs.size(), attrs.lastModifiedTime().toMillis(), 0, 0,
                                isRegular && isExecutable(entry), isLink, isRegular));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            invokeAll(subfolders);
        }
    }

    /** Reads one skill folder; symbolic links inside it are reported and left out, never followed. */
    static Skill read(Path root, String skillPath, Consumer<String> warn) throws IOException {
        Path dir = root.resolve(skillPath);
        List<Skill.SkillFile> files = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path sub, BasicFileAttributes attrs) {
                return sub.getFileName().toString().startsWith(WORK_PREFIX) && !sub.equals(dir)
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = relative(dir, file);
                if (attrs.isSymbolicLink()) {
                    warn.accept(skillPath + "/" + rel + ": symbolic link left out (links are not followed)");
                } else if (attrs.isRegularFile()) {
                    files.add(new Skill.SkillFile(rel, readBytes(file), isExecutable(file)));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new Skill(skillPath, files);
    }

    /**
     * A skill folder's manifest, or why the folder cannot be sent as one skill (then the manifest is incomplete): its
     * SKILL.md is a symbolic link, it holds another skill's folder, or a file is over the size limit.
     */
    record Digest(List<Skill.FileDigest> files, String invalid) {
    }

    /** What {@link #scan} found: the skill folders, sorted, and the files of each as the walk saw them. */
    static final class Listing {
        private final Path root;
        private final List<String> skills;
        private final NavigableSet<String> sorted = new TreeSet<>(Skill::compareUtf8);
        private final Map<String, List<Seen>> files;
        private final List<String> workFolders;

        private Listing(Path root, List<String> skills, Map<String, List<Seen>> files, List<String> workFolders) {
            this.root = root;
            this.skills = List.copyOf(skills);
            this.sorted.addAll(skills);
            this.files = files;
            this.workFolders = List.copyOf(workFolders);
        }

        List<String> skills() {
            return skills;
        }

        /** The work folders an interrupted run left (see {@link #recover}), relative to the skills folder. */
        List<String> workFolders() {
            return workFolders;
        }

        /**
         * Why a listed folder cannot be one skill, whatever its files hold, or null: its SKILL.md is a symbolic link,
         * or it holds another skill's folder (as the database side refuses; the inner skills stay skills).
         */
        String invalid(String skillPath) {
            String inner = sorted.ceiling(skillPath + "/");
            if (inner != null && inner.startsWith(skillPath + "/")) {
                return "SKILL.md: its folder holds skill " + inner + " (a skill folder cannot hold another); move "
                        + "one of them";
            }
            for (Seen f : files.getOrDefault(skillPath, List.of())) {
                if (f.link() && f.path().equals(skillPath + "/" + Skill.SKILL_MD)) {
                    return "SKILL.md: is a symbolic link (links are not followed); replace it with the file";
                }
            }
            return null;
        }

        /**
         * The manifest of a skill folder (what its hash is computed from) without holding its bytes: each file's
         * SHA-256 comes from the cache when its size and modification time are unchanged, else from streaming it.
         * An invalid folder, or one with a file over maxBytes, is not read. Symbolic links are reported and left out.
         */
        Digest digest(String skillPath, HashCache cache, long maxBytes, Consumer<String> warn) throws IOException {
            String invalid = invalid(skillPath);
            if (invalid != null) {
                return new Digest(List.of(), invalid);
            }
            List<Seen> seen = files.getOrDefault(skillPath, List.of());
            for (Seen f : seen) {
                if (f.regular() && f.size() > maxBytes) {
                    return new Digest(List.of(), f.path().substring(skillPath.length() + 1) + ": " + f.size()
                            + " bytes, over --max-file-size (" + maxBytes + " bytes)");
                }
            }
            Path dir = root.resolve(skillPath);
            List<Skill.FileDigest> digests = new ArrayList<>();
            for (Seen f : seen) {
                String rel = f.path().substring(skillPath.length() + 1);
                if (f.link()) {
                    warn.accept(f.path() + ": symbolic link left out (links are not followed)");
                } else if (f.regular()) {
                    HashCache.Entry stat = new HashCache.Entry(f.size(), f.modified(), f.changed(), f.inode(), null);
                    String sha = cache.get(f.path(), stat);
                    if (sha == null) {
                        sha = sha256(dir.resolve(rel));
                        cache.put(f.path(), stat, sha);
                    }
                    digests.add(new Skill.FileDigest(rel, sha, f.executable(), f.size()));
                }
            }
            return new Digest(digests, null);
        }
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
        requireSafe(skill); // before resolving the skill's own path, which build does not check
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
        Replaced blocked = fileOnPath(root, target);
        if (blocked != null) {
            return blocked;
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
        Unmanaged kept = present ? unmanaged(target) : new Unmanaged(Map.of(), List.of(), Map.of(), Map.of(), null);
        if (kept.special() != null) {
            return new Replaced("holds " + kept.special() + ", a special file (FIFO, socket or device) this tool does "
                    + "not manage; nothing written", false);
        }
        String name = target.getFileName().toString();
        Path staging = target.getParent().resolve(workName("new", name));
        Path aside = target.getParent().resolve(workName("old", name));
        boolean stage = skill != null || !kept.links().isEmpty() || !kept.emptyFolders().isEmpty();
        boolean swapped = false;
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
                // Folders keep their modes too (a 700 skill folder stays 700); new ones follow the umask.
                for (Map.Entry<String, Set<PosixFilePermission>> mode : kept.folderModes().entrySet()) {
                    Path at = mode.getKey().isEmpty() ? staging : staging.resolve(mode.getKey());
                    if (Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                        Files.setPosixFilePermissions(at, mode.getValue());
                    }
                }
            }
            hooks.at(Hooks.Moment.FOLDER_BUILT, skillPath);
            if (present) {
                // A crash from here until the new folder is in leaves the old one aside; recover() puts it back.
                Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
                if (!expectedHash.equals(hashOf(aside))) {
                    Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
                    return Replaced.CHANGED;
                }
            }
            hooks.at(Hooks.Moment.FOLDER_ASIDE, skillPath);
            if (stage) {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            }
            swapped = true;
            // The old folder goes only once it is saved (a failed backup leaves it aside for recover()).
            if (present && backupTo != null) {
                moveTree(aside, backupTo);
            } else {
                deleteTree(aside);
            }
            if (!stage) {
                removeEmptyParents(root, target);
            }
            return new Replaced(null, present && backupTo != null);
        } finally {
            deleteTree(staging);
            if (!swapped && Files.exists(aside, LinkOption.NOFOLLOW_LINKS)
                    && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                // Anything that failed between setting the old folder aside and renaming the new one in (an
                // unreadable file while hashing it, a full disk) puts the old folder back: never no folder at all.
                Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /** Why a folder cannot go at {@code target}: a file where one of the folders above it must be; else null. */
    private static Replaced fileOnPath(Path root, Path target) {
        for (Path p = target.getParent(); !p.equals(root); p = p.getParent()) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return new Replaced("the file " + relative(root, p) + " is where a folder must go; nothing written",
                        false);
            }
        }
        return null;
    }

    /**
     * Moves a skill folder to another path in one rename (the skill was renamed), compare-and-swap: the folder must
     * still hash as {@code expectedHash} and nothing may be at the new path. Checked again after the rename (an edit
     * saved meanwhile moves it back and makes a conflict); category folders the move leaves empty go.
     */
    static Replaced move(Path root, String from, String to, String expectedHash) throws IOException {
        Path source = root.resolve(from);
        Path target = root.resolve(to);
        Replaced blocked = fileOnPath(root, target);
        if (blocked != null) {
            return blocked;
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return new Replaced("something is in the way at " + to + "; nothing moved", false);
        }
        if (!Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS) || !expectedHash.equals(hashOf(source))) {
            return Replaced.CHANGED;
        }
        Files.createDirectories(target.getParent());
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        if (!expectedHash.equals(hashOf(target))) {
            Files.move(target, source, StandardCopyOption.ATOMIC_MOVE);
            return Replaced.CHANGED;
        }
        removeEmptyParents(root, source);
        return new Replaced(null, false);
    }

    /** The skill hash of a folder as it is on disk now (files streamed, links left out, as the listing does). */
    private static String hashOf(Path dir) throws IOException {
        List<Skill.FileDigest> digests = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    digests.add(new Skill.FileDigest(relative(dir, file), sha256(file), isExecutable(file),
                            attrs.size()));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return Skill.hashOf(digests);
    }

    /** What a skill folder holds that is not a skill file: links, empty folders, modes (folders' too), a special file. */
    private record Unmanaged(Map<String, Path> links, List<String> emptyFolders,
            Map<String, Set<PosixFilePermission>> modes, Map<String, Set<PosixFilePermission>> folderModes,
            String special) {
    }

    private static Unmanaged unmanaged(Path dir) throws IOException {
        Map<String, Path> links = new java.util.TreeMap<>();
        List<String> empty = new ArrayList<>();
        Map<String, Set<PosixFilePermission>> modes = new java.util.HashMap<>();
        Map<String, Set<PosixFilePermission>> folderModes = new java.util.HashMap<>();
        String[] special = {null};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                try {
                    folderModes.put(d.equals(dir) ? "" : relative(dir, d), Files.getPosixFilePermissions(d));
                } catch (UnsupportedOperationException e) {
                    // no POSIX modes on this file system
                }
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
        return new Unmanaged(links, empty, modes, folderModes, special[0]);
    }

    /**
     * Refuses a skill whose path or a file path would leave its folder (they may come from the database, whoever
     * wrote it): the last line of defence, whatever checked the skill before.
     */
    private static void requireSafe(Skill skill) throws IOException {
        if (!isSafeRelativePath(skill.path())) {
            throw new IOException("skill path '" + SkillMapping.abbreviate(skill.path()) + "' is not a safe relative "
                    + "path; nothing written");
        }
        for (Skill.SkillFile f : skill.files()) {
            if (!isSafeRelativePath(f.path())) {
                throw new IOException(skill.path() + ": file path '" + SkillMapping.abbreviate(f.path())
                        + "' is not a safe relative path; nothing written");
            }
        }
    }

    /**
     * Writes a skill's files (each synced) into an empty folder; a file that had a mode before keeps it but for the
     * executable bit.
     */
    private static void build(Path dir, Skill skill, Map<String, Set<PosixFilePermission>> modes,
            List<String> emptyFolders) throws IOException {
        if (skill != null) {
            requireSafe(skill);
        }
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
                    writeBytes(ch, f.bytes());
                    ch.force(true);
                }
                setExecutable(file, f.executable(), modes.get(f.path()));
            } catch (IOException e) {
                throw new IOException(skill.path() + "/" + f.path() + ": cannot write (" + Cli.describe(e) + ")", e);
            }
        }
    }

    /**
     * File I/O in slices of at most {@link #IO_SLICE} bytes. The JDK moves a heap array through a native buffer as
     * large as each call's slice (and keeps it for the thread): a whole 100 MB file in one call would take 100 MB
     * outside the heap per thread that touched one, which the scripts' memory bound does not allow.
     */
    static final int IO_SLICE = 1 << 20;

    /** A whole file, read in slices (see {@link #IO_SLICE}). */
    static byte[] readBytes(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException(file + ": too large to read (" + size + " bytes)");
            }
            byte[] bytes = new byte[(int) size];
            int at = 0;
            while (at < bytes.length) {
                int n = ch.read(java.nio.ByteBuffer.wrap(bytes, at, Math.min(IO_SLICE, bytes.length - at)));
                if (n < 0) {
                    return java.util.Arrays.copyOf(bytes, at); // cut short while reading: the hash will say so
                }
                at += n;
            }
            return bytes;
        }
    }

    /** Writes all of {@code bytes} at the channel's position, in slices (see {@link #IO_SLICE}). */
    static void writeBytes(FileChannel ch, byte[] bytes) throws IOException {
        for (int at = 0; at < bytes.length; ) {
            at += ch.write(java.nio.ByteBuffer.wrap(bytes, at, Math.min(IO_SLICE, bytes.length - at)));
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
     * deleted), or else into {@code backup} (deleted when that is null). {@code workFolders} are the ones a listing
     * found ({@link Listing#workFolders}), so finding them costs no walk of its own. Returns what it did, one line each.
     */
    static List<String> recover(Path root, Path backup, List<String> workFolders) throws IOException {
        List<String> done = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return done;
        }
        Path start = followed(root);
        List<Path> leftovers = workFolders.stream().map(start::resolve).toList();
        for (Path dir : leftovers) {
            String n = dir.getFileName().toString().substring(WORK_PREFIX.length());
            int dash = n.indexOf('-');
            if (dash < 0 || n.length() < dash + 38) {
                continue;
            }
            String kind = n.substring(0, dash);
            Path original = dir.resolveSibling(n.substring(dash + 38));
            String rel = relative(start, original);
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

    /**
     * The '/'-separated path of p below base, joined from its names: a backslash inside a name stays a character
     * (SkillMapping refuses it), never a separator.
     */
    static String relative(Path base, Path p) {
        java.util.StringJoiner joined = new java.util.StringJoiner("/");
        for (Path name : base.relativize(p)) {
            joined.add(name.toString());
        }
        return joined.toString();
    }
}
