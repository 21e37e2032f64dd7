package io.kaji.controllers.runtime;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A queue of object keys ({@code namespace/name}) with client-go's work-queue guarantees:
 * <ul>
 *   <li>a key waiting in the queue is there once, however often it is added;</li>
 *   <li>a key being processed is never handed to a second worker; if it is added meanwhile, it is queued again
 *       when the first worker calls {@link #done};</li>
 *   <li>{@link #addRateLimited} delays a failed key by the {@link RateLimiter}; {@link #addAfter} by a fixed time.</li>
 * </ul>
 * Thread-safe; {@link #get} blocks.
 */
public final class WorkQueue implements AutoCloseable {

    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private final Set<String> dirty = new HashSet<>();
    private final Set<String> processing = new HashSet<>();
    private final RateLimiter limiter;
    private final ScheduledExecutorService delays;
    private boolean shuttingDown;

    public WorkQueue(String name, RateLimiter limiter) {
        this.limiter = limiter;
        this.delays = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-queue-" + name).daemon(true).factory());
    }

    /** Queues {@code key} unless it is already waiting. */
    public synchronized void add(String key) {
        if (shuttingDown || dirty.contains(key)) {
            return;
        }
        dirty.add(key);
        if (processing.contains(key)) {
            return; // queued again by done()
        }
        queue.addLast(key);
        notifyAll();
    }

    /** Queues {@code key} after {@code delay}. */
    public void addAfter(String key, Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            add(key);
            return;
        }
        synchronized (this) {
            if (shuttingDown) {
                return;
            }
        }
        delays.schedule(() -> add(key), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Queues {@code key} after its rate-limited back-off (its failure count grows by one). */
    public void addRateLimited(String key) {
        addAfter(key, limiter.when(key));
    }

    /** Resets the back-off of {@code key} (call after it was processed successfully). */
    public void forget(String key) {
        limiter.forget(key);
    }

    public int failures(String key) {
        return limiter.failures(key);
    }

    /**
     * Takes the next key, waiting for one; empty once the queue is shut down. The caller must call
     * {@link #done} with it when finished.
     */
    public synchronized Optional<String> get() throws InterruptedException {
        while (queue.isEmpty() && !shuttingDown) {
            wait();
        }
        if (queue.isEmpty()) {
            return Optional.empty();
        }
        String key = queue.removeFirst();
        processing.add(key);
        dirty.remove(key);
        return Optional.of(key);
    }

    /** Marks {@code key} processed; if it was added while being processed, it is queued again. */
    public synchronized void done(String key) {
        processing.remove(key);
        if (dirty.contains(key)) {
            queue.addLast(key);
            notifyAll();
        }
    }

    /** Keys waiting (not counting those being processed). */
    public synchronized int length() {
        return queue.size();
    }

    /** Stops handing out keys; workers blocked in {@link #get} return empty. */
    @Override
    public synchronized void close() {
        shuttingDown = true;
        delays.shutdownNow();
        notifyAll();
    }
}
