import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The decision table, without any I/O. Columns: policy, L, D, B, R (hash this tool last wrote to the row), force,
 * expected action. '-' means absent; 'bad' marks the local skill invalid.
 */
class SyncPlanTest {
    @ParameterizedTest(name = "{0} L={1} D={2} B={3} R={4} force={5} -> {6}")
    @CsvSource({
        // export: create, fast-forward, keep, refuse to overwrite another writer's change
        "EXPORT, a, -, -, -, false, CREATE_IN_DB",
        "EXPORT, a, a, -, -, false, UNCHANGED",
        "EXPORT, b, a, a, -, false, UPDATE_IN_DB",
        "EXPORT, b, a, -, a, false, UPDATE_IN_DB",
        "EXPORT, b, a, -, -, false, CONFLICT",
        "EXPORT, b, a, -, -, true, UPDATE_IN_DB",
        "EXPORT, c, a, b, b, false, CONFLICT",
        "EXPORT, a, b, a, b, false, OTHER_SIDE_NEWER",
        "EXPORT, bad, -, -, -, false, SKIP",
        // import: create, fast-forward, keep local edits unless forced
        "IMPORT, -, a, -, -, false, CREATE_LOCAL",
        "IMPORT, a, a, -, -, false, UNCHANGED",
        "IMPORT, a, b, a, -, false, UPDATE_LOCAL",
        "IMPORT, b, a, -, a, false, CONFLICT",
        "IMPORT, b, a, a, -, false, OTHER_SIDE_NEWER",
        "IMPORT, b, a, -, -, true, UPDATE_LOCAL",
        // two-way: whichever side changed since the base wins; both changed or no base is a conflict
        "SYNC, a, -, -, -, false, CREATE_IN_DB",
        "SYNC, -, a, -, -, false, CREATE_LOCAL",
        "SYNC, a, a, -, -, false, UNCHANGED",
        "SYNC, b, a, a, -, false, UPDATE_IN_DB",
        "SYNC, a, b, a, -, false, UPDATE_LOCAL",
        "SYNC, b, c, a, -, false, CONFLICT",
        "SYNC, b, a, -, a, false, CONFLICT"})
    void decides(SyncPlan.Policy policy, String l, String d, String b, String r, boolean force,
            SyncPlan.Action expected) {
        Map<String, SyncPlan.Side> local = new HashMap<>();
        Map<String, SyncPlan.Side> db = new HashMap<>();
        Map<String, String> base = new HashMap<>();
        if (!l.equals("-")) {
            local.put("s", new SyncPlan.Side(l, l.equals("bad") ? "broken" : null, null));
        }
        if (!d.equals("-")) {
            db.put("s", new SyncPlan.Side(d, null, r.equals("-") ? null : r));
        }
        if (!b.equals("-")) {
            base.put("s", b);
        }
        List<SyncPlan.Step> steps = SyncPlan.plan(policy, local, db, base, force);
        assertEquals(1, steps.size());
        assertEquals(expected, steps.get(0).action(), steps.get(0).reason());
    }

    @ParameterizedTest
    @CsvSource({"a/b, a/b/c", "a/b/c, a/b"})
    void importRefusesNestedSkillFolders(String outer, String inner) {
        Map<String, SyncPlan.Side> db = Map.of(outer, new SyncPlan.Side("x", null, null),
                inner, new SyncPlan.Side("y", null, null));
        List<SyncPlan.Step> steps = SyncPlan.plan(SyncPlan.Policy.IMPORT, Map.of(), db, Map.of(), false);
        assertEquals(List.of(SyncPlan.Action.SKIP, SyncPlan.Action.SKIP),
                steps.stream().map(SyncPlan.Step::action).toList());
    }
}
