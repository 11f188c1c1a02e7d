import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three-way merge of a skill and the store of base content it merges against, without a database. */
class SkillMergeTest {
    static final String MD = "---\nname: demo\ndescription: A demo skill.\n---\n\n# Demo\n\none\ntwo\nthree\nfour\n"
            + "five\nsix\n";

    @TempDir Path tmp;

    static Skill skill(Object... pathsAndContents) {
        List<Skill.SkillFile> files = new ArrayList<>();
        for (int i = 0; i < pathsAndContents.length; i += 2) {
            Object c = pathsAndContents[i + 1];
            byte[] bytes = c instanceof byte[] b ? b : ((String) c).getBytes(StandardCharsets.UTF_8);
            String path = (String) pathsAndContents[i];
            boolean executable = path.endsWith("*");
            files.add(new Skill.SkillFile(path.replace("*", ""), bytes, executable));
        }
        return new Skill("demo", files);
    }

    /** The base store holding {@code base} as the last sync of skill "demo". */
    BaseStore.Base stored(Skill base) throws Exception {
        BaseStore store = BaseStore.of(tmp.resolve(".skill-fleet/state-0123456789abcdef.txt"));
        store.update(Map.of("demo", base.hash()), p -> base, w -> {
            throw new AssertionError(w);
        });
        BaseStore.Base b = BaseStore.of(tmp.resolve(".skill-fleet/state-0123456789abcdef.txt")).load("demo",
                base.hash());
        assertNotNull(b, "a fresh store reads back what was kept");
        return b;
    }

    static String text(Skill s, String path) {
        return new String(s.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow().bytes(),
                StandardCharsets.UTF_8);
    }

    @Test
    void editsFarApartInOneFileMergeAndTheFrontmatterIsMergedToo() throws Exception {
        Skill base = skill("SKILL.md", MD);
        Skill local = skill("SKILL.md", MD.replace("A demo skill.", "A demo skill, described better."));
        Skill db = skill("SKILL.md", MD.replace("six\n", "six\nseven\n"));
        SkillMerge.Result r = SkillMerge.merge(stored(base), local, db);
        assertNull(r.conflict());
        assertEquals(MD.replace("A demo skill.", "A demo skill, described better.").replace("six\n", "six\nseven\n"),
                text(r.merged(), "SKILL.md"));
        assertEquals(List.of("SKILL.md (merged line by line)"), r.notes());
    }

    @Test
    void overlappingEditsAndTheSameSpotGrownOnBothSidesAreConflicts() throws Exception {
        BaseStore.Base base = stored(skill("SKILL.md", MD));
        SkillMerge.Result r = SkillMerge.merge(base, skill("SKILL.md", MD.replace("three", "THREE")),
                skill("SKILL.md", MD.replace("three", "3")));
        assertEquals("SKILL.md has overlapping changes on both sides", r.conflict());
        assertNull(r.merged());
        assertNotNull(SkillMerge.merge(base, skill("SKILL.md", MD + "from a\n"), skill("SKILL.md", MD + "from b\n"))
                .conflict());
        SkillMerge.Result same = SkillMerge.merge(base, skill("SKILL.md", MD.replace("two", "2")),
                skill("SKILL.md", MD.replace("two", "2").replace("six", "6")));
        assertNull(same.conflict(), "the same change on both sides is taken once");
        assertEquals(MD.replace("two", "2").replace("six", "6"), text(same.merged(), "SKILL.md"));
    }

    @Test
    void filesChangedOnOneSideComeFromThatSideContentAndModeApart() throws Exception {
        BaseStore.Base base = stored(skill("SKILL.md", MD, "run.sh", "echo 1\n", "old.md", "old\n"));
        Skill local = skill("SKILL.md", MD, "run.sh*", "echo 1\n", "new.md", "new\n");
        Skill db = skill("SKILL.md", MD, "run.sh", "echo 2\n", "old.md", "old\n");
        SkillMerge.Result r = SkillMerge.merge(base, local, db);
        assertNull(r.conflict());
        Skill expected = skill("SKILL.md", MD, "run.sh*", "echo 2\n", "new.md", "new\n");
        assertEquals(expected.hash(), r.merged().hash(), r.merged().files().toString());
    }

