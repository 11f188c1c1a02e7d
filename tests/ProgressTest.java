import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress bar is drawn only when stderr itself is a terminal: never into a file or a pipe, also when stdout is
 * a terminal (JDK 17's System.console() looks at stdin and stdout). Asked of a JVM of its own, started as the tests
 * start commands, and under a pseudo-terminal from util-linux's script.
 */
class ProgressTest {
    @Test
    void stderrInAFileIsNotATerminal(@TempDir Path tmp) throws Exception {
        Process p = TestSupport.start(tmp, Map.of(), "Probe", "stderr");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe ended");
        assertEquals("not a terminal", TestSupport.outputOf(tmp).strip());
    }

    @Test
    void stderrOnAPseudoTerminalIsATerminal(@TempDir Path tmp) throws Exception {
        assertEquals("terminal", underPseudoTerminal(tmp, ""));
    }

    @Test
    void stdoutOnATerminalWithStderrInAFileIsNotATerminal(@TempDir Path tmp) throws Exception {
        assertEquals("not a terminal", underPseudoTerminal(tmp, " 2>" + quote(tmp.resolve("err.txt").toString())));
    }

    /**
     * What the probe prints when `script` runs it with a pseudo-terminal as stdin, stdout and stderr, the shell
     * redirection given applied on top.
     */
    static String underPseudoTerminal(Path tmp, String redirection) throws Exception {
        String command = TestSupport.java("Probe", "stderr").stream().map(ProgressTest::quote)
                .collect(Collectors.joining(" ")) + redirection;
        Path out = tmp.resolve("script.txt");
        Process p = new ProcessBuilder("script", "-qec", command, "/dev/null").redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "script ended");
        assertEquals(0, p.exitValue(), TestSupport.read(out));
        return TestSupport.read(out).strip();
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
