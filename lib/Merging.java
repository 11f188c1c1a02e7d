import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a sync makes of a plan in which both sides moved: removals and creations of the same content under another
 * path become renames, skills changed on both sides are merged three-way against the base content
 * ({@link BaseStore}, {@link SkillMerge}), and merges an interrupted run committed but did not write into the folder
 * are finished. It keeps each merge's result for the run's two writes (the database's, then the folder's).
 */
final class Merging {
    private final LocalSide local;
    private final BaseStore store;
    private final SyncPlan.Policy policy;
    private final boolean strict;
    private final Consumer<String> warn;
    /** The result of each merge the run makes, by path, with the hash of the folder copy it merged. */
    private final Map<String, Merged> merged = new HashMap<>();

    private record Merged(Skill result, String localHash) {
    }

    /** {@code strict}: a merge whose SKILL.md breaks a lint rule is skipped, as a folder's would be (--strict). */
    Merging(LocalSide local, BaseStore store, SyncPlan.Policy policy, boolean strict, Consumer<String> warn) {
        this.local = local;
        this.store = store;
        this.policy = policy;
        this.strict = strict;
        this.warn = warn;
    }

    /**
     * What the sync makes of the plan when both sides moved: removals and creations of the same content under
     * another path become renames, and skills changed on both sides are merged three-way against the content of
     * the last sync (a merge that cannot be made becomes a conflict, saying why).
     */
    List<SyncPlan.Step> mergeAndRename(List<SyncPlan.Step> steps, Map<String, String> base, DatabaseSide db)
            throws SQLException, IOException {
        steps = renames(steps, base, db);
        Map<String, SyncPlan.Step> merges = new LinkedHashMap<>();
        steps.stream().filter(s -> s.action() == SyncPlan.Action.MERGE).forEach(s -> merges.put(s.path(), s));
        if (merges.isEmpty()) {
            return steps;
        }
        Map<String, SyncPlan.Step> outcome = new LinkedHashMap<>();
        db.fetch(merges.keySet(), f -> {
            SyncPlan.Step s = merges.get(f.row().path());
            outcome.put(s.path(), merge(s, base.get(s.path()), f.skill()));
        });
        List<SyncPlan.Step> out = new ArrayList<>();
        for (SyncPlan.Step s : steps) {
            out.add(s.action() == SyncPlan.Action.MERGE ? outcome.getOrDefault(s.path(), SyncPlan.mergeFailed(s,
                    policy, "the database row went away while this run was planning")) : s);
        }
        return out;
    }

    /** One skill's merge: the step with the merge's result, or the step a failed merge becomes. */
    private SyncPlan.Step merge(SyncPlan.Step s, String baseHash, Skill dbCopy) {
        if (!dbCopy.hash().equals(s.dbHash())) {
            return SyncPlan.mergeFailed(s, policy, "changed in the database while this run was planning");
        }
        Skill localCopy;
        try {
            localCopy = local.read(s.path());
        } catch (IOException e) {
            return SyncPlan.Step.unreadable(s.path(), e);
        }
        if (!localCopy.hash().equals(s.localHash())) {
            return SyncPlan.mergeFailed(s, policy, "changed in the folder while this run was planning");
        }
        SkillMerge.Result r = SkillMerge.merge(store.load(s.path(), baseHash), localCopy, dbCopy);
        if (r.conflict() != null) {
            return SyncPlan.mergeFailed(s, policy, r.conflict());
        }
        // Linted as any skill sent to the database (the merge already parsed and validated).
        List<String> lint = r.lint();
        if (!lint.isEmpty() && strict) {
            return new SyncPlan.Step(s.path(), SyncPlan.Action.SKIP, "the merge's SKILL.md: " + String.join("; ", lint)
                    + " (--strict)");
        }
        lint.forEach(problem -> warn.accept("lint: " + s.path() + ": " + problem));
        merged.put(s.path(), new Merged(r.merged(), s.localHash()));
        return s.merged(r.merged().hash(), SkillMerge.describe(r.notes()));
    }

