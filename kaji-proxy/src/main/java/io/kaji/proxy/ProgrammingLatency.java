package io.kaji.proxy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Network programming latency, as Kubernetes' SLI defines it: from a change's trigger time to the rules being in
 * place. Changes are noted as they are seen ({@link #noteChange}); a successful sync takes the pending ones
 * ({@link #takePending}) before it reads the caches and records them when iptables-restore has returned.
 * Thread-safe.
 */
final class ProgrammingLatency {

    private final Histogram histogram = new Histogram(Duration.ofHours(1).toMillis(), 3);
    private List<Instant> pending = new ArrayList<>();

    synchronized void noteChange(Instant triggeredAt) {
        pending.add(triggeredAt);
    }

    synchronized List<Instant> takePending() {
        List<Instant> taken = pending;
        pending = new ArrayList<>();
        return taken;
    }

    /** Puts back changes whose sync failed, so the retry that programs them measures them. */
    synchronized void restore(List<Instant> changes) {
        pending.addAll(0, changes);
    }

    synchronized void record(List<Instant> changes, Instant programmedAt) {
        for (Instant t : changes) {
            long ms = Math.max(0, Duration.between(t, programmedAt).toMillis());
            histogram.recordValue(Math.min(ms, histogram.getHighestTrackableValue()));
        }
    }

    synchronized LatencySnapshot snapshot() {
        return new LatencySnapshot(histogram.getTotalCount(),
                Duration.ofMillis(histogram.getValueAtPercentile(50)),
                Duration.ofMillis(histogram.getValueAtPercentile(99)),
                Duration.ofMillis(histogram.getMaxValue()));
    }
}
