import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The flat layout of an agent's skills folder: each skill at {@code <folder>/<name>/}, where the name is the last
 * segment of its database path, while the database keeps the nested path. Which path a folder stands for comes from
 * the sync state (its skill paths are database paths: the folder {@code python} stands for the recorded
 * {@code development/languages/python}); a folder the state does not know is a new skill at {@code <name>}, or
 * {@code PREFIX/<name>} with --skill-path. The plan, the engine and the database side see database paths only; the
 * folder side translates (see LocalSide).
 */
final class FlatLayout {
    private final String prefix;
    /** Folder name -> the database path the last sync recorded for it (names recorded twice are left out). */
    private final Map<String, String> recorded = new HashMap<>();

    FlatLayout(String prefix, Collection<String> recordedPaths) {
        this.prefix = prefix;
        Set<String> twice = new HashSet<>();
        for (String p : recordedPaths) {
            if (recorded.put(name(p), p) != null) {
                twice.add(name(p));
            }
        }
        twice.forEach(recorded::remove);
    }

    /** The folder a skill lives in: the last segment of its database path. */
    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** The database path a top-level folder stands for. */
    String pathOf(String folder) {
        String known = recorded.get(folder);
        if (known != null) {
            return known;
        }
        return prefix.isEmpty() ? folder : prefix + "/" + folder;
    }

    /** True when the last sync recorded which path this folder stands for. */
    boolean recorded(String folder) {
        return recorded.containsKey(folder);
    }

    /**
     * Skills in scope that would share one folder: path -> the one-line reason it is refused, naming every path of
     * that name. {@code paths} are the database paths in play on either side.
     */
    static Map<String, String> sameNames(Collection<String> paths) {
        Map<String, Set<String>> byName = new TreeMap<>();
        paths.forEach(p -> byName.computeIfAbsent(name(p), n -> new TreeSet<>()).add(p));
        Map<String, String> refused = new TreeMap<>();
        byName.forEach((name, group) -> {
            if (group.size() > 1) {
                List<String> all = new ArrayList<>(group);
                String reason = (all.size() == 2 ? "two" : all.size()) + " skills named '" + name + "' in scope (" + String.join(", ", all) + ") would "
                        + "share the folder " + name + "/ of the flat layout: neither synced (narrow --skill-path, "
                        + "or rename one)";
                all.forEach(p -> refused.put(p, reason));
            }
        });
        return refused;
    }

    /**
     * The local skills with each folder the last sync did not record and the database holds exactly one skill of its
     * name for (and no folder stands for yet) keyed by that skill's path: a copy installed by hand, or a folder whose
     * state was deleted, is compared with its row instead of becoming a new skill.
     */
    <V> Map<String, V> claim(Map<String, V> local, Collection<String> dbPaths) {
        Map<String, List<String>> byName = new HashMap<>();
        dbPaths.forEach(p -> byName.computeIfAbsent(name(p), n -> new ArrayList<>()).add(p));
        Map<String, V> claimed = new java.util.LinkedHashMap<>();
        local.forEach((path, side) -> {
            List<String> rows = byName.getOrDefault(name(path), List.of());
            boolean one = !recorded(name(path)) && !dbPaths.contains(path) && rows.size() == 1
                    && !local.containsKey(rows.get(0));
            claimed.put(one ? rows.get(0) : path, side);
        });
        return claimed;
    }
}
