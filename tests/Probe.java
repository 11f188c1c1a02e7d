/**
 * Tells a test what a command started as its own JVM sees, one line on stdout: {@code stderr} prints whether the
 * progress bar would take stderr for a terminal.
 */
final class Probe {
    private Probe() {
    }

    public static void main(String... args) {
        switch (args[0]) {
            case "stderr" -> System.out.println(Progress.stderrIsTerminal() ? "terminal" : "not a terminal");
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
