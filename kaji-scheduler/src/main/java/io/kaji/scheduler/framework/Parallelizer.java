package io.kaji.scheduler.framework;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * Runs a scheduling cycle's per-node work (Filter, Score) on several threads, as kube-scheduler's
 * {@code parallelize} does with its 16 workers: the work is cut into chunks, claimed in order by the calling
 * thread and {@code parallelism - 1} helpers. With parallelism 1 everything runs on the calling thread, in order.
 */
public final class Parallelizer implements AutoCloseable {

    private final int parallelism;
    private final ExecutorService helpers;

    public Parallelizer(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        this.parallelism = parallelism;
        this.helpers = parallelism == 1 ? null : Executors.newFixedThreadPool(parallelism - 1,
                Thread.ofPlatform().name("kaji-scheduler-worker-", 0).daemon(true).factory());
    }

    private static final Parallelizer SEQUENTIAL = new Parallelizer(1);

    /** Sequential (shared, holds no threads): for tests and single-core machines. */
    public static Parallelizer sequential() {
        return SEQUENTIAL;
    }

    public int parallelism() {
        return parallelism;
    }

    /** How many of {@code items} (nodes) one chunk holds: about four chunks per thread, 8 to 64 items each. */
    public int chunkSize(int items) {
        return Math.max(8, Math.min(64, items / (parallelism * 4) + 1));
    }

    /**
     * Calls {@code work} for chunks {@code 0..chunks-1}, each exactly once, claimed in increasing order; no chunk
     * is claimed any more once {@code stop} says so (chunks already claimed finish). Returns when every claimed
     * chunk is done; returns the number of chunks claimed. A failure in a chunk is rethrown after the others ended.
     */
    public int run(int chunks, IntConsumer work, BooleanSupplier stop) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger claimed = new AtomicInteger();
        Runnable loop = () -> {
            while (!stop.getAsBoolean()) {
                int c = next.getAndIncrement();
                if (c >= chunks) {
                    return;
                }
                claimed.incrementAndGet();
                work.accept(c);
            }
        };
        List<Future<?>> running = new ArrayList<>();
        int extra = helpers == null ? 0 : Math.min(parallelism - 1, chunks - 1);
        for (int i = 0; i < extra; i++) {
            running.add(helpers.submit(loop));
        }
        RuntimeException failure = null;
        try {
            loop.run();
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while waiting for scheduling workers", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return claimed.get();
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }
}
