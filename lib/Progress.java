//DEPS me.tongfei:progressbar:0.10.2

import java.io.PrintStream;
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
        return new Progress(task, total, System.console() != null && !settings.quiet() && !settings.json()
                && total > 0);
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
