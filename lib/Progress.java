//DEPS me.tongfei:progressbar:0.10.2

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr (counts and rate) for the long phases of a run, shown only when stderr is a terminal,
 * not with -q or --json, and only once the phase has taken more than a second: quick runs and pipes stay quiet.
 */
final class Progress implements AutoCloseable {
    private static final long DELAY_NANOS = 1_000_000_000L;
    private final String task;
    private final long total;
    private final boolean enabled;
    private final long started = System.nanoTime();
    private long done;
    private ProgressBar bar;

    private Progress(String task, long total, boolean enabled) {
        this.task = task;
        this.total = total;
        this.enabled = enabled;
    }

    static Progress of(String task, long total, Settings settings) {
        return new Progress(task, total, stderrIsTerminal() && !settings.quiet() && !settings.json() && total > 0);
    }

    /**
     * True when stderr itself is a terminal. Java cannot ask: System.console() looks at stdin and stdout on JDK 17
     * (a bar would be drawn into 2>log) and is set even when redirected on JDK 22+. On Linux fd 2 is a link to the
     * terminal's device; where that cannot be read (no /proc) nothing is drawn.
     */
    static boolean stderrIsTerminal() {
        return isTerminal(2);
    }

    /** True when this process's file descriptor {@code fd} (1: stdout, 2: stderr) is a terminal; see above. */
    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.matches("/dev/tty[0-9]*");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    synchronized void step(long n) {
        done += n;
        if (!enabled) {
            return;
        }
        if (bar == null && System.nanoTime() - started > DELAY_NANOS && done < total) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(System.err, true))).showSpeed()
                    .setUnit(" skills", 1).build();
        }
        if (bar != null) {
            bar.stepTo(done);
        }
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.stepTo(total);
            bar.close();
        }
    }
}
