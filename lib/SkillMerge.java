//DEPS org.eclipse.jgit:org.eclipse.jgit:7.8.1.202611041320-r
//DEPS org.slf4j:slf4j-nop:2.0.17

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import org.eclipse.jgit.diff.DiffAlgorithm;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.merge.MergeAlgorithm;
import org.eclipse.jgit.merge.MergeChunk;
import org.eclipse.jgit.merge.MergeResult;

/**
 * The three-way merge of a skill changed on both sides since the last sync, file by file against the base content:
 * a file changed on one side only is taken from that side (content and executable bit separately, as git does); a
 * text file changed on both sides is merged line by line with git's own algorithm (JGit's {@link MergeAlgorithm},
 * histogram diff, as {@code git merge-file}), SKILL.md's frontmatter included. Overlapping changes, a binary file
 * changed on both sides, a file deleted on one side and changed on the other, a file added on both sides with
 * different content or mode, a text file whose base content is not kept, or a merged SKILL.md that no longer parses
 * and validates leave the skill a conflict. Pure: no I/O beyond the base content it is given.
 */
final class SkillMerge {
    /** A merged skill and what went into it, or why there is none ({@code conflict}). */
    /** {@code lint}: what the merged SKILL.md breaks of the Agent Skills specification (warnings). */
    record Result(Skill merged, List<String> notes, String conflict, List<String> lint) {
        static Result conflict(String why) {
            return new Result(null, List.of(), why, List.of());
        }
    }

    private record Version(String sha256, boolean executable, byte[] bytes) {
        static Version of(Skill.SkillFile f) {
            return f == null ? null : new Version(f.sha256(), f.executable(), f.bytes());
        }

        boolean sameContent(Version o) {
            return o != null && sha256.equals(o.sha256);
        }
    }

    private SkillMerge() {
    }

    static Result merge(BaseStore.Base base, Skill local, Skill db) {
        if (base == null) {
            return Result.conflict("changed in the folder and in the database since the last sync, and the content "
                    + "of the last sync is not kept (nothing to merge against)");
        }
        NavigableSet<String> paths = new TreeSet<>(Skill::compareUtf8);
        base.files().forEach(e -> paths.add(e.digest().path()));
        local.files().forEach(f -> paths.add(f.path()));
        db.files().forEach(f -> paths.add(f.path()));
        List<Skill.SkillFile> merged = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (String path : paths) {
            BaseStore.Entry b = base.file(path);
            Version l = Version.of(find(local, path));
            Version d = Version.of(find(db, path));
            boolean localChanged = changed(b, l);
            boolean dbChanged = changed(b, d);
            Version taken;
            if (!dbChanged || same(l, d)) {
                taken = l;
                if (localChanged && !same(l, d)) {
                    notes.add(path + (l == null ? " deleted" : b == null ? " added" : "") + " (folder)");
                }
            } else if (!localChanged) {
                taken = d;
                notes.add(path + (d == null ? " deleted" : b == null ? " added" : "") + " (database)");
            } else {
                if (l == null || d == null) {
                    return Result.conflict(path + " was deleted " + (l == null ? "in the folder" : "in the database")
                            + " and changed " + (l == null ? "in the database" : "in the folder"));
                }
                if (b == null) {
                    return Result.conflict(path + " was added on both sides with different "
                            + (l.sameContent(d) ? "modes" : "content"));
                }
                boolean executable = l.executable() == b.digest().executable() ? d.executable() : l.executable();
                if (l.sameContent(d)) {
                    taken = new Version(l.sha256(), executable, l.bytes());
                } else {
                    String why = textMergeable(path, b, l, d);
                    if (why != null) {
                        return Result.conflict(why);
                    }
                    byte[] baseText = base.text(path);
                    if (baseText == null) {
                        return Result.conflict(path + " changed on both sides and its content at the last sync is "
                                + "not kept (nothing to merge against)");
                    }
                    byte[] text = mergeText(path, baseText, l.bytes(), d.bytes());
                    if (text == null) {
                        return Result.conflict(path + " has overlapping changes on both sides");
                    }
                    taken = new Version(Skill.sha256(text), executable, text);
                    notes.add(path + " (merged line by line)");
                }
            }
            if (taken != null) {
                merged.add(new Skill.SkillFile(path, taken.bytes(), taken.executable()));
            }
        }
        Skill result = new Skill(local.path(), merged);
        if (result.skillMd() == null) {
            return Result.conflict("the merge leaves no " + Skill.SKILL_MD);
        }
        List<String> lint;
        try {
            lint = SkillMapping.toRecord(result).lint();
        } catch (InvalidSkill e) {
            return Result.conflict("the merge is not a valid skill: " + e.reason());
        }
        return new Result(result, notes, null, lint);
    }

