/**
 * Which skills a run puts in play, on both sides alike: a status ('all' for any) and a skill path prefix ('' for
 * all, else that skill and the skills below it). The folder filters its listing with {@link #contains}; the database
 * binds the same two values into its listing query.
 */
record Scope(String status, String pathPrefix) {
    static final Scope ALL = new Scope("all", "");

    /** A skill path or prefix as users type it: "./dev/", "dev/" and "dev" are the same; null is "". */
    static String path(String typed) {
        String p = typed == null ? "" : typed.strip();
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    boolean contains(String path) {
        return pathPrefix.isEmpty() || path.equals(pathPrefix) || path.startsWith(pathPrefix + "/");
    }

    boolean anyStatus() {
        return status.equals("all");
    }

    /** The same paths, every status: sync lists every status and narrows by either side's status itself. */
    Scope everyStatus() {
        return new Scope("all", pathPrefix);
    }
}