    @Test
    void deleteAgainstChangeBinaryOnBothSidesAndAddAddAreConflicts() throws Exception {
        BaseStore.Base base = stored(skill("SKILL.md", MD, "notes.md", "a\n", "logo.png", new byte[] {1, 0, 2}));
        assertEquals("notes.md was deleted in the folder and changed in the database", SkillMerge.merge(base,
                skill("SKILL.md", MD, "logo.png", new byte[] {1, 0, 2}),
                skill("SKILL.md", MD, "notes.md", "b\n", "logo.png", new byte[] {1, 0, 2})).conflict());
        assertEquals("binary file logo.png changed on both sides (4 bytes in the folder, 2 in the database)",
                SkillMerge.merge(base, skill("SKILL.md", MD, "notes.md", "a\n", "logo.png", new byte[] {1, 0, 3, 4}),
                        skill("SKILL.md", MD, "notes.md", "a\n", "logo.png", new byte[] {1, 0})).conflict());
        assertEquals("extra.md was added on both sides with different content", SkillMerge.merge(base,
                skill("SKILL.md", MD, "notes.md", "a\n", "logo.png", new byte[] {1, 0, 2}, "extra.md", "x\n"),
                skill("SKILL.md", MD, "notes.md", "a\n", "logo.png", new byte[] {1, 0, 2}, "extra.md", "y\n"))
                .conflict());
        assertEquals("extra.md was added on both sides with different modes", SkillMerge.merge(base,
                skill("SKILL.md", MD, "notes.md", "a\n", "logo.png", new byte[] {1, 0, 2}, "extra.md*", "x\n"),
                skill("SKILL.md", MD, "notes.md", "a\n", "logo.png", new byte[] {1, 0, 2}, "extra.md", "x\n"))
                .conflict());
    }

    @Test
    void aMissingOrDamagedBaseIsAConflictNeverAGuess() throws Exception {
        Skill base = skill("SKILL.md", MD);
        Skill local = skill("SKILL.md", MD.replace("one", "1"));
        Skill db = skill("SKILL.md", MD.replace("six", "6"));
        assertTrue(SkillMerge.merge(null, local, db).conflict().contains("not kept"));
        BaseStore.Base kept = stored(base);
        // A blob changed on disk no longer matches its SHA-256: the base text reads as missing.
        Path objects = tmp.resolve(".skill-fleet/base/objects");
        try (var walk = Files.walk(objects)) {
            for (Path blob : walk.filter(Files::isRegularFile).toList()) {
                Files.writeString(blob, "tampered\n");
            }
        }
        assertNull(kept.text("SKILL.md"));
        assertEquals("SKILL.md changed on both sides and its content at the last sync is not kept (nothing to merge "
                + "against)", SkillMerge.merge(kept, local, db).conflict());
        assertNull(BaseStore.of(tmp.resolve(".skill-fleet/state-0123456789abcdef.txt")).load("demo", "0".repeat(64)),
                "a base of another hash is not this one");
    }

    @Test
    void aMergedSkillMdThatDoesNotValidateIsAConflict() throws Exception {
        String md = "---\nname: demo\ndescription: A demo skill.\nmetadata:\n  type: cognitive\n---\nbody\n";
        BaseStore.Base base = stored(skill("SKILL.md", md));
        // Each side adds a license line, far apart and each valid; merged, the frontmatter has the key twice.
        Skill local = skill("SKILL.md", md.replace("name: demo\n", "license: MIT\nname: demo\n"));
        Skill db = skill("SKILL.md", md.replace("  type: cognitive\n", "  type: cognitive\nlicense: Apache-2.0\n"));
        SkillMapping.toRecord(local);
        SkillMapping.toRecord(db);
        SkillMerge.Result r = SkillMerge.merge(base, local, db);
        assertTrue(r.conflict() != null && r.conflict().startsWith("the merge is not a valid skill: "
                + "SKILL.md: unreadable YAML frontmatter: found duplicate key license"), r.toString());
    }

    @Test
    void aFileWithoutANewlineAtTheEndKeepsItsLastLineAsIs() {
        byte[] merged = SkillMerge.mergeText("f", "a\nb\nc\nd\ne".getBytes(), "A\nb\nc\nd\ne".getBytes(),
                "a\nb\nc\nd\nE".getBytes());
        assertArrayEquals("A\nb\nc\nd\nE".getBytes(), merged);
        assertArrayEquals("a\nb\nc\nd\ne\nf\n".getBytes(), SkillMerge.mergeText("f", "a\nb\nc\nd\ne".getBytes(),
                "a\nb\nc\nd\ne".getBytes(), "a\nb\nc\nd\ne\nf\n".getBytes()));
    }

