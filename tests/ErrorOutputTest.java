import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How an error reaches the user: one line, and with -v the stack trace, under the parent command too. */
class ErrorOutputTest {
    @Test
    void verboseShowsTheStackTraceUnderTheParentCommandAsWellAsAlone(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("skills"));
        String skills = tmp.resolve("skills").toString();
        for (List<String> command : List.of(List.of("export-to-db"), List.of("skill-fleet", "export-to-db"))) {
            List<String> args = new java.util.ArrayList<>(command.subList(1, command.size()));
            args.addAll(List.of("-s", skills, "--db", "mysql://localhost/skills"));
            TestSupport.Run plain = TestSupport.run(command.get(0), Map.of(), args.toArray(String[]::new));
            assertEquals(1, plain.code(), plain.all());
            assertEquals(1, plain.err().lines().count(), "one line without -v: " + plain.err());
            assertTrue(plain.err().startsWith("error: unsupported database URL scheme 'mysql'"), plain.err());
            assertFalse(plain.err().contains("\tat "), plain.err());

            args.add("-v");
            TestSupport.Run verbose = TestSupport.run(command.get(0), Map.of(), args.toArray(String[]::new));
            assertEquals(1, verbose.code(), verbose.all());
            assertTrue(verbose.err().startsWith("error: unsupported database URL scheme 'mysql'"), verbose.err());
            assertTrue(verbose.err().contains("\tat Database.resolve"), command + " -v: " + verbose.err());
        }
    }

    @Test
    void aPasswordWithASpaceIsNotPrintedByAUsageError(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("skills"));
        String skills = tmp.resolve("skills").toString();
        for (List<String> args : List.of(
                List.of("-s", skills, "postgresql://bob:Zq x y@127.0.0.1:1/db"),
                List.of("-s", skills, "-db", "postgresql://bob:Zq\"x y@127.0.0.1:1/db"))) {
            TestSupport.Run r = TestSupport.run("sync-db", Map.of(), args.toArray(String[]::new));
            assertEquals(2, r.code(), r.all());
            assertFalse(r.all().contains("Zq x y") || r.all().contains("Zq\"x y") || r.all().contains("x y@"),
                    r.all());
        }
    }
}
