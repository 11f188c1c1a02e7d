import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The decision, as a pure function of the two listings (path to hash), the base (hashes at the last successful sync
 * of this folder with this database) and the policy: no I/O, so every case is tested with tables and --dry-run
 * prints exactly what a run would apply.
 *
 * <p>L, D, B: local, database and base hash of one skill; R: the hash this tool last wrote to that row. An archived
 * row counts as deleted for the two-way sync. Export creates or fast-forwards a row when D = B or D = R (nobody else
 * changed it) and reports the row as newer when L = B or L = R (the folder did not change it); import fast-forwards
 * a folder when L = B; sync applies whichever side changed since B, propagates deletions (archive in the database,
 * remove the folder) when the other side is unchanged, restores a skill deleted on one side and changed on the
 * other, and without B copies what exists on one side only and deletes nothing.
 */
final class SyncPlan {
    enum Mode { EXPORT, IMPORT, SYNC }

    enum Prefer { NONE, LOCAL, DB }

    enum Action {
        CREATE_IN_DB("create-in-db"), UPDATE_IN_DB("update-in-db"), ARCHIVE_IN_DB("archive-in-db"),
        CREATE_LOCAL("create-local"), UPDATE_LOCAL("update-local"), REMOVE_LOCAL("remove-local"),
        MERGE("merge"), RENAME_IN_DB("rename-in-db"), RENAME_LOCAL("rename-local"),
        UNCHANGED("unchanged"), GONE("gone"), OTHER_SIDE_NEWER("other-side-newer"),
        DELETE_NOT_PROPAGATED("keep"), SKIP("skip"), CONFLICT("conflict");

        final String label;

        Action(String label) {
            this.label = label;
        }

        boolean writesDb() {
            return this == CREATE_IN_DB || this == UPDATE_IN_DB || this == ARCHIVE_IN_DB || this == MERGE
                    || this == RENAME_IN_DB;
        }

        boolean writesLocal() {
            return this == CREATE_LOCAL || this == UPDATE_LOCAL || this == REMOVE_LOCAL || this == MERGE
                    || this == RENAME_LOCAL;
        }
    }

    /**
     * One side's view of a skill: its hash, why it cannot be transferred (or null), the hash this tool last wrote
     * (database side), and whether the row is archived (the deletion marker).
     */
    record Side(String hash, String invalid, String recordedHash, boolean archived) {
        Side(String hash, String invalid, String recordedHash) {
            this(hash, invalid, recordedHash, false);
        }

        /**
         * A copy that cannot be transferred, for this reason: its hash is one no other copy can have, so every
         * comparison is a difference and every step that would read it is a skip naming the reason.
         */
        static Side invalid(String reason) {
            return invalid("unsendable:", reason);
        }

        /** The database's side of a skill refused on both sides: invalid too, with a hash unlike the folder's. */
        static Side refusedInDb(String reason) {
            return invalid("refused:", reason);
        }

        private static Side invalid(String kind, String reason) {
            return new Side(kind + Skill.sha256(reason.getBytes(java.nio.charset.StandardCharsets.UTF_8)), reason,
                    null);
        }
    }

    /** {@code merge}: a skill changed on both sides is merged three-way when it can be (sync only). */
    record Policy(Mode mode, boolean force, Prefer prefer, boolean noDelete, boolean merge) {
        Policy(Mode mode, boolean force, Prefer prefer, boolean noDelete) {
            this(mode, force, prefer, noDelete, false);
        }
    }

    /**
     * One planned action. {@code localHash} and {@code dbHash} are what the plan saw (null: absent), so apply can
     * compare-and-swap; {@code overwritesChange} marks a write that replaces an edit made on the target side (it is
     * backed up first). {@code from} is the old path of a rename; {@code resultHash} the hash a merge produces.
     */
    record Step(String path, Action action, String reason, String localHash, String dbHash, boolean overwritesChange,
            String from, String resultHash) {
        Step(String path, Action action, String reason) {
            this(path, action, reason, null, null, false);
        }

        Step(String path, Action action, String reason, String localHash, String dbHash, boolean overwritesChange) {
            this(path, action, reason, localHash, dbHash, overwritesChange, null, null);
        }

        /** The path a run shows: {@code A -> B} for a rename. */
        String display() {
            return from == null ? path : from + " -> " + path;
        }

        /** The path of the database row the step writes (a rename in the database writes the old path's row). */
        String rowPath() {
            return action == Action.RENAME_IN_DB ? from : path;
        }

        /** The hash of what the step sends to the database: the merge's result, else the local copy. */
        String sentHash() {
            return action == Action.MERGE ? resultHash : localHash;
        }

        /** The hash both sides hold once the step is done (null: the skill leaves the base). */
        String agreedHash() {
            return switch (action) {
                case UNCHANGED, CREATE_IN_DB, UPDATE_IN_DB, RENAME_IN_DB -> localHash;
                case CREATE_LOCAL, UPDATE_LOCAL, RENAME_LOCAL -> dbHash;
                case MERGE -> resultHash;
                default -> null;
            };
        }

        /** The skip of a skill whose folder could not be read, naming the file and what went wrong. */
        static Step unreadable(String path, java.io.IOException e) {
            return new Step(path, Action.SKIP, "could not read the folder: " + Cli.describe(e));
        }

        Step with(Side l, Side d) {
            return new Step(path, action, reason, l == null ? null : l.hash(), d == null ? null : d.hash(),
                    overwritesChange, from, resultHash);
        }

        /** A merge that worked: what it produced and from which files. */
        Step merged(String hash, String notes) {
            return new Step(path, action, "merged: " + notes, localHash, dbHash, true, from, hash);
        }
    }