    @Test
    void theRenameKeyIgnoresOnlyTheNameLine() {
        Skill a = skill("SKILL.md", MD, "x.md", "x\n");
        Skill renamed = skill("SKILL.md", MD.replace("name: demo", "name: other"), "x.md", "x\n");
        Skill edited = skill("SKILL.md", MD.replace("one", "1").replace("name: demo", "name: other"), "x.md", "x\n");
        assertEquals(SkillMerge.renameKey(a), SkillMerge.renameKey(renamed));
        assertTrue(!SkillMerge.renameKey(a).equals(SkillMerge.renameKey(edited)));
        Skill bom = skill("SKILL.md", "\uFEFF" + MD, "x.md", "x\n");
        Skill bomRenamed = skill("SKILL.md", "\uFEFF" + MD.replace("name: demo", "name: other"), "x.md", "x\n");
        assertEquals(SkillMerge.renameKey(bom), SkillMerge.renameKey(bomRenamed), "a byte-order mark changes nothing");
        Skill body = skill("SKILL.md", MD + "name: in the body\n", "x.md", "x\n");
        assertTrue(!SkillMerge.renameKey(a).equals(SkillMerge.renameKey(body)), "only the frontmatter's line");
    }

    @Test
    void theStoreKeepsOneCopyPerContentAndPrunesWhatNoBaseNames() throws Exception {
        BaseStore store = BaseStore.of(tmp.resolve(".skill-fleet/state-0123456789abcdef.txt"));
        Skill one = new Skill("one", List.of(new Skill.SkillFile("SKILL.md", MD.getBytes(), false)));
        Skill two = new Skill("two", List.of(new Skill.SkillFile("SKILL.md", MD.getBytes(), false),
                new Skill.SkillFile("logo.png", new byte[] {1, 0, 2}, false)));
        Map<String, Skill> folder = Map.of("one", one, "two", two);
        store.update(Map.of("one", one.hash(), "two", two.hash()), folder::get, w -> { });
        Path objects = tmp.resolve(".skill-fleet/base/objects");
        assertEquals(1, count(objects), "one text blob for two skills with the same SKILL.md; binaries are not kept");
        Skill changed = new Skill("one", List.of(new Skill.SkillFile("SKILL.md", (MD + "x\n").getBytes(), false)));
        store.update(Map.of("one", changed.hash()), p -> changed, w -> { });
        assertEquals(1, count(objects), "the old blob is pruned once no base names it");
        assertEquals(Map.of("one", List.of("SKILL.md")), store.kept());
    }

    private static long count(Path dir) throws Exception {
        try (var walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void aTextFileTooLargeToKeepIsAConflictThatSaysSo() throws Exception {
        String big = "x".repeat(100) + "\n";
        String text = big.repeat((int) (BaseStore.MAX_TEXT / big.length()) + 10);
        BaseStore.Base base = stored(skill("SKILL.md", MD, "log.txt", text));
        SkillMerge.Result r = SkillMerge.merge(base, skill("SKILL.md", MD, "log.txt", "a\n" + text),
                skill("SKILL.md", MD, "log.txt", text + "b\n"));
        assertEquals("text file log.txt changed on both sides; its content at the last sync is not kept (over 8 MB), "
                + "so there is nothing to merge against", r.conflict());
    }

    @Test
    void aSkillTheRunWroteIsKeptWithoutReadingTheFolderAgain() throws Exception {
        BaseStore store = BaseStore.of(tmp.resolve(".skill-fleet/state-0123456789abcdef.txt"));
        Skill written = skill("SKILL.md", MD, "notes.md", "n\n");
        store.offer(written);
        store.update(Map.of("demo", written.hash()), p -> {
            throw new java.io.IOException("the folder is not read for a skill the run offered");
        }, w -> {
            throw new AssertionError(w);
        });
        BaseStore.Base kept = BaseStore.of(tmp.resolve(".skill-fleet/state-0123456789abcdef.txt")).load("demo",
                written.hash());
        assertNotNull(kept);
        assertArrayEquals("n\n".getBytes(), kept.text("notes.md"));
        Skill other = skill("SKILL.md", MD + "changed on disk after the write\n");
        store.offer(written);
        store.update(Map.of("demo", other.hash()), p -> other, w -> { });
        assertNotNull(BaseStore.of(tmp.resolve(".skill-fleet/state-0123456789abcdef.txt")).load("demo", other.hash()),
                "an offer that is not the new base is not used: the folder is read");
    }
}
