package io.kaji.node.agent;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the heap the agent no longer needs back to the operating system, as G1's periodic collections do
 * (JEP 346), for the Serial collector the agent runs with (docs/footprint.md).
 *
 * <p>The Serial collector grows its old generation whenever a young collection promotes more than fits, and only a
 * full collection — which it runs when the old generation reaches {@code -Xmx} — shrinks it again. With the agent's
 * small young generation, objects that live a few seconds (watch events, pod status updates) are promoted and die
 * in the old generation, so its committed size creeps from the live set (~30 MiB with 30 pods) towards the cap,
 * all of it resident. Every {@link Settings#checkEvery()} this class compares the old generation's committed size
 * with what the last full collection left in it; once the difference reaches {@link Settings#slackBytes()} (and
 * at most once per {@link Settings#minPeriod()}) it runs a full collection ({@link System#gc()}), after which the
 * JVM shrinks the old generation to {@code -XX:MaxHeapFreeRatio} above the live set (fully with
 * {@code -XX:-ShrinkHeapInSteps}, as the agent's options set it). A collection of the agent's ~40 MiB heap pauses
 * it for tens of milliseconds.
 *
 * <p>Only active under the Serial collector ({@link #start(Settings)} returns an inactive trimmer otherwise) and a
 * no-op with {@code -XX:+DisableExplicitGC}. Runs on one virtual thread; thread-safe.
 */
public final class HeapTrimmer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HeapTrimmer.class);

    /**
     * @param checkEvery how often the old generation is looked at
     * @param slackBytes committed bytes above the last full collection's live set that trigger a collection
     * @param minPeriod  the least time between two collections this class triggers
     */
    public record Settings(Duration checkEvery, long slackBytes, Duration minPeriod) {
        public Settings {
            if (checkEvery.isNegative() || checkEvery.isZero() || minPeriod.isNegative() || slackBytes <= 0) {
                throw new IllegalArgumentException("checkEvery must be positive, minPeriod not negative and "
                        + "slackBytes positive: " + checkEvery + ", " + minPeriod + ", " + slackBytes);
            }
        }

        /**
         * The agent's: a look every 10 s, a collection at 4 MiB of slack, at most one per 30 s. Right after a
         * collection the slack is already {@code MaxHeapFreeRatio} (10 %) of the live set, ~2 MiB with 30 pods, so
         * this collects once the old generation has grown by another ~2 MiB: about once a minute with 30 steady
         * pods (~30 KB/s promoted), twice a minute at most while pods start (they promote faster); a pause of tens
         * of milliseconds each (session 9: 6 MiB and once a minute before, docs/footprint.md).
         */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), 4L << 20, Duration.ofSeconds(30));
        }
    }

    /** The old generation as this class sees it (a seam for tests). */
    interface OldGeneration {
        /** Committed bytes now. */
        long committed();

        /** Bytes in use after the last full collection, 0 if there was none. */
        long liveAfterLastCollection();

        /** Runs a full collection. */
        void collect();
    }

    private final Settings settings;
    private final OldGeneration old;
    private final Thread thread;
    private volatile boolean closed;
    private long lastCollectionNanos;
    private boolean collectedOnce;
    private int collections;

    private HeapTrimmer(Settings settings, OldGeneration old, boolean run) {
        this.settings = settings;
        this.old = old;
        this.thread = run ? Thread.ofVirtual().name("kaji-heap-trimmer").unstarted(this::loop) : null;
    }

    /**
     * Starts trimming this JVM's heap if it runs the Serial collector; otherwise returns a trimmer that does
     * nothing ({@link #active()} false).
     */
    public static HeapTrimmer start(Settings settings) {
        Optional<OldGeneration> old = serialOldGeneration();
        if (old.isEmpty()) {
            log.debug("heap trimmer off: the JVM does not run the Serial collector");
            return new HeapTrimmer(settings, null, false);
        }
        HeapTrimmer t = new HeapTrimmer(settings, old.get(), true);
        t.thread.start();
        return t;
    }

    /** A trimmer over {@code old} that checks only when {@link #check(long)} is called (tests). */
    static HeapTrimmer manual(Settings settings, OldGeneration old) {
        return new HeapTrimmer(settings, old, false);
    }

    /** Whether this trimmer looks at the heap at all (the JVM runs the Serial collector). */
    public boolean active() {
        return thread != null;
    }

    /** Full collections this trimmer has run. */
    public synchronized int collections() {
        return collections;
    }

    private void loop() {
        while (!closed) {
            LockSupport.parkNanos(settings.checkEvery().toNanos());
            if (closed || Thread.currentThread().isInterrupted()) {
                return;
            }
            try {
                check(System.nanoTime());
            } catch (RuntimeException e) {
                log.warn("heap trimmer: {}", e.toString());
            }
        }
    }

    /**
     * One look at the old generation at {@code nowNanos} ({@link System#nanoTime()}); runs a full collection if
     * its committed size is {@link Settings#slackBytes()} or more above the last live set and the last collection
     * of this trimmer is {@link Settings#minPeriod()} ago. Returns whether it collected.
     */
    synchronized boolean check(long nowNanos) {
        long committed = old.committed();
        long live = old.liveAfterLastCollection();
        if (committed - live < settings.slackBytes()) {
            return false;
        }
        if (collectedOnce && nowNanos - lastCollectionNanos < settings.minPeriod().toNanos()) {
            return false;
        }
        long t0 = System.nanoTime();
        old.collect();
        long millis = (System.nanoTime() - t0) / 1_000_000;
        collectedOnce = true;
        lastCollectionNanos = nowNanos;
        collections++;
        log.debug("heap trimmed: old generation {} MiB committed over a live set of {} MiB, now {} MiB committed "
                + "over {} MiB live ({} ms)", committed >> 20, live >> 20, old.committed() >> 20,
                old.liveAfterLastCollection() >> 20, millis);
        return true;
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** The Serial collector's old generation ("Tenured Gen") if this JVM runs that collector. */
    static Optional<OldGeneration> serialOldGeneration() {
        boolean serial = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName).anyMatch("MarkSweepCompact"::equals);
        if (!serial) {
            return Optional.empty();
        }
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.getName().equals("Tenured Gen"))
                .findFirst().map(HeapTrimmer::of);
    }

    private static OldGeneration of(MemoryPoolMXBean pool) {
        return new OldGeneration() {
            @Override
            public long committed() {
                return pool.getUsage().getCommitted();
            }

            @Override
            public long liveAfterLastCollection() {
                MemoryUsage u = pool.getCollectionUsage();
                return u == null ? 0 : u.getUsed();
            }

            @Override
            public void collect() {
                System.gc();
            }
        };
    }
}