    private SyncPlan() {
    }

    static List<Step> plan(Mode mode, Map<String, Side> local, Map<String, Side> db, Map<String, String> base,
            boolean force) {
        return plan(new Policy(mode, force, Prefer.NONE, false), local, db, base);
    }

    static List<Step> plan(Policy policy, Map<String, Side> local, Map<String, Side> db, Map<String, String> base) {
        NavigableSet<String> paths = new TreeSet<>(Skill::compareUtf8);
        if (policy.mode() != Mode.IMPORT) {
            paths.addAll(local.keySet());
        }
        if (policy.mode() != Mode.EXPORT) {
            paths.addAll(db.keySet());
        }
        if (policy.mode() == Mode.SYNC) {
            paths.addAll(base.keySet());
        }
        // The skill folders that exist or may be created. Sync never creates a folder for an archived row, so such a
        // row holds none (import, asked for archived rows, creates them).
        NavigableSet<String> all = new TreeSet<>(Skill::compareUtf8);
        all.addAll(local.keySet());
        db.forEach((path, side) -> {
            if (!side.archived() || policy.mode() != Mode.SYNC) {
                all.add(path);
            }
        });
        List<Step> steps = new ArrayList<>();
        for (String path : paths) {
            Side l = local.get(path);
            Side d = db.get(path);
            String b = base.get(path);
            Step step = switch (policy.mode()) {
                case EXPORT -> exportStep(path, l, d, b, policy.force());
                case IMPORT -> importStep(path, l, d, b, policy.force());
                case SYNC -> syncStep(path, l, d, b, policy);
            };
            if (step.action() == Action.GONE && b == null) {
                continue; // an archived row nobody has locally: a deleted skill, nothing to say about it
            }
            steps.add(check(step, l, d, all).with(l, d));
        }
        return steps;
    }

    /** A write the side it reads from cannot support becomes a skip with that side's reason. */
    private static Step check(Step s, Side l, Side d, NavigableSet<String> all) {
        if (s.action().writesDb() && s.action() != Action.ARCHIVE_IN_DB && l.invalid() != null) {
            return new Step(s.path(), Action.SKIP, l.invalid());
        }
        if ((s.action() == Action.CONFLICT || s.action() == Action.OTHER_SIDE_NEWER) && l != null
                && l.invalid() != null) {
            // The local copy cannot be read as a skill (its hash stands for the reason): say why, not "it differs".
            return new Step(s.path(), Action.SKIP, l.invalid());
        }
        if ((s.action() == Action.CREATE_LOCAL || s.action() == Action.UPDATE_LOCAL)) {
            if (d.invalid() != null) {
                return new Step(s.path(), Action.SKIP, d.invalid());
            }
            String nesting = nesting(s.path(), all);
            if (nesting != null) {
                return new Step(s.path(), Action.SKIP, nesting);
            }
        }
        return s;
    }

