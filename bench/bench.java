///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Benchmark skill-fleet sync: export, no-op sync, 1% changed sync, an update-heavy sync with and without history, import of N generated skills and of N service-written rows
//JAVA 17+
//SOURCES ../lib/*.java

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Generates a corpus (--corpus generated: synthetic skills, a 2-10 KB SKILL.md and 0-5 supporting files, some
 * binary; --corpus real: text-heavy skills derived from the shared real skills; both in a two-level taxonomy) and
 * times the real commands on it, each as a fresh process through ./jbang (JVM start included, JBang's cache warm):
 * export of N new skills, a no-op sync, a sync after 1% of the skills changed on each side (the database side as API
 * edits), a sync of 1,000 changed skills without and with history (the cost of keeping the versions it replaces), an
 * import of N skills into an empty folder, and an import of N rows the service wrote (no skill_fleet_skill_meta row).
 * Prints a Markdown table with wall time, skills/s, peak RSS and, on PostgreSQL, floors measured in the same run and
 * the ratio to them: export, psql \copy of the very rows the tool wrote into an empty database with the same schema;
 * import, \copy ... to of those rows plus cp -a of the folder; no-op sync, find -printf of the folder plus the
 * listing query through psql plus a JVM start. With --latency-ms, the PostgreSQL runs go through a TCP proxy on
 * loopback that delays every packet (the floors stay local).
 */
@Command(name = "bench", mixinStandardHelpOptions = true)
class bench implements Callable<Integer> {
    @Option(names = "--sizes", split = ",", defaultValue = "1000,10000", description = "Corpus sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(names = "--db", description = "PostgreSQL server URL to create throwaway databases on (default: DATABASE_URL, else SQLite only).")
    String db;

    // Not a negatable --sqlite: with a default of true, picocli's --no-sqlite sets it to the default, true.
    @Option(names = "--no-sqlite", description = "Run on PostgreSQL only (by default SQLite runs too).")
    boolean noSqlite;

    @Option(names = "--latency-ms", defaultValue = "0", description = "Round-trip delay added on the PostgreSQL link (default: ${DEFAULT-VALUE}).")
    int latencyMs;

    @Option(names = "--work", description = "Scratch folder (default: a temporary folder, deleted afterwards).")
    Path work;

    @Option(names = "--corpus", defaultValue = "generated", description = "generated: synthetic skills, one in five"
            + " files binary; real: text-heavy skills derived from the real skills in SKILL_FLEET_CORPUS, else"
            + " ../shared/corpora/anthropic-skills (default: ${DEFAULT-VALUE}).")
    Corpus corpus;

    @Option(names = "--generate-only", description = "Generate each corpus, print its skills, files and MB, time nothing.")
    boolean generateOnly;

    enum Corpus { generated, real }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    final Path repo = Path.of("").toAbsolutePath();
    final List<String> table = new ArrayList<>();

    public static void main(String... args) {
        System.exit(new CommandLine(new bench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (db == null) {
            db = System.getenv("DATABASE_URL");
        }
        Path source = null;
        if (corpus == Corpus.real) {
            String env = System.getenv("SKILL_FLEET_CORPUS");
            source = env != null && !env.isEmpty() ? Path.of(env) : repo.resolve("../shared/corpora/anthropic-skills").normalize();
            if (!Files.isDirectory(source) || SkillFolder.list(source, w -> { }).isEmpty()) {
                spec.commandLine().getErr().println("bench: no real skills in " + source
                        + ": set SKILL_FLEET_CORPUS to a folder of skills (each a folder with a SKILL.md)");
                return 2;
            }
        }
        Path root = work != null ? Files.createDirectories(work) : Files.createTempDirectory("skill-fleet-bench");
        if (generateOnly) {
            try {
                for (int n : sizes) {
                    Path dir = root.resolve("corpus-" + corpus + "-" + n + "/skills");
                    System.out.println(summary(dir, generate(dir, n, source)));
                    if (work == null) {
                        SkillFolder.deleteTree(dir.getParent());
                    }
                }
            } finally {
                if (work == null) {
                    SkillFolder.deleteTree(root);
                }
            }
            return 0;
        }
        for (String script : List.of("export_to_db.java", "import_from_db.java", "sync_db.java")) {
            // Warm JBang's cache: the first run of a changed script compiles it, which is not what is measured.
            new ProcessBuilder(repo.resolve("jbang").toString(), repo.resolve(script).toString(), "--version")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
        table.add("| database | N | operation | wall s | skills/s | peak RSS MB | floor s | × floor |");
        table.add("|---|---|---|---|---|---|---|---|");
        try {
            for (int n : sizes) {
                Path corpus = root.resolve("corpus-" + this.corpus + "-" + n + "/skills");
                System.err.println(summary(corpus, generate(corpus, n, source)));
                if (db != null) {
                    runAll("postgresql" + (latencyMs > 0 ? " +" + latencyMs + " ms RTT" : ""), n, corpus, root, true);
                }
                if (!noSqlite && latencyMs == 0) {
                    runAll("sqlite", n, corpus, root, false);
                }
            }
        } finally {
            if (work == null) {
                SkillFolder.deleteTree(root);
            }
        }
        table.forEach(System.out::println);
        return 0;
    }

    void runAll(String label, int n, Path corpus, Path root, boolean postgres) throws Exception {
        String name = "sf_bench_" + n + "_" + System.nanoTime() % 100000;
        String url;
        Proxy proxy = null;
        // Floors run psql against the server directly (without the --latency-ms proxy) and need a postgresql:// URL.
        String psqlUrl = postgres && commandExists("psql") && !db.startsWith("jdbc:") ? withDatabase(db, name) : null;
        if (postgres) {
            execute(db, "create database " + name);
            url = withDatabase(db, name);
            if (latencyMs > 0) {
                Database.Target t = Database.resolve(url, n2 -> null);
                String hostPort = t.jdbcUrl().replaceFirst("^jdbc:postgresql://([^/,]+)/.*$", "$1");
                proxy = new Proxy(hostPort, latencyMs / 2);
                url = url.replace(hostPort, "127.0.0.1:" + proxy.port());
            }
        } else {
            url = "jdbc:sqlite:" + root.resolve(name + ".db");
        }
        Path folder = root.resolve(label.replace(' ', '_') + "-" + n + "/skills");
        SkillFolder.deleteTree(folder.getParent());
        copy(corpus, folder);
        Path rows = root.resolve(name + "-rows");
        try {
            double[] export = time("export_to_db.java", "-s", folder.toString(), "--db", url);
            List<String> tables = null;
            Double exportFloor = null;
            if (psqlUrl != null) {
                tables = filledTables(withDatabase(db, name));
                Files.createDirectories(rows);
                copyOut(psqlUrl, tables, rows);
                exportFloor = copyIntoEmptyDatabase(n, tables, rows);
            }
            row(label, n, "export of N new skills", export, exportFloor);
            double[] noop = time("sync_db.java", "-s", folder.toString(), "--db", url);
            if (psqlUrl != null) {
                double find = timeProcess("find", folder.toString(), "-printf", "%s %T@ %p\n");
                double query = timeProcess("psql", psqlUrl, "-Atq", "-c", LISTING_FLOOR);
                double jvm = timeProcess(ProcessHandle.current().info().command().orElse("java"), "-version");
                row(label, n, String.format(Locale.ROOT, "no-op sync (floor: find -printf %.2f s + listing query %.2f s"
                        + " + JVM start %.2f s)", find, query, jvm), noop, find + query + jvm);
            } else {
                row(label, n, "no-op sync", noop, null);
            }
            // Start-up alone: the wrapper (its launch cache warm from the runs above), the JVM, picocli.
            row(label, n, "sync-db --help (start-up only)", time("sync_db.java", "--help"), null, 0);
            changeOnePercent(folder, url, n);
            row(label, n, "sync, 1% changed on each side", time("sync_db.java", "-s", folder.toString(), "--db", url), null);
            changeSkills(folder, 1000);
            row(label, n, "export of 1,000 changed skills", time("export_to_db.java", "-s", folder.toString(), "--db", url),
                    null, 1000);
            // What keeping history costs an update-heavy run: the same sync of 1,000 changed skills without it,
            // alternated twice and the faster of each kept, so a noisy moment does not decide the ratio.
            double[] off = null;
            double[] kept = null;
            for (int round = 0; round < 2; round++) {
                changeSkills(folder, 1000);
                off = faster(off, time(java.util.Map.of("SKILL_FLEET_HISTORY", "off"), "sync_db.java", "-s",
                        folder.toString(), "--db", url));
                changeSkills(folder, 1000);
                kept = faster(kept, time("sync_db.java", "-s", folder.toString(), "--db", url));
            }
            row(label, n, "sync of 1,000 changed skills, history off", off, null, 1000);
            row(label, n, String.format(Locale.ROOT, "sync of 1,000 changed skills, history kept (%.2f× off)",
                    kept[0] / off[0]), kept, null, 1000);
            Path empty = root.resolve(label.replace(' ', '_') + "-" + n + "-import/skills");
            SkillFolder.deleteTree(empty.getParent());
            String importOp = "import of N skills into an empty folder";
            Double importFloor = null;
            if (psqlUrl != null) {
                // The same tables as the export floor, as they are now (the rows the import reads), and the folder.
                SkillFolder.deleteTree(rows);
                Files.createDirectories(rows);
                double out = copyOut(psqlUrl, tables, rows);
                Path copied = root.resolve(name + "-cp");
                double cp = timeProcess("cp", "-a", folder.toString(), copied.toString());
                SkillFolder.deleteTree(copied);
                importFloor = out + cp;
                importOp += String.format(Locale.ROOT, " (floor: \\copy to %.2f s + cp -a %.2f s)", out, cp);
            }
            row(label, n, importOp,
                    time("import_from_db.java", "--status", "all", "-s", empty.toString(), "--db", url), importFloor);
            SkillFolder.deleteTree(empty.getParent());
            insertServiceRows(url, n);
            row(label, n, "import of N service-written skills (no skill_fleet_skill_meta)",
                    time("import_from_db.java", "--skill-path", "service", "-s", empty.toString(), "--db", url), null);
            SkillFolder.deleteTree(empty.getParent());
        } finally {
            SkillFolder.deleteTree(rows);
            if (proxy != null) {
                proxy.close();
            }
            if (postgres) {
                execute(db, "drop database if exists " + name + " with (force)");
            }
        }
    }

    static double[] faster(double[] a, double[] b) {
        return a == null || b[0] < a[0] ? b : a;
    }

    void row(String label, int n, String op, double[] result, Double floor) {
        row(label, n, op, result, floor, n);
    }

    void row(String label, int n, String op, double[] result, Double floor, int skills) {
        table.add(String.format(Locale.ROOT, "| %s | %,d | %s | %.2f | %,.0f | %s | %s | %s |", label, n, op,
                result[0], skills / result[0], result[1] > 0 ? String.format(Locale.ROOT, "%.0f", result[1]) : "n/a",
                floor == null ? "" : String.format(Locale.ROOT, "%.2f", floor),
                floor == null ? "" : String.format(Locale.ROOT, "%.2f", result[0] / floor)));
        System.err.println(table.get(table.size() - 1));
    }

    /** Runs one command through ./jbang as users do; returns {wall seconds, peak RSS MB}. */
    double[] time(String script, String... args) throws Exception {
        return time(java.util.Map.of(), script, args);
    }

    /** The same with variables added to the command's environment. */
    double[] time(java.util.Map<String, String> env, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        Path timeBin = Path.of("/usr/bin/time");
        Path rss = Files.createTempFile("rss", ".txt");
        if (Files.isExecutable(timeBin)) {
            cmd.addAll(List.of(timeBin.toString(), "-f", "%M", "-o", rss.toString()));
        }
        cmd.add(repo.resolve("jbang").toString());
        cmd.add(repo.resolve(script).toString());
        cmd.addAll(List.of(args));
        cmd.add("-q");
        long start = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        double wall = (System.nanoTime() - start) / 1e9;
        if (code != 0) {
            throw new IllegalStateException(script + " exited " + code + ": " + output);
        }
        String kb = Files.readString(rss).strip();
        Files.delete(rss);
        return new double[] {wall, kb.isEmpty() ? -1 : Long.parseLong(kb.lines().reduce((a, b) -> b).orElse("0")) / 1024.0};
    }

    /**
     * What a no-op sync must read from the database at least, for the no-op floor: each skill's path with the hash
     * and row fingerprint this tool recorded (the tool's own listing also recomputes the fingerprints).
     */
    static final String LISTING_FLOOR = "select s.skill_path, m.content_hash, m.fingerprint from skills s"
            + " left join skill_fleet_skill_meta m on m.skill_id = s.skill_id";

    /** The tables that hold rows (every one the export filled), parents before the tables that reference them. */
    static List<String> filledTables(String url) throws Exception {
        List<String> tables = new ArrayList<>();
        java.util.Map<String, List<String>> parents = new java.util.HashMap<>();
        try (Connection c = Database.connect(Database.resolve(url, name -> System.getenv(name)));
                Statement st = c.createStatement()) {
            List<String> all = new ArrayList<>();
            try (var rs = st.executeQuery("select table_name from information_schema.tables"
                    + " where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name")) {
                while (rs.next()) {
                    all.add(rs.getString(1));
                }
            }
            for (String table : all) {
                try (var rs = st.executeQuery("select exists (select 1 from " + table + ")")) {
                    if (rs.next() && rs.getBoolean(1)) {
                        tables.add(table);
                    }
                }
            }
            try (var rs = st.executeQuery("select cast(conrelid as regclass), cast(confrelid as regclass)"
                    + " from pg_constraint where contype = 'f' and conrelid <> confrelid")) {
                while (rs.next()) {
                    parents.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        List<String> ordered = new ArrayList<>();
        for (int pass = 0; pass < tables.size() && ordered.size() < tables.size(); pass++) {
            for (String table : tables) {
                if (!ordered.contains(table) && parents.getOrDefault(table, List.of()).stream()
                        .allMatch(p -> ordered.contains(p) || !tables.contains(p))) {
                    ordered.add(table);
                }
            }
        }
        if (ordered.size() < tables.size()) {
            throw new IllegalStateException("foreign keys form a cycle among " + tables);
        }
        return ordered;
    }

    /** psql \copy ... to of the tables into dir, one file per table; returns the seconds it took. */
    static double copyOut(String psqlUrl, List<String> tables, Path dir) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("psql", psqlUrl, "-q", "-v", "ON_ERROR_STOP=1"));
        for (String table : tables) {
            cmd.addAll(List.of("-c", "\\copy " + table + " to '" + dir.resolve(table + ".tsv") + "'"));
        }
        return timeProcess(cmd.toArray(String[]::new));
    }

    /**
     * The export's floor: psql \copy ... from of the very rows the tool wrote (copied out of its database into dir)
     * into an empty database with the tool's schema, every table, parents first; returns the seconds it took.
     */
    Double copyIntoEmptyDatabase(int n, List<String> tables, Path dir) throws Exception {
        String name = "sf_floor_" + n + "_" + System.nanoTime() % 100000;
        execute(db, "create database " + name);
        try {
            String url = withDatabase(db, name);
            try (Connection c = Database.connect(Database.resolve(url, x -> null))) {
                Database.ensureSchema(c, Database.Dialect.POSTGRESQL);
            }
            List<String> cmd = new ArrayList<>(List.of("psql", url, "-q", "-v", "ON_ERROR_STOP=1"));
            for (String table : tables) {
                cmd.addAll(List.of("-c", "\\copy " + table + " from '" + dir.resolve(table + ".tsv") + "'"));
            }
            double seconds = timeProcess(cmd.toArray(String[]::new));
            System.err.println("export floor: \\copy from of " + String.join(", ", tables));
            return seconds;
        } finally {
            execute(db, "drop database if exists " + name + " with (force)");
        }
    }

    /** Runs a command with its output discarded (errors kept for the message); returns its wall seconds. */
    static double timeProcess(String... cmd) throws Exception {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (code != 0) {
            throw new IllegalStateException(cmd[0] + " exited " + code + ": " + err.strip());
        }
        return seconds;
    }

    /** The first {@code count} skills (or all) edited in the folder. */
    static void changeSkills(Path folder, int count) throws IOException {
        List<String> skills = SkillFolder.list(folder, w -> { });
        for (String skill : skills.subList(0, Math.min(count, skills.size()))) {
            Path md = folder.resolve(skill).resolve("SKILL.md");
            Files.writeString(md, Files.readString(md) + "\nChanged again.\n");
        }
    }

    /** 1% of the skills edited in the folder and another 1% edited through SQL, as an API would. */
    void changeOnePercent(Path folder, String url, int n) throws Exception {
        List<String> skills = SkillFolder.list(folder, w -> { });
        for (int i = 0; i < skills.size(); i += 100) {
            Path md = folder.resolve(skills.get(i)).resolve("SKILL.md");
            Files.writeString(md, Files.readString(md) + "\nEdited locally.\n");
        }
        execute(url, "update skills set skill_content = skill_content || 'Edited through the API.' "
                + "where skill_id % 100 = 50");
    }

    /**
     * N skills as the skill-fleet service writes them, under service/: a skills row (a 2.4 KB body) with a keyword
     * and a tag, and no skill_fleet_skill_meta row, so every one is fetched and its frontmatter rebuilt.
     */
    static void insertServiceRows(String url, int n) throws Exception {
        execute(url, "with recursive g (i) as (select 1 union all select i + 1 from g where i < " + n + ")"
                + " insert into skills (skill_path, name, description, type, status, skill_content)"
                + " select 'service/s' || i, 's' || i, 'Written by the service.', 'technical', 'active', 'Body ' || i"
                + " || '. " + "Written by the service, not by this tool. ".repeat(60) + "' from g");
        execute(url, "insert into skill_keywords (skill_id, keyword) select skill_id, 'service' from skills"
                + " where skill_path like 'service/%'");
        execute(url, "insert into skill_tags (skill_id, tag) select skill_id, 'service' from skills"
                + " where skill_path like 'service/%'");
    }

    static void execute(String url, String sql) throws Exception {
        try (Connection c = Database.connect(Database.resolve(url, name -> System.getenv(name)));
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static String withDatabase(String url, String name) {
        return url.replaceFirst("^([a-z:]+//[^/?]*)(/[^?]*)?", "$1/" + name);
    }

    static boolean commandExists(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    static final String[] WORDS = ("skill agent tool database query index schema migration test deploy review "
            + "python java typescript rust security performance latency cache batch stream config template example "
            + "reference guide workflow pipeline release version frontmatter markdown folder sync conflict").split(" ");

    /** The corpus of n skills at root (generated unless a --work folder already holds it): {files, bytes}. */
    long[] generate(Path root, int n, Path source) throws IOException {
        if (!Files.isDirectory(root)) {
            if (corpus == Corpus.real) {
                generateFromReal(root, n, source, new Random(n));
            } else {
                generate(root, n, new Random(n));
            }
        }
        try (Stream<Path> s = Files.walk(root)) {
            long[] total = new long[2];
            s.filter(Files::isRegularFile).forEach(p -> {
                total[0]++;
                total[1] += p.toFile().length();
            });
            return total;
        }
    }

    String summary(Path root, long[] filesAndBytes) throws IOException {
        return String.format(Locale.ROOT, "corpus %s: %,d skills, %,d files, %.1f MB", corpus,
                SkillFolder.list(root, w -> { }).size(), filesAndBytes[0], filesAndBytes[1] / 1e6);
    }

    /** The largest supporting file a derived skill takes from its real skill, and how many at most (0 to this - 1). */
    static final int REAL_FILE_MAX_BYTES = 12_000;
    static final int REAL_FILES_BOUND = 7;

    /**
     * N text-heavy skills derived from the real ones, cycled: skill i takes real skill i % R, keeps its SKILL.md (the
     * name line set to its own folder name, and a line naming its copy, so no two skills hash alike) and its 0-6
     * smallest text files of at most 12 KB (seeded), at area-(i % 10)/topic-(i % 37)/(real name)-(i). Binary files
     * (fonts, a PDF, a tarball) are left out. On the 12 Anthropic skills this lands near the corpus of the
     * performance issue: 10,000 skills, about 3.4 files and 24 KB a skill.
     */
    static void generateFromReal(Path root, int n, Path source, Random random) throws IOException {
        List<Skill> real = new ArrayList<>();
        List<List<Skill.SkillFile>> pools = new ArrayList<>();
        for (String path : SkillFolder.list(source, w -> { })) {
            Skill skill = SkillFolder.read(source, path, w -> { });
            real.add(skill);
            pools.add(skill.files().stream()
                    .filter(f -> !f.path().equals(Skill.SKILL_MD) && f.bytes().length <= REAL_FILE_MAX_BYTES
                            && Frontmatter.tryDecodeUtf8(f.bytes()) != null)
                    .sorted(java.util.Comparator.comparingInt((Skill.SkillFile f) -> f.bytes().length)
                            .thenComparing(Skill.SkillFile::path))
                    .toList());
        }
        for (int i = 0; i < n; i++) {
            Skill skill = real.get(i % real.size());
            String realName = skill.path().substring(skill.path().lastIndexOf('/') + 1);
            String name = realName + "-" + i;
            Path dir = root.resolve("area-" + (i % 10) + "/topic-" + (i % 37) + "/" + name);
            Files.createDirectories(dir);
            String md = new String(skill.files().stream().filter(f -> f.path().equals(Skill.SKILL_MD)).findFirst()
                    .orElseThrow().bytes(), StandardCharsets.UTF_8);
            md = md.replaceFirst("(?m)^name:.*$", "name: " + name);
            Files.writeString(dir.resolve(Skill.SKILL_MD), md + (md.endsWith("\n") ? "" : "\n")
                    + "\nBenchmark copy " + i + " of " + realName + ".\n");
            List<Skill.SkillFile> pool = pools.get(i % real.size());
            for (Skill.SkillFile f : pool.subList(0, Math.min(pool.size(), random.nextInt(REAL_FILES_BOUND)))) {
                Path target = dir.resolve(f.path());
                Files.createDirectories(target.getParent());
                Files.write(target, f.bytes());
                if (f.executable()) {
                    Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
    }

    /** N skills in a taxonomy, each a 2-10 KB SKILL.md plus 0-5 files of 1-30 KB, one in five binary. */
    static long generate(Path root, int n, Random random) throws IOException {
        long total = 0;
        for (int i = 0; i < n; i++) {
            String name = "skill-" + i;
            Path dir = root.resolve("area-" + (i % 10) + "/topic-" + (i % 37) + "/" + name);
            Files.createDirectories(dir);
            String md = "---\nname: " + name + "\ndescription: " + words(random, 20) + "\nmetadata:\n  version: 1."
                    + (i % 10) + ".0\n  type: technical\n  tags: [" + WORDS[random.nextInt(WORDS.length)] + ", "
                    + WORDS[random.nextInt(WORDS.length)] + "]\n---\n\n# " + name + "\n\n"
                    + paragraphs(random, 2000 + random.nextInt(8000));
            Files.writeString(dir.resolve("SKILL.md"), md);
            total += md.length();
            int files = random.nextInt(6);
            for (int f = 0; f < files; f++) {
                int size = 1000 + random.nextInt(29000);
                if (random.nextInt(5) == 0) {
                    byte[] bytes = new byte[size];
                    random.nextBytes(bytes);
                    Files.createDirectories(dir.resolve("assets"));
                    Files.write(dir.resolve("assets/blob-" + f + ".bin"), bytes);
                } else {
                    String folder = random.nextBoolean() ? "references" : "scripts";
                    Files.createDirectories(dir.resolve(folder));
                    Files.writeString(dir.resolve(folder + "/file-" + f + (folder.equals("scripts") ? ".py" : ".md")),
                            paragraphs(random, size));
                }
                total += size;
            }
        }
        return total;
    }

    static String words(Random random, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    static String paragraphs(Random random, int size) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < size) {
            sb.append(words(random, 12 + random.nextInt(30))).append(".\n\n");
        }
        return sb.toString();
    }

    /** A TCP proxy on loopback that holds every chunk for delayMs in each direction. */
    static final class Proxy implements AutoCloseable {
        private final ServerSocket listener;

        Proxy(String hostPort, int delayMs) throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
            int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
            Thread accept = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket client = listener.accept();
                        Socket upstream = new Socket(host, port);
                        client.setTcpNoDelay(true);
                        upstream.setTcpNoDelay(true);
                        pump(client, upstream, delayMs);
                        pump(upstream, client, delayMs);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            accept.setDaemon(true);
            accept.start();
        }

        /** Forwards bytes in order; each chunk leaves delayMs after it arrived (a link's latency, not a bandwidth cap). */
        private static void pump(Socket from, Socket to, int delayMs) {
            java.util.concurrent.LinkedBlockingQueue<Object[]> queue = new java.util.concurrent.LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                byte[] buf = new byte[65536];
                try (InputStream in = from.getInputStream()) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        queue.put(new Object[] {System.nanoTime(), java.util.Arrays.copyOf(buf, n)});
                    }
                } catch (IOException | InterruptedException e) {
                    // closed
                }
                queue.add(new Object[] {System.nanoTime(), null});
            });
            Thread writer = new Thread(() -> {
                try (OutputStream out = to.getOutputStream()) {
                    while (true) {
                        Object[] item = queue.take();
                        long due = (long) item[0] + delayMs * 1_000_000L;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                        }
                        if (item[1] == null) {
                            to.shutdownOutput();
                            return;
                        }
                        out.write((byte[]) item[1]);
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // closed
                }
            });
            reader.setDaemon(true);
            writer.setDaemon(true);
            reader.start();
            writer.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
