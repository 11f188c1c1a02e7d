import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The decision table, without any I/O. Columns: mode, L, D, B, R (hash this tool last wrote to the row), option,
 * expected action. '-' means absent; 'bad' marks the local skill invalid; a D ending in '!' is an archived row.
 */
class SyncPlanTest {
    @ParameterizedTest(name = "{0} L={1} D={2} B={3} R={4} {5} -> {6}")
    @CsvSource({
        // export: create, fast-forward, keep, refuse to overwrite another writer's change
        "EXPORT, a, -, -, -, -, CREATE_IN_DB",
        "EXPORT, a, a, -, -, -, UNCHANGED",
        "EXPORT, b, a, a, -, -, UPDATE_IN_DB",
        "EXPORT, b, a, -, a, -, UPDATE_IN_DB",
        "EXPORT, b, a, -, -, -, CONFLICT",
        "EXPORT, b, a, -, -, force, UPDATE_IN_DB",
        "EXPORT, c, a, b, b, -, CONFLICT",
        "EXPORT, a, b, a, b, -, OTHER_SIDE_NEWER",
        "EXPORT, a, b, -, a, -, OTHER_SIDE_NEWER",
        "EXPORT, a, b, c, a, -, OTHER_SIDE_NEWER",
        "EXPORT, bad, -, -, -, -, SKIP",
        "EXPORT, a, a!, a, a, -, OTHER_SIDE_NEWER",
        "EXPORT, b, a!, a, a, -, UPDATE_IN_DB",
        // import: create, fast-forward, keep local edits unless forced
        "IMPORT, -, a, -, -, -, CREATE_LOCAL",
        "IMPORT, a, a, -, -, -, UNCHANGED",
        "IMPORT, a, b, a, -, -, UPDATE_LOCAL",
        "IMPORT, b, a, -, a, -, CONFLICT",
        "IMPORT, b, a, a, -, -, OTHER_SIDE_NEWER",
        "IMPORT, b, a, -, -, force, UPDATE_LOCAL",
        // sync, the table: L = D
        "SYNC, a, a, -, -, -, UNCHANGED",
        "SYNC, a, a, a, -, -, UNCHANGED",
        // changed on one side
        "SYNC, b, a, a, -, -, UPDATE_IN_DB",
        "SYNC, a, b, a, -, -, UPDATE_LOCAL",
        // changed on both
        "SYNC, b, c, a, -, -, CONFLICT",
        "SYNC, b, c, a, -, prefer-local, UPDATE_IN_DB",
        "SYNC, b, c, a, -, prefer-db, UPDATE_LOCAL",
        // changed on both, merging on: a three-way merge is tried (it needs the base; an unreadable side skips)
        "SYNC, b, c, a, -, merge, MERGE",
        "SYNC, b, c, -, -, merge, CONFLICT",
        "SYNC, bad, c, a, -, merge, SKIP",
        "SYNC, b, a, a, -, merge, UPDATE_IN_DB",
        "SYNC, -, a, a, -, merge, ARCHIVE_IN_DB",
        "EXPORT, c, a, b, b, merge, CONFLICT",
        // local deletion: archive; database deletion (gone or archived): remove the folder
        "SYNC, -, a, a, -, -, ARCHIVE_IN_DB",
        "SYNC, a, -, a, -, -, REMOVE_LOCAL",
        "SYNC, a, b!, a, -, -, REMOVE_LOCAL",
        "SYNC, -, a, a, -, no-delete, DELETE_NOT_PROPAGATED",
        "SYNC, a, -, a, -, no-delete, DELETE_NOT_PROPAGATED",
        // deleted on one side, changed on the other: the change wins and is restored
        "SYNC, -, b, a, -, -, CREATE_LOCAL",
        "SYNC, b, -, a, -, -, CREATE_IN_DB",
        "SYNC, b, a!, a, -, -, UPDATE_IN_DB",
        // deleted on both
        "SYNC, -, -, a, -, -, GONE",
        "SYNC, -, a!, a, -, -, GONE",
        // no base: union, differing pairs conflict, nothing deleted
        "SYNC, a, -, -, -, -, CREATE_IN_DB",
        "SYNC, -, a, -, -, -, CREATE_LOCAL",
        "SYNC, b, a, -, a, -, CONFLICT",
        "SYNC, a, b!, -, -, -, UPDATE_IN_DB",
        "SYNC, bad, -, -, -, -, SKIP"})
    void decides(SyncPlan.Mode mode, String l, String d, String b, String r, String option,
            SyncPlan.Action expected) {
        Map<String, SyncPlan.Side> local = new HashMap<>();
        Map<String, SyncPlan.Side> db = new HashMap<>();
        Map<String, String> base = new HashMap<>();
        if (!l.equals("-")) {
            local.put("s", new SyncPlan.Side(l, l.equals("bad") ? "broken" : null, null));
        }
        if (!d.equals("-")) {
            db.put("s", new SyncPlan.Side(d.replace("!", ""), null, r.equals("-") ? null : r, d.endsWith("!")));
        }
        if (!b.equals("-")) {
            base.put("s", b);
        }
        SyncPlan.Policy policy = new SyncPlan.Policy(mode, option.equals("force"),
                option.equals("prefer-local") ? SyncPlan.Prefer.LOCAL
                        : option.equals("prefer-db") ? SyncPlan.Prefer.DB : SyncPlan.Prefer.NONE,
                option.equals("no-delete"), option.equals("merge"));
        List<SyncPlan.Step> steps = SyncPlan.plan(policy, local, db, base);
        assertEquals(1, steps.size());
        assertEquals(expected, steps.get(0).action(), steps.get(0).reason());
        assertEquals(l.equals("-") ? null : l, steps.get(0).localHash(), "the plan keeps what it saw, for CAS");
    }