    private static Step exportStep(String path, Side l, Side d, String b, boolean force) {
        if (d == null) {
            return new Step(path, Action.CREATE_IN_DB, "new in the folder");
        }
        if (d.archived() && !force && (l.hash().equals(b) || b == null && l.hash().equals(d.hash()))) {
            return new Step(path, Action.OTHER_SIDE_NEWER, "archived in the database (sync-db removes the local copy; "
                    + "-f restores it)");
        }
        if (l.hash().equals(d.hash()) && !d.archived()) {
            return new Step(path, Action.UNCHANGED, "same on both sides");
        }
        if (force) {
            return new Step(path, Action.UPDATE_IN_DB, "differs; --force overwrites the database copy", null, null,
                    !d.hash().equals(b) && !d.hash().equals(d.recordedHash()));
        }
        if (l.hash().equals(b) && !d.archived()) {
            return new Step(path, Action.OTHER_SIDE_NEWER, "unchanged in the folder, changed in the database since "
                    + "the last sync (import-from-db brings it down)");
        }
        if (d.hash().equals(b) || d.hash().equals(d.recordedHash())) {
            return new Step(path, Action.UPDATE_IN_DB, d.archived() ? "changed in the folder; restores the archived "
                    + "row" : "changed in the folder");
        }
        if (l.hash().equals(d.recordedHash())) {
            // No base (a fresh CI clone), but the folder holds what this tool last wrote: only the row moved on.
            return new Step(path, Action.OTHER_SIDE_NEWER, "the folder holds what this tool last wrote; changed in "
                    + "the database since (import-from-db brings it down)");
        }
        return new Step(path, Action.CONFLICT, "the database copy was changed by another writer since this tool "
                + "wrote it; -f overwrites it");
    }

