package io.kaji.proxy;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs syncs on one thread, coalesced: any number of {@link #request()}s while a sync is waiting cause one sync,
 * at most one per {@code minInterval}; a full sync runs every {@code resyncPeriod}; a failed sync is retried after a
 * back-off doubling from 500 ms to 30 s. The sync function gets {@code true} for a full sync (the first, periodic
 * ones, and retries after a failure) and returns whether it succeeded; an exception counts as failure.
 */
final class SyncLoop implements AutoCloseable {

    private static final long MIN_BACKOFF_NANOS = Duration.ofMillis(500).toNanos();
    private static final long MAX_BACKOFF_NANOS = Duration.ofSeconds(30).toNanos();

    private final Predicate<Boolean> sync;
    private final long minIntervalNanos;
    private final long resyncNanos;
    private final ScheduledExecutorService executor;
    private ScheduledFuture<?> next;
    private long nextAt;
    private long lastRun = System.nanoTime() - Long.MAX_VALUE / 4;
    private long lastFull = lastRun;
    private long notBefore;
    private int failures;
    private volatile boolean closed;

    SyncLoop(String name, Duration minInterval, Duration resyncPeriod, Predicate<Boolean> sync) {
        this.sync = sync;
        this.minIntervalNanos = minInterval.toNanos();
        this.resyncNanos = resyncPeriod.toNanos();
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        this.notBefore = System.nanoTime();
    }

    /** Runs the first (full) sync, waiting for it, and starts the loop; returns whether it succeeded. */
    boolean start() {
        boolean ok;
        try {
            ok = executor.submit(() -> runOnce(true)).get();
        } catch (Exception e) {
            ok = false;
        }
        return ok;
    }

    /** Asks for a sync soon (within the minimum interval). Cheap; safe from any thread. */
    synchronized void request() {
        long now = System.nanoTime();
        scheduleAt(Math.max(now, Math.max(lastRun + minIntervalNanos, notBefore)));
    }

    private synchronized void scheduleAt(long at) {
        if (closed) {
            return;
        }
        if (next != null && !next.isDone()) {
            if (nextAt - at <= 0) {
                return;
            }
            next.cancel(false);
        }
        nextAt = at;
        next = executor.schedule(this::runScheduled, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void runScheduled() {
        boolean full;
        synchronized (this) {
            full = System.nanoTime() - lastFull >= resyncNanos || failures > 0;
            next = null;
        }
        runOnce(full);
    }

    private boolean runOnce(boolean full) {
        long start = System.nanoTime();
        synchronized (this) {
            lastRun = start;
            if (full) {
                lastFull = start;
            }
        }
        boolean ok;
        try {
            ok = sync.test(full);
        } catch (RuntimeException e) {
            ok = false;
        }
        synchronized (this) {
            long now = System.nanoTime();
            if (ok) {
                failures = 0;
                notBefore = now;
                scheduleAt(lastFull + resyncNanos);
            } else {
                failures++;
                long backoff = Math.min(MAX_BACKOFF_NANOS, MIN_BACKOFF_NANOS << Math.min(failures - 1, 10));
                notBefore = now + backoff;
                scheduleAt(notBefore);
            }
        }
        return ok;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (next != null) {
                next.cancel(false);
            }
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }
}
