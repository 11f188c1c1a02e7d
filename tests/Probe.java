import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Tells a test what a command started as its own JVM sees, one line on stdout: {@code stderr} prints whether the
 * progress bar would take stderr for a terminal, {@code max-heap} the JVM's maximum heap in bytes.
 */
final class Probe {
    private Probe() {
    }

    public static void main(String... args) {
        switch (args[0]) {
            case "stderr" -> System.out.println(Progress.stderrIsTerminal() ? "terminal" : "not a terminal");
            case "max-heap" -> System.out.println(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("MaxHeapSize").getValue());
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