    @ParameterizedTest
    @CsvSource({"a/b, a/b/c", "a/b/c, a/b"})
    void importRefusesNestedSkillFolders(String outer, String inner) {
        Map<String, SyncPlan.Side> db = Map.of(outer, new SyncPlan.Side("x", null, null),
                inner, new SyncPlan.Side("y", null, null));
        List<SyncPlan.Step> steps = SyncPlan.plan(SyncPlan.Mode.IMPORT, Map.of(), db, Map.of(), false);
        assertEquals(List.of(SyncPlan.Action.SKIP, SyncPlan.Action.SKIP),
                steps.stream().map(SyncPlan.Step::action).toList());
    }

    @ParameterizedTest
    @CsvSource({"a/b, a/b/c", "a/b/c, a/b"})
    void anArchivedRowHoldsNoFolderForSyncButDoesForAnImportOfArchivedRows(String archived, String live) {
        Map<String, SyncPlan.Side> db = Map.of(archived, new SyncPlan.Side("x", null, null, true),
                live, new SyncPlan.Side("y", null, null));
        List<SyncPlan.Step> sync = SyncPlan.plan(SyncPlan.Mode.SYNC, Map.of(), db, Map.of(), false);
        assertEquals(List.of(live + " " + SyncPlan.Action.CREATE_LOCAL),
                sync.stream().map(s -> s.path() + " " + s.action()).toList());
        List<SyncPlan.Step> imports = SyncPlan.plan(SyncPlan.Mode.IMPORT, Map.of(), db, Map.of(), false);
        assertEquals(List.of(SyncPlan.Action.SKIP, SyncPlan.Action.SKIP),
                imports.stream().map(SyncPlan.Step::action).toList());
    }

    @ParameterizedTest(name = "a failed merge with {0} -> {1}")
    @CsvSource({"NONE, CONFLICT, false", "LOCAL, UPDATE_IN_DB, true", "DB, UPDATE_LOCAL, true"})
    void aMergeThatFailsBecomesWhatTheSkillWouldBeWithoutMerging(SyncPlan.Prefer prefer, SyncPlan.Action expected,
            boolean overwrites) {
        SyncPlan.Policy policy = new SyncPlan.Policy(SyncPlan.Mode.SYNC, false, prefer, false, true);
        List<SyncPlan.Step> steps = SyncPlan.plan(policy, Map.of("s", new SyncPlan.Side("b", null, null)),
                Map.of("s", new SyncPlan.Side("c", null, null)), Map.of("s", "a"));
        assertEquals(SyncPlan.Action.MERGE, steps.get(0).action());
        SyncPlan.Step failed = SyncPlan.mergeFailed(steps.get(0), policy, "SKILL.md has overlapping changes");
        assertEquals(expected, failed.action());
        assertEquals(overwrites, failed.overwritesChange(), "the losing side is backed up");
        assertEquals("b c", failed.localHash() + " " + failed.dbHash(), "the hashes the plan saw, for CAS");
        org.junit.jupiter.api.Assertions.assertTrue(failed.reason().contains("; no merge: SKILL.md has overlapping "
                + "changes"), failed.reason());
        SyncPlan.Step merged = steps.get(0).merged("m", "SKILL.md (merged line by line)");
        assertEquals("m", merged.agreedHash());
        assertEquals("m", merged.sentHash());
        assertEquals("b", merged.localHash(), "the folder write is compare-and-swap on the folder's copy");
    }

