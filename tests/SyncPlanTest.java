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
                option.equals("no-delete"));
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
}
