import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The decision, as a pure function of the two listings (path -> hash), the base (hashes at the last successful sync
 * of this folder with this database) and the policy: no I/O, so every case is tested with tables and --dry-run
 * prints exactly what a run would apply.
 *
 * <p>L, D, B: local, database and base hash of one skill; R: the hash this tool last wrote to that row.
 * Export creates or fast-forwards the row when D = B or D = R (nobody else changed it); import fast-forwards the
 * folder when L = B; anything else that differs is a conflict unless forced. Two-way applies whichever side changed.
 */
final class SyncPlan {
    enum Policy { EXPORT, IMPORT, SYNC }

    enum Action {
        CREATE_IN_DB("create-in-db"), UPDATE_IN_DB("update-in-db"), CREATE_LOCAL("create-local"),
        UPDATE_LOCAL("update-local"), UNCHANGED("unchanged"), OTHER_SIDE_NEWER("other-side-newer"), SKIP("skip"),
        CONFLICT("conflict");

        final String label;

        Action(String label) {
            this.label = label;
        }

        boolean writesDb() {
            return this == CREATE_IN_DB || this == UPDATE_IN_DB;
        }

        boolean writesLocal() {
            return this == CREATE_LOCAL || this == UPDATE_LOCAL;
        }
    }

    /** One side's view of a skill: its hash, why it cannot be transferred (or null), the hash this tool wrote. */
    record Side(String hash, String invalid, String recordedHash) {
    }

    record Step(String path, Action action, String reason) {
    }

    private SyncPlan() {
    }

    static List<Step> plan(Policy policy, Map<String, Side> local, Map<String, Side> db, Map<String, String> base,
            boolean force) {
        NavigableSet<String> paths = new TreeSet<>(Skill::compareUtf8);
        if (policy != Policy.IMPORT) {
            paths.addAll(local.keySet());
        }
        if (policy != Policy.EXPORT) {
            paths.addAll(db.keySet());
        }
        NavigableSet<String> all = new TreeSet<>(Skill::compareUtf8);
        all.addAll(local.keySet());
        all.addAll(db.keySet());
        List<Step> steps = new ArrayList<>();
        for (String path : paths) {
            Side l = local.get(path);
            Side d = db.get(path);
            String b = base.get(path);
            steps.add(switch (policy) {
                case EXPORT -> exportStep(path, l, d, b, force);
                case IMPORT -> importStep(path, l, d, b, force, all);
                case SYNC -> syncStep(path, l, d, b, all);
            });
        }
        return steps;
    }

    private static Step exportStep(String path, Side l, Side d, String b, boolean force) {
        if (l.invalid() != null) {
            return new Step(path, Action.SKIP, l.invalid());
        }
        if (d == null) {
            return new Step(path, Action.CREATE_IN_DB, "new in the folder");
        }
        if (l.hash().equals(d.hash())) {
            return new Step(path, Action.UNCHANGED, "same on both sides");
        }
        if (force) {
            return new Step(path, Action.UPDATE_IN_DB, "differs; --force overwrites the database copy");
        }
        if (l.hash().equals(b)) {
            return new Step(path, Action.OTHER_SIDE_NEWER, "unchanged in the folder, changed in the database since "
                    + "the last sync (import-from-db brings it down)");
        }
        if (d.hash().equals(b) || d.hash().equals(d.recordedHash())) {
            return new Step(path, Action.UPDATE_IN_DB, "changed in the folder");
        }
        return new Step(path, Action.CONFLICT, "the database copy was changed by another writer since this tool "
                + "wrote it; -f overwrites it");
    }

    private static Step importStep(String path, Side l, Side d, String b, boolean force, NavigableSet<String> all) {
        if (d.invalid() != null) {
            return new Step(path, Action.SKIP, d.invalid());
        }
        String nesting = nesting(path, all);
        if (nesting != null) {
            return new Step(path, Action.SKIP, nesting);
        }
        if (l == null) {
            return new Step(path, Action.CREATE_LOCAL, "new in the database");
        }
        if (l.hash().equals(d.hash())) {
            return new Step(path, Action.UNCHANGED, "same on both sides");
        }
        if (force) {
            return new Step(path, Action.UPDATE_LOCAL, "differs; --force overwrites the local copy");
        }
        if (l.hash().equals(b)) {
            return new Step(path, Action.UPDATE_LOCAL, "changed in the database");
        }
        if (d.hash().equals(b)) {
            return new Step(path, Action.OTHER_SIDE_NEWER, "unchanged in the database, changed in the folder since "
                    + "the last sync (export-to-db sends it up)");
        }
        return new Step(path, Action.CONFLICT, "the local copy differs and was changed (or never synced) since the "
                + "last sync; -f overwrites it");
    }

    private static Step syncStep(String path, Side l, Side d, String b, NavigableSet<String> all) {
        if (d == null) {
            return exportStep(path, l, null, b, false);
        }
        if (l == null) {
            return importStep(path, null, d, b, false, all);
        }
        if (l.hash().equals(d.hash())) {
            return new Step(path, Action.UNCHANGED, "same on both sides");
        }
        if (b != null && l.hash().equals(b)) {
            return importStep(path, l, d, b, false, all);
        }
        if (b != null && d.hash().equals(b)) {
            return exportStep(path, l, d, b, false);
        }
        return new Step(path, Action.CONFLICT, b == null
                ? "differs between the folder and the database, and there is no record of an earlier sync"
                : "changed in the folder and in the database since the last sync");
    }

    /** Why a skill folder cannot be written: another skill's folder holds it or lies inside it. */
    private static String nesting(String path, NavigableSet<String> all) {
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
            if (all.contains(path.substring(0, slash))) {
                return "lies inside the folder of skill " + path.substring(0, slash);
            }
        }
        String inner = all.ceiling(path + "/");
        if (inner != null && inner.startsWith(path + "/")) {
            return "its folder would hold skill " + inner;
        }
        return null;
    }
}