    /**
     * Renames: columns are the removal (a path deleted in the folder: archive; or a folder whose row left the path:
     * remove-local), the creation (new in the folder, or new in the database), their name-blind content keys, and
     * the expected steps.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "moved in the folder | local | k | k | -: rename-in-db x -> y |",
        "moved in the database | db | k | k | -: rename-local x -> y |",
        "content differs | local | k | j | x: archive-in-db, y: create-in-db |",
        "two creations share the key | local | k | k | x: archive-in-db, y: create-in-db, z: create-in-db | z",
        "a removal of an archived row is a deletion | archived | k | k | x: remove-local, y: create-local |",
        "moved in the folder, --no-delete | local-keep | k | k | -: rename-in-db x -> y |",
        "moved in the database, --no-delete | db-keep | k | k | -: rename-local x -> y |"})
    void aRemovalAndACreationOfTheSameContentAreOneRename(String name, String where, String fromKey, String toKey,
            String expected, String second) {
        Map<String, SyncPlan.Side> local = new HashMap<>();
        Map<String, SyncPlan.Side> db = new HashMap<>();
        Map<String, String> base = Map.of("x", "a");
        switch (where.replace("-keep", "")) {
            case "local" -> {
                db.put("x", new SyncPlan.Side("a", null, null));
                local.put("y", new SyncPlan.Side("a2", null, null));
                if (second != null) {
                    local.put(second, new SyncPlan.Side("a3", null, null));
                }
            }
            case "db" -> {
                local.put("x", new SyncPlan.Side("a", null, null));
                db.put("y", new SyncPlan.Side("a2", null, null));
            }
            default -> {
                local.put("x", new SyncPlan.Side("a", null, null));
                db.put("x", new SyncPlan.Side("a", null, null, true));
                db.put("y", new SyncPlan.Side("a2", null, null));
            }
        }
        SyncPlan.Policy policy = new SyncPlan.Policy(SyncPlan.Mode.SYNC, false, SyncPlan.Prefer.NONE,
                where.endsWith("-keep"), true);
        List<SyncPlan.Step> planned = SyncPlan.plan(policy, local, db, base);
        Map<String, String> keys = new HashMap<>(Map.of("x", fromKey, "y", toKey));
        if (second != null) {
            keys.put(second, toKey);
        }
        List<SyncPlan.Step> steps = SyncPlan.pairRenames(planned, keys);
        String shown = expected.startsWith("-: ") ? steps.stream().map(s -> s.action().label + " " + s.display())
                .collect(java.util.stream.Collectors.joining(", ")) : steps.stream().map(s -> s.path() + ": "
                + s.action().label).collect(java.util.stream.Collectors.joining(", "));
        assertEquals(expected.replaceFirst("^-: ", ""), shown);
        if (expected.startsWith("-: rename-in-db")) {
            SyncPlan.Step r = steps.get(0);
            assertEquals("x y a2 a a2", r.rowPath() + " " + r.path() + " " + r.localHash() + " " + r.dbHash() + " "
                    + r.agreedHash(), "writes row x from folder y, compare-and-swap on both");
        } else if (expected.startsWith("-: rename-local")) {
            SyncPlan.Step r = steps.get(0);
            assertEquals("a a2 a2", r.localHash() + " " + r.dbHash() + " " + r.agreedHash(),
                    "moves folder x (as planned) and brings it to row y's content");
        }
    }
}