    private static Step importStep(String path, Side l, Side d, String b, boolean force) {
        if (l == null) {
            return new Step(path, Action.CREATE_LOCAL, "new in the database");
        }
        if (l.hash().equals(d.hash())) {
            return new Step(path, Action.UNCHANGED, "same on both sides");
        }
        if (force) {
            return new Step(path, Action.UPDATE_LOCAL, "differs; --force overwrites the local copy", null, null,
                    !l.hash().equals(b));
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

    private static Step syncStep(String path, Side l, Side d, String b, Policy policy) {
        boolean dLive = d != null && !d.archived();
        if (l == null && !dLive) {
            return new Step(path, Action.GONE, "deleted on both sides");
        }
        if (l != null && dLive && l.hash().equals(d.hash())) {
            return new Step(path, Action.UNCHANGED, "same on both sides");
        }
        if (b == null) {
            if (l == null) {
                return new Step(path, Action.CREATE_LOCAL, "new in the database");
            }
            if (!dLive) {
                return new Step(path, d == null ? Action.CREATE_IN_DB : Action.UPDATE_IN_DB, d == null
                        ? "new in the folder" : "archived in the database, present in the folder; no earlier sync, so "
                        + "nothing is deleted: restored");
            }
            return conflict(path, policy, "differs between the folder and the database, and there is no record of "
                    + "an earlier sync");
        }
        if (l == null) {
            if (d.hash().equals(b)) {
                return policy.noDelete() ? new Step(path, Action.DELETE_NOT_PROPAGATED, "deleted in the folder; "
                        + "--no-delete keeps the database copy") : new Step(path, Action.ARCHIVE_IN_DB,
                        "deleted in the folder");
            }
            return new Step(path, Action.CREATE_LOCAL, "deleted in the folder but changed in the database: restored");
        }
        if (!dLive) {
            if (l.hash().equals(b)) {
                return policy.noDelete() ? new Step(path, Action.DELETE_NOT_PROPAGATED, (d == null ? "deleted"
                        : "archived") + " in the database; --no-delete keeps the local copy")
                        : new Step(path, Action.REMOVE_LOCAL, (d == null ? "deleted" : "archived") + " in the database");
            }
            return new Step(path, d == null ? Action.CREATE_IN_DB : Action.UPDATE_IN_DB, (d == null ? "deleted"
                    : "archived") + " in the database but changed in the folder: restored");
        }
        boolean localChanged = !l.hash().equals(b);
        boolean dbChanged = !d.hash().equals(b);
        if (localChanged && !dbChanged) {
            return new Step(path, Action.UPDATE_IN_DB, "changed in the folder");
        }
        if (dbChanged && !localChanged) {
            return new Step(path, Action.UPDATE_LOCAL, "changed in the database");
        }
        if (policy.merge() && l.invalid() == null && d.invalid() == null) {
            return new Step(path, Action.MERGE, "changed on both sides since the last sync; to be merged three-way");
        }
        return conflict(path, policy, BOTH_CHANGED);
    }

    private static final String BOTH_CHANGED = "changed in the folder and in the database since the last sync";

    /**
     * A merge that could not be made becomes what the skill would have been without merging: a conflict (or, with
     * --prefer, the preferred side's copy), saying why the merge failed.
     */
    static Step mergeFailed(Step merge, Policy policy, String why) {
        Step s = conflict(merge.path(), policy, BOTH_CHANGED + "; no merge: " + why);
        return new Step(s.path(), s.action(), s.reason(), merge.localHash(), merge.dbHash(), s.overwritesChange());
    }

    /**
     * Pairs a skill that left one path with one that appeared at another, the same apart from SKILL.md's name line,
     * into one rename, so the database row (and everything that points at its skill_id) stays. {@code keys} holds
     * the name-blind content key ({@link SkillMerge#renameKey}) of the candidates: the skill a removal would delete
     * (see {@link #sourceMove}; --no-delete's kept deletions included) and the skill a creation would copy (new in the
     * folder, or new in the database). A key more than one candidate
     * shares is ambiguous: those stay removals and creations.
     */
    static List<Step> pairRenames(List<Step> steps, Map<String, String> keys) {
        Map<String, List<Step>> gone = new java.util.HashMap<>();
        Map<String, List<Step>> born = new java.util.HashMap<>();
        for (Step s : steps) {
            String key = keys.get(s.path());
            if (key != null && sourceMove(s) != null) {
                gone.computeIfAbsent(key + sourceMove(s), k -> new ArrayList<>()).add(s);
            } else if (key != null && targetMove(s) != null) {
                born.computeIfAbsent(key + targetMove(s), k -> new ArrayList<>()).add(s);
            }
        }
        Map<String, Step> renamed = new java.util.HashMap<>();
        java.util.Set<String> dropped = new java.util.HashSet<>();
        gone.forEach((key, sources) -> {
            List<Step> targets = born.getOrDefault(key, List.of());
            if (sources.size() == 1 && targets.size() == 1) {
                Step a = sources.get(0);
                Step b = targets.get(0);
                Step r = sourceMove(a) == Moved.IN_FOLDER
                        ? new Step(b.path(), Action.RENAME_IN_DB, "moved in the folder from " + a.path(),
                                b.localHash(), a.dbHash(), false, a.path(), null)
                        : new Step(b.path(), Action.RENAME_LOCAL, "moved in the database from " + a.path(),
                                a.localHash(), b.dbHash(), false, a.path(), null);
                renamed.put(b.path(), r);
                dropped.add(a.path());
            }
        });
        List<Step> out = new ArrayList<>();
        for (Step s : steps) {
            if (!dropped.contains(s.path())) {
                out.add(renamed.getOrDefault(s.path(), s));
            }
        }
        return out;
    }

    /** Where a skill moved, when a rename explains a removal and a creation. */
    enum Moved { IN_FOLDER, IN_DB }

    /**
     * Where the skill a step deletes may have moved: in the folder (its folder is gone, its row live: archived, or
     * kept by --no-delete) or in the database (its row left the path: the folder would be removed, or kept by
     * --no-delete). Null: not a deletion a rename can explain (an archived row, say).
     */
    static Moved sourceMove(Step s) {
        return switch (s.action()) {
            case ARCHIVE_IN_DB -> Moved.IN_FOLDER;
            case REMOVE_LOCAL -> s.dbHash() == null ? Moved.IN_DB : null;
            case DELETE_NOT_PROPAGATED -> s.localHash() == null ? Moved.IN_FOLDER : s.dbHash() == null ? Moved.IN_DB
                    : null;
            default -> null;
        };
    }

    /** Where the skill a step creates may have come from by a move: new in the folder, or new in the database. */
    static Moved targetMove(Step s) {
        if (s.action() == Action.CREATE_IN_DB && s.dbHash() == null) {
            return Moved.IN_FOLDER;
        }
        return s.action() == Action.CREATE_LOCAL && s.localHash() == null ? Moved.IN_DB : null;
    }

    /** A step that deletes a skill a rename may have moved (see {@link #pairRenames}). */
    static boolean isRenameSource(Step s) {
        return sourceMove(s) != null;
    }

    /** A step that copies a new skill a rename may have made (see {@link #pairRenames}). */
    static boolean isRenameTarget(Step s) {
        return targetMove(s) != null;
    }

    /**
     * True when a rename candidate's content key is read from the database copy (a row a move in the folder left
     * behind, a row new in the database), false when from the folder.
     */
    static boolean renameKeyFromDatabase(Step s) {
        return sourceMove(s) == Moved.IN_FOLDER || targetMove(s) == Moved.IN_DB;
    }

    private static Step conflict(String path, Policy policy, String why) {
        return switch (policy.prefer()) {
            case LOCAL -> new Step(path, Action.UPDATE_IN_DB, why + "; --prefer local wins", null, null, true);
            case DB -> new Step(path, Action.UPDATE_LOCAL, why + "; --prefer db wins", null, null, true);
            case NONE -> new Step(path, Action.CONFLICT, why);
        };
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