    /** Why a file changed on both sides cannot be merged line by line (binary on some side), or null. */
    private static String textMergeable(String path, BaseStore.Entry b, Version l, Version d) {
        boolean lText = Frontmatter.isText(l.bytes());
        boolean dText = Frontmatter.isText(d.bytes());
        if (lText && dText && b.digest().size() > BaseStore.MAX_TEXT) {
            return "text file " + path + " changed on both sides; its content at the last sync is not kept (over "
                    + (BaseStore.MAX_TEXT >> 20) + " MB), so there is nothing to merge against";
        }
        if (!b.text() || !lText || !dText) {
            return "binary file " + path + " changed on both sides (" + l.bytes().length + " bytes in the folder, "
                    + d.bytes().length + " in the database)";
        }
        return null;
    }

    private static Skill.SkillFile find(Skill skill, String path) {
        return skill.files().stream().filter(f -> f.path().equals(path)).findFirst().orElse(null);
    }

    private static boolean changed(BaseStore.Entry b, Version v) {
        if (b == null || v == null) {
            return (b == null) != (v == null);
        }
        return !b.digest().sha256().equals(v.sha256()) || b.digest().executable() != v.executable();
    }

    private static boolean same(Version a, Version b) {
        return a == null ? b == null : b != null && a.sameContent(b) && a.executable() == b.executable();
    }

    /**
     * Merges three versions of a text file as {@code git merge-file} does, or returns null when the changes overlap.
     * A change both sides made alike is taken once.
     */
    static byte[] mergeText(String path, byte[] base, byte[] ours, byte[] theirs) {
        MergeAlgorithm algorithm = new MergeAlgorithm(DiffAlgorithm.getAlgorithm(
                DiffAlgorithm.SupportedAlgorithm.HISTOGRAM));
        MergeResult<RawText> result = algorithm.merge(RawTextComparator.DEFAULT, new RawText(base),
                new RawText(ours), new RawText(theirs));
        if (result.containsConflicts()) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<RawText> sequences = result.getSequences();
        boolean first = true;
        boolean endsWithNewline = true;
        for (MergeChunk chunk : result) {
            RawText seq = sequences.get(chunk.getSequenceIndex());
            for (int i = chunk.getBegin(); i < chunk.getEnd(); i++) {
                if (!first) {
                    out.write('\n');
                }
                first = false;
                try {
                    seq.writeLine(out, i);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                endsWithNewline = i < seq.size() - 1 || !seq.isMissingNewlineAtEnd();
            }
        }
        if (!first && endsWithNewline) {
            out.write('\n');
        }
        return out.toByteArray();
    }

    /**
     * A skill's content, blind to SKILL.md's top-level {@code name:} line: a skill and its copy renamed (folder moved,
     * name line changed to match) have the same key.
     */
    static String renameKey(Skill skill) {
        List<Skill.FileDigest> digests = new ArrayList<>();
        for (Skill.SkillFile f : skill.files()) {
            byte[] bytes = f.path().equals(Skill.SKILL_MD) ? withoutName(f.bytes()) : f.bytes();
            digests.add(new Skill.FileDigest(f.path(), Skill.sha256(bytes), f.executable(), bytes.length));
        }
        return Skill.hashOf(digests);
    }

    /** SKILL.md without the frontmatter's top-level name line. */
    private static byte[] withoutName(byte[] skillMd) {
        String text = new String(skillMd, java.nio.charset.StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        if (lines.length == 0 || !lines[0].replace("\uFEFF", "").strip().equals("---")) {
            return skillMd;
        }
        StringBuilder out = new StringBuilder(lines[0]);
        boolean inFrontmatter = true;
        boolean dropped = false;
        for (int i = 1; i < lines.length; i++) {
            if (inFrontmatter && lines[i].strip().equals("---")) {
                inFrontmatter = false;
            }
            if (inFrontmatter && !dropped && lines[i].startsWith("name:")) {
                dropped = true;
                continue;
            }
            out.append('\n').append(lines[i]);
        }
        return out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** For messages: the merge's notes, one clause. */
    static String describe(List<String> notes) {
        return notes.isEmpty() ? "same content" : String.join(", ", notes);
    }
}
