import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The flat layout of an agent's skills folder: each skill at {@code <folder>/<name>/}, where the name is the last
 * segment of its database path, while the database keeps the nested path. In a flat folder the name is what a folder
 * stands for, so {@link #place} pairs each name with at most one database path, one to one:
 * <ol>
 * <li>the one row of that name in scope (live; import: any status it lists). When the last sync recorded the name
 * at another path that is gone from the database, the row moved: the recorded base follows it. When that other path
 * is still in the database (live elsewhere, or archived), the folder stays with it and the row in scope is refused;
 * </li>
 * <li>else the path the last sync recorded for the name (when that path is gone and one live row of the name is
 * elsewhere, out of scope, the skill moved there and the folder follows it, out of play);</li>
 * <li>else, for a folder, the one archived row of its name (a skill deleted and put back is restored, not
 * created twice);</li>
 * <li>else, for a folder, a new skill at {@code <name>} or {@code PREFIX/<name>} (--skill-path).</li>
 * </ol>
 * Refused, each such path named in one line, neither the folder nor a row touched: two rows of one name in scope; a
 * state recording a name twice; a folder of rules 3 and 4 whose name a live skill outside the scope has; a new path
 * that would nest with another skill's. While a new folder is refused, a skill whose folder is gone is refused too
 * rather than archived: the refused folder may be it, renamed. A skill folder below the top level is no skill of the
 * flat layout: when its name stands for a path, that skill is skipped (never archived for being "missing"). Pure:
 * the folder side ({@link LocalSide}) lists and applies.
 */
final class FlatLayout {
    private FlatLayout() {
    }

    /** The folder a skill lives in: the last segment of its database path. */
    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * What the folder's names stand for. {@code pathOf}: top-level folder to the path it stands for (in scope or
     * not); {@code moved}: recorded path to the path its name now stands for (the base follows); {@code refused}: path
     * in scope to the one-line reason it is skipped on both sides; {@code misplaced}: path to the skill folder below
     * the top level that holds its name; {@code created}: paths given to folders that are new skills;
     * {@code unsent}: names of new folders refused; {@code restoreLater}: a new path to the archived row its folder
     * would have restored, had another skill's folder not gone in the same sync (a rename, or skipped this run);
     * {@code scope}: the run's; {@code paths}: every path of the database.
     */
    record Placement(Map<String, String> pathOf, Map<String, String> moved, Map<String, String> refused,
            Map<String, String> misplaced, Set<String> created, Set<String> unsent, Map<String, String> restoreLater,
            Scope scope, java.util.NavigableSet<String> paths) {

        /**
         * Where a skill renamed in the flat folder goes in the database: beside its old path, under the new name
         * ({@code a/x} renamed to the folder {@code y} becomes {@code a/y}, keeping its place in the taxonomy),
         * unless that path is a row's, would nest with one, is another folder's ({@code folders}) or is out of
         * scope; null to keep {@code to}. Only a path given to a new folder moves.
         */
        String renamed(String from, String to, java.util.function.Predicate<String> folders) {
            int slash = from.lastIndexOf('/');
            if (slash < 0 || !created.contains(to)) {
                return null;
            }
            String beside = from.substring(0, slash + 1) + name(to);
            return beside.equals(to) || paths.contains(beside) || nesting(beside, paths) != null
                    || folders.test(beside) || !scope.contains(beside) ? null : beside;
        }
    }

    /**
     * Places a flat folder's skills. {@code folders}: the top-level skill folders; {@code deeper}: skill folders
     * below the top level (relative paths); {@code rows}: the database rows the run listed (in scope), path to
     * archived; {@code everywhere}: every row of the database, path to status (the rows out of scope);
     * {@code recorded}: the paths of the last sync's base.
     */
    static Placement place(Collection<String> folders, Collection<String> deeper, Map<String, Boolean> rows,
            Map<String, String> everywhere, Collection<String> recorded, Scope scope, SyncPlan.Mode mode) {
        Map<String, Group> groups = new TreeMap<>();
        folders.forEach(f -> group(groups, f).folder = true);
        for (String d : deeper) {
            group(groups, name(d)).deeper.add(d);
        }
        rows.forEach((path, archived) -> {
            Group g = group(groups, name(path));
            (archived && mode != SyncPlan.Mode.IMPORT ? g.archived : g.rows).add(path);
        });
        recorded.forEach(p -> group(groups, name(p)).recorded.add(p));

        java.util.NavigableSet<String> paths = new TreeSet<>(everywhere.keySet());
        Placement out = new Placement(new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(),
                new HashSet<>(), new TreeSet<>(), new TreeMap<>(), scope, paths);
        Map<String, List<String>> live = new java.util.HashMap<>();
        everywhere.forEach((p, status) -> {
            if (Group.live(status)) {
                live.computeIfAbsent(name(p), n -> new ArrayList<>()).add(p);
            }
        });
        boolean anyGone = mode == SyncPlan.Mode.SYNC && groups.values().stream().anyMatch(g -> !g.folder
                && g.recorded.size() == 1 && scope.contains(g.recorded.iterator().next())
                && Group.live(everywhere.get(g.recorded.iterator().next())));
        groups.forEach((name, g) -> {
            g.name = name;
            g.renamesPossible = anyGone;
            g.place(name, scope, mode, everywhere, live.getOrDefault(name, List.of()), paths, out);
        });
        if (!out.unsent().isEmpty()) {
            // A new folder that cannot be sent may be a skill renamed there: while it is, no skill whose folder is
            // gone is taken as deleted (archived).
            groups.forEach((name, g) -> {
                String gone = g.folder || g.recorded.size() != 1 ? null : g.recorded.iterator().next();
                if (gone != null && scope.contains(gone) && !out.refused().containsKey(gone)
                        && mode == SyncPlan.Mode.SYNC && Group.live(everywhere.get(gone))) {
                    out.refused().put(gone, "its folder " + name + "/ is gone while the new folder" + (out.unsent()
                            .size() == 1 ? " " : "s ") + String.join(", ", out.unsent().stream().map(n -> n + "/")
                            .toList()) + " cannot be sent (see its line), which may be this skill renamed: not "
                            + "archived until that folder is renamed or removed");
                }
            });
        }
        return out;
    }

    private static Group group(Map<String, Group> groups, String name) {
        return groups.computeIfAbsent(name, n -> new Group());
    }

    /** Everything of one name: the folder, the rows, the recorded paths. */
    private static final class Group {
        String name;
        /** A skill's folder is gone in this sync: a folder that looks new may be it, renamed. */
        boolean renamesPossible;
        boolean folder;
        final Set<String> deeper = new TreeSet<>();
        final Set<String> rows = new TreeSet<>();
        final Set<String> archived = new TreeSet<>();
        final Set<String> recorded = new TreeSet<>();

        void place(String name, Scope scope, SyncPlan.Mode mode, Map<String, String> everywhere, List<String> named,
                java.util.NavigableSet<String> paths, Placement out) {
            if (rows.size() > 1) {
                refuse(out, scope, mode, union(rows, recorded), (rows.size() == 2 ? "two" : rows.size())
                        + " skills named '" + name + "' in scope (" + String.join(", ", rows) + ") would share the "
                        + "folder " + name + "/ of the flat layout: none synced (narrow --skill-path, or rename one)");
                return;
            }
            if (recorded.size() > 1) {
                refuse(out, scope, mode, union(rows, recorded), "the sync state records " + recorded.size()
                        + " skills named '" + name + "' (" + String.join(", ", recorded) + ") for the one folder "
                        + name + "/ of the flat layout: none synced (rename one in the database, then run with "
                        + "--resync)");
                return;
            }
            String row = rows.isEmpty() ? null : rows.iterator().next();
            String last = recorded.isEmpty() ? null : recorded.iterator().next();
            // The recorded skill is still in the database (live or archived): the folder holds that skill.
            boolean lastKept = last != null && (mode == SyncPlan.Mode.IMPORT ? live(everywhere.get(last))
                    : everywhere.containsKey(last));
            // Live skills of this name the run did not list (outside --skill-path or --status), the recorded one aside.
            Set<String> elsewhere = new TreeSet<>();
            for (String p : named) {
                if (!rows.contains(p) && !archived.contains(p) && !p.equals(last)) {
                    elsewhere.add(p);
                }
            }
            String path;
            if (row != null && last != null && !row.equals(last)) {
                if (lastKept) {
                    // The folder holds the recorded skill, which is still in the database (out of scope, of another
                    // status, or archived): the row in scope is another skill of the same name.
                    refuse(out, scope, mode, List.of(row), "'" + name + "' at " + row + " would share the folder "
                            + name + "/ of the flat layout with " + last + ", which the folder holds since the last "
                            + "sync: not synced (rename one; if " + last + " is archived, sync-db removes its folder "
                            + "first)");
                    path = last;
                } else {
                    // The recorded row left its path (moved in the taxonomy): the folder follows the one live row
                    // of its name.
                    out.moved().put(last, row);
                    path = row;
                }
            } else if (row != null) {
                path = row;
            } else if (last != null && !lastKept && !elsewhere.isEmpty()) {
                if (elsewhere.size() > 1) {
                    refuse(out, scope, mode, List.of(last), "the skill '" + name + "' the folder " + name + "/ holds "
                            + "left " + last + ", and " + elsewhere.size() + " live skills of its name are elsewhere ("
                            + String.join(", ", elsewhere) + "): not synced (sync without --skill-path, or rename "
                            + "one)");
                    return;
                }
                // The recorded skill moved out of this run's scope: the folder follows it, out of play.
                path = elsewhere.iterator().next();
                out.moved().put(last, path);
            } else if (last != null) {
                path = last;
            } else if (!folder) {
                return;
            } else if (!elsewhere.isEmpty()) {
                String at = archived.size() == 1 ? archived.iterator().next() : under(scope, name);
                refuse(out, scope, mode, List.of(at), "a live skill named '" + name + "' exists at "
                        + String.join(", ", elsewhere) + ", outside this run's scope: the folder " + name + "/ is not "
                        + "sent (sync without --skill-path or --status, or rename the folder)");
                return;
            } else if (archived.size() == 1 && !renamesPossible) {
                path = archived.iterator().next();
            } else {
                path = under(scope, name);
                String nested = nesting(path, paths);
                if (!archived.contains(path) && nested != null) {
                    refuse(out, scope, mode, List.of(path), "a new skill at " + path + " " + nested + " (paths "
                            + "cannot nest): the folder " + name + "/ is not sent (rename it, or place it with "
                            + "--skill-path)");
                    return;
                }
                if (!archived.contains(path)) {
                    out.created().add(path);
                }
                if (archived.size() == 1) {
                    // Put back where an archived skill was, while another skill's folder is gone: a rename pairs it
                    // with that skill; otherwise it waits for the next sync, which restores the archived row.
                    out.restoreLater().put(path, archived.iterator().next());
                }
            }
            if (folder && !deeper.isEmpty()) {
                refuse(out, scope, mode, List.of(path), "both " + name + "/ and " + deeper.iterator().next()
                        + "/ hold a skill named '" + name + "': neither synced (remove one; the flat layout holds "
                        + "each skill at <name>/)");
                return;
            }
            if (folder) {
                out.pathOf().put(name, path);
            } else if (!deeper.isEmpty()) {
                out.misplaced().put(path, deeper.iterator().next());
            }
        }

        private static boolean live(String status) {
            return status != null && !status.equals("archived");
        }

        /**
         * Refuses these paths (those in scope). A one-way export refuses only names the folder holds: the database's
         * other rows are not in play.
         */
        private void refuse(Placement out, Scope scope, SyncPlan.Mode mode, Collection<String> paths, String why) {
            if (mode == SyncPlan.Mode.EXPORT && !folder) {
                return;
            }
            if (folder && recorded.isEmpty()) {
                out.unsent().add(name);
            }
            paths.stream().filter(scope::contains).forEach(p -> out.refused().put(p, why));
        }

        private static Set<String> union(Set<String> a, Set<String> b) {
            Set<String> all = new TreeSet<>(a);
            all.addAll(b);
            return all;
        }
    }

    /** A new skill's path: {@code <name>}, or {@code PREFIX/<name>} under --skill-path. */
    private static String under(Scope scope, String name) {
        return scope.pathPrefix().isEmpty() ? name : scope.pathPrefix() + "/" + name;
    }

    /**
     * Why a skill at {@code path} would nest with one of {@code paths} (a skill's folder cannot hold another), or
     * null: "would hold the skill a/b", "would lie inside the skill a".
     */
    static String nesting(String path, java.util.NavigableSet<String> paths) {
        String inner = paths.ceiling(path + "/");
        if (inner != null && inner.startsWith(path + "/")) {
            return "would hold the skill " + inner;
        }
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
            if (paths.contains(path.substring(0, slash))) {
                return "would lie inside the skill " + path.substring(0, slash);
            }
        }
        return null;
    }
}
