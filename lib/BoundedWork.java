import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Jobs on a few daemon threads of their own, with the content waiting for them bounded: each job says how many bytes
 * it holds and waits until that much room is free. A job as large as all the room runs on the caller once every other
 * is done (its room says so), so no second large one is held beside it. For work that mostly waits on the file
 * system, where waits on several threads overlap: folder writes ({@link LocalSide#writes}) and the merge base's text
 * ({@link BaseStore#offer}).
 */
final class BoundedWork<T> implements AutoCloseable {
    private final ExecutorService pool;
    /** The room, in KiB (a semaphore counts ints). */
    private final int room;
    private final Semaphore free;
    private final Queue<Future<T>> pending = new ConcurrentLinkedQueue<>();

    BoundedWork(String name, int threads, long bytes) {
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        room = (int) (bytes >> 10);
        free = new Semaphore(room);
    }

    /** Queues a job holding {@code bytes}; blocks while the room is taken. */
    void submit(long bytes, Callable<T> job) throws InterruptedException {
        int permits = (int) Math.min(room, Math.max(1, bytes >> 10));
        free.acquire(permits);
        Callable<T> releasing = () -> {
            try {
                return job.call();
            } finally {
                free.release(permits);
            }
        };
        if (permits == room) {
            try {
                pending.add(CompletableFuture.completedFuture(releasing.call()));
            } catch (Exception e) {
                pending.add(CompletableFuture.failedFuture(e));
            }
            return;
        }
        try {
            pending.add(pool.submit(releasing));
        } catch (RuntimeException e) {
            free.release(permits);
            throw e;
        }
    }

    /**
     * Waits for every job queued so far and returns their results in the order queued; when one failed, throws its
     * failure (the first), after all have ended.
     */
    List<T> done() throws InterruptedException, ExecutionException {
        List<T> results = new ArrayList<>();
        ExecutionException failed = null;
        for (Future<T> f = pending.poll(); f != null; f = pending.poll()) {
            try {
                results.add(f.get());
            } catch (ExecutionException e) {
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
        return results;
    }

    /** Lets queued jobs finish (a job is never cut in half), then stops the threads. */
    @Override
    public void close() {
        pool.shutdown();
        boolean interrupted = false;
        while (!pool.isTerminated()) {
            try {
                pool.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
