package io.kaji.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides how far history may be compacted and does it: keeps at least {@code retainTime} of history and at
 * least {@code retainRevisions} revisions, whichever reaches further back (the store issue's default: 5 minutes
 * or 10,000 revisions). Call {@link #tick()} periodically (every few seconds); it samples the current revision
 * and compacts when the oldest retained point moves.
 *
 * <p>Not thread-safe: one scheduler thread calls {@code tick}.
 */
public final class Compactor {

    private static final Logger log = LoggerFactory.getLogger(Compactor.class);

    public static final Duration DEFAULT_RETAIN_TIME = Duration.ofMinutes(5);
    public static final long DEFAULT_RETAIN_REVISIONS = 10_000;

    private record Sample(Instant at, long revision) {}

    private final RevisionedStore store;
    private final Clock clock;
    private final Duration retainTime;
    private final long retainRevisions;
    private final Deque<Sample> samples = new ArrayDeque<>();

    public Compactor(RevisionedStore store, Clock clock, Duration retainTime, long retainRevisions) {
        this.store = store;
        this.clock = clock;
        this.retainTime = retainTime;
        this.retainRevisions = retainRevisions;
    }

    public static Compactor withDefaults(RevisionedStore store) {
        return new Compactor(store, Clock.systemUTC(), DEFAULT_RETAIN_TIME, DEFAULT_RETAIN_REVISIONS);
    }

    /**
     * Samples the revision and compacts if possible.
     *
     * @return the revision compacted to, or 0 if nothing was compacted this time
     */
    public long tick() {
        Instant now = clock.instant();
        long current = store.currentRevision();
        samples.addLast(new Sample(now, current));
        // The newest sample at least retainTime old: everything up to its revision may go, time-wise. Older
        // samples are no longer needed; that one stays as the reference for the next tick.
        Instant cutoff = now.minus(retainTime);
        Sample reference = null;
        while (!samples.isEmpty() && !samples.peekFirst().at().isAfter(cutoff)) {
            reference = samples.removeFirst();
        }
        if (reference != null) {
            samples.addFirst(reference);
        }
        long byTime = reference == null ? 0 : reference.revision();
        long byCount = current - retainRevisions;
        long target = Math.min(byTime, byCount);
        if (target <= store.compactRevision() || target <= 0) {
            return 0;
        }
        store.compact(target);
        log.info("compacted the store to revision {} (current {}, keeping {} and {} revisions)", target, current,
                retainTime, retainRevisions);
        return target;
    }
}