    /**
     * Pairs removals with creations of the same content apart from SKILL.md's name line (see
     * {@link SyncPlan#pairRenames}). The candidates' keys come from the database copy (a row to archive, a new row)
     * or the folder (a folder to remove, a new folder): only skills the plan would delete or create are read.
     */
    private List<SyncPlan.Step> renames(List<SyncPlan.Step> steps, Map<String, String> base, DatabaseSide db)
            throws SQLException, IOException {
        List<SyncPlan.Step> sources = steps.stream().filter(SyncPlan::isRenameSource).toList();
        List<SyncPlan.Step> targets = steps.stream().filter(s -> SyncPlan.isRenameTarget(s)
                && !base.containsKey(s.path())).toList();
        if (sources.isEmpty() || targets.isEmpty()) {
            return local.placeRenames(steps);
        }
        Map<String, String> keys = new HashMap<>();
        List<String> fromDb = new ArrayList<>();
        for (SyncPlan.Step s : java.util.stream.Stream.concat(sources.stream(), targets.stream()).toList()) {
            if (SyncPlan.renameKeyFromDatabase(s)) {
                fromDb.add(s.path());
            } else {
                try {
                    keys.put(s.path(), SkillMerge.renameKey(local.read(s.path())));
                } catch (IOException e) {
                    // Unreadable: it cannot be paired, and the step it has says so when it runs.
                }
            }
        }
        db.fetch(fromDb, f -> keys.put(f.row().path(), SkillMerge.renameKey(f.skill())));
        return local.placeRenames(SyncPlan.pairRenames(steps, keys));
    }

    /**
     * What a step sends to the database: a merge's result (while the folder still holds what the merge read; else
     * the folder's copy, which then fails the step's check as changed meanwhile), else the folder's copy.
     */
    Skill toSend(String path) throws IOException {
        Merged m = merged.get(path);
        Skill folder = local.read(path);
        return m != null && folder.hash().equals(m.localHash()) ? m.result() : folder;
    }

    /**
     * Finishes what an interrupted run committed to and did not write into the folder. A merge: while the folder
     * still holds what the merge read and the row holds the merge, the folder's copy stands as the base, so the plan
     * brings the merge down. A move: while the folder has been moved and the row is at the new path, the moved folder
     * stands as the new path's base and the old path leaves the base, so the plan brings the row's content down.
     * Any other case is planned as it is (merged or moved again, or a conflict): nothing is lost. {@code inPlay} is
     * the base the plan reads, {@code base} the whole recorded one.
     */
    void finishInterrupted(List<SyncState.Pending> pending, Map<String, SyncPlan.Side> localSides,
            Map<String, DatabaseSide.Row> rows, Map<String, String> inPlay, Map<String, String> base) {
        for (SyncState.Pending m : pending) {
            SyncPlan.Side l = localSides.get(m.path());
            DatabaseSide.Row d = rows.get(m.path());
            if (l == null || d == null || !m.localHash().equals(l.hash()) || !m.resultHash().equals(d.hash())) {
                continue;
            }
            if (m.from() == null && inPlay.containsKey(m.path())) {
                inPlay.put(m.path(), m.localHash());
                warn.accept("finishing the merge of " + m.path() + " that an interrupted run committed to the "
                        + "database");
            } else if (m.from() != null && inPlay.containsKey(m.from()) && !localSides.containsKey(m.from())) {
                for (Map<String, String> b : List.of(inPlay, base)) {
                    b.remove(m.from());
                    b.put(m.path(), m.localHash());
                }
                warn.accept("finishing the move of " + m.from() + " -> " + m.path() + " that an interrupted run began");
            }
        }
    }

    /** What a merge made of the skill at {@code path}, for the folder write. */
    Skill result(String path) {
        return merged.get(path).result();
    }

    /**
     * Records, just before the commit, the merges the database side is about to commit and the folders the run is
     * about to move, so a run stopped after the commit and before the folder writes is finished by the next one
     * ({@link #finishInterrupted}).
     */
    void journal(Path stateFile, List<SyncPlan.Step> done) throws IOException {
        List<SyncState.Pending> merges = new ArrayList<>();
        for (SyncPlan.Step m : done) {
            if (m.action() == SyncPlan.Action.MERGE) {
                merges.add(new SyncState.Pending(m.path(), null, m.localHash(), m.resultHash()));
            } else if (m.action() == SyncPlan.Action.RENAME_LOCAL) {
                merges.add(new SyncState.Pending(m.path(), m.from(), m.localHash(), m.dbHash()));
            }
        }
        if (!merges.isEmpty()) {
            SyncState.savePending(stateFile, merges);
        }
    }
}
