import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Promises of the README that no other test holds to, each through the real commands. */
class BehaviourTest {
    @Test
    void commandsStartedAsTheirOwnJvmRunWithTheScriptsHeapOf256Megabytes(@TempDir Path tmp) throws Exception {
        Process p = TestSupport.start(tmp, Map.of(), "Probe", "max-heap");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe ended");
        assertEquals(String.valueOf(256L * 1024 * 1024), TestSupport.outputOf(tmp).strip());
    }
}
