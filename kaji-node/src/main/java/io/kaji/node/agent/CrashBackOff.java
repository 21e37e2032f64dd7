package io.kaji.node.agent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kubernetes' container restart back-off, per key (pod uid + container): after a failure the next start waits
 * {@code initial}, doubling per failure up to {@code max}; a key that stayed quiet for {@code reset} starts over.
 * Thread-safe.
 */
public final class CrashBackOff {

    private record Entry(Duration delay, Instant until) {
    }

    private final Duration initial;
    private final Duration max;
    private final Duration reset;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    public CrashBackOff(Duration initial, Duration max, Duration reset, Clock clock) {
        this.initial = initial;
        this.max = max;
        this.reset = reset;
        this.clock = clock;
    }

    /**
     * How long {@code key} must still wait before its next start, given that its last run ended at
     * {@code finishedAt}; {@link Duration#ZERO} if it may start now. Does not change the back-off.
     */
    public Duration remaining(String key, Instant finishedAt) {
        Entry e = entries.get(key);
        if (e == null) {
            return Duration.ZERO;
        }
        Instant until = finishedAt == null ? e.until() : finishedAt.plus(e.delay());
        Duration left = Duration.between(clock.instant(), until);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /**
     * Records a restart of {@code key} now (as the kubelet does): the first restart is immediate, and each
     * further one waits the doubled back-off counted from the end of the previous run.
     */
    public Duration recordFailure(String key) {
        Instant now = clock.instant();
        Entry next = entries.compute(key, (k, e) -> {
            if (e == null || Duration.between(e.until(), now).compareTo(reset) > 0) {
                return new Entry(initial, now.plus(initial));
            }
            Duration d = e.delay().multipliedBy(2);
            d = d.compareTo(max) > 0 ? max : d;
            return new Entry(d, now.plus(d));
        });
        return next.delay();
    }

    /** Whether {@code key} is in back-off now. */
    public boolean inBackOff(String key) {
        return remaining(key, null).compareTo(Duration.ZERO) > 0;
    }

    /** Forgets every key starting with {@code prefix} (a deleted pod). */
    public void forget(String prefix) {
        entries.keySet().removeIf(k -> k.startsWith(prefix));
    }
}
