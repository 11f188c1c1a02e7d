import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Installs the pinned JBang runtime for the ./jbang wrapper, with nothing but a JDK: reads the lock file (one
 * "groupId:artifactId version sha256" line per jar), takes each jar from the local Maven repository when a copy with
 * the right checksum is there, downloads it from Maven Central otherwise, verifies every SHA-256, and only then moves
 * the complete lib folder into the cache. A run that is interrupted leaves no half-installed JBang behind.
 *
 * Usage: java Bootstrap.java LOCK_FILE TARGET_DIR
 */
public class Bootstrap {
    record Jar(String group, String artifact, String version, String sha256) {
        String repoPath() {
            return group.replace('.', '/') + "/" + artifact + "/" + version + "/" + artifact + "-" + version + ".jar";
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java Bootstrap.java LOCK_FILE TARGET_DIR");
            System.exit(2);
        }
        Path target = Path.of(args[1]).toAbsolutePath();
        if (Files.isDirectory(target.resolve("lib"))) {
            return;
        }
        List<Jar> jars = readLock(Path.of(args[0]));
        String repo = System.getenv().getOrDefault("JBANG_WRAPPER_REPO", "https://repo1.maven.org/maven2");
        Path localRepo = Path.of(System.getProperty("user.home"), ".m2", "repository");
        Files.createDirectories(target);
        Path staging = Files.createTempDirectory(target, ".lib-");
        try {
            HttpClient http = HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(Duration.ofSeconds(30))
                    .build();
            System.err.println("[jbang wrapper] installing JBang runtime (" + jars.size() + " jars) into " + target);
            for (Jar jar : jars) {
                Path dest = staging.resolve(jar.artifact() + "-" + jar.version() + ".jar");
                Path cached = localRepo.resolve(jar.repoPath());
                if (Files.isRegularFile(cached) && sha256(Files.readAllBytes(cached)).equals(jar.sha256())) {
                    Files.copy(cached, dest);
                    continue;
                }
                byte[] bytes = download(http, URI.create(repo + "/" + jar.repoPath()));
                String actual = sha256(bytes);
                if (!actual.equals(jar.sha256())) {
                    throw new IOException("checksum mismatch for " + jar.repoPath() + ": expected " + jar.sha256()
                            + ", got " + actual);
                }
                Files.write(dest, bytes);
            }
            try {
                Files.move(staging, target.resolve("lib"), StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                // Another wrapper finished first; its copy is verified the same way, so ours is discarded.
                if (!Files.isDirectory(target.resolve("lib"))) {
                    throw e;
                }
            }
        } finally {
            deleteTree(staging);
        }
    }

    static List<Jar> readLock(Path lock) throws IOException {
        List<Jar> jars = new ArrayList<>();
        for (String line : Files.readAllLines(lock)) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            String[] ga = parts[0].split(":");
            if (parts.length != 3 || ga.length != 2 || parts[2].length() != 64) {
                throw new IOException("malformed line in " + lock + ": " + line);
            }
            jars.add(new Jar(ga[0], ga[1], parts[1], parts[2]));
        }
        return jars;
    }

    static byte[] download(HttpClient http, URI uri) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2)).GET().build();
                HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = response.body()) {
                    if (response.statusCode() != 200) {
                        throw new IOException("HTTP " + response.statusCode() + " for " + uri);
                    }
                    return in.readAllBytes();
                }
            } catch (IOException e) {
                last = e;
                Thread.sleep(1000L * attempt);
            }
        }
        throw last;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
