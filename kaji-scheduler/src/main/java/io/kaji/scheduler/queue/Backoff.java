package io.kaji.scheduler.queue;

import java.time.Duration;

/**
 * Per-pod back-off after a failed attempt: {@code initial * 2^(attempts-1)}, capped at {@code max}. Kubernetes'
 * defaults are 1 s and 10 s ({@code podInitialBackoffSeconds}, {@code podMaxBackoffSeconds}).
 */
public record Backoff(Duration initial, Duration max) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10));

    /** The wait after the {@code attempts}-th failed attempt (1 → initial). */
    public Duration after(int attempts) {
        Duration d = initial;
        for (int i = 1; i < attempts; i++) {
            d = d.multipliedBy(2);
            if (d.compareTo(max) >= 0) {
                return max;
            }
        }
        return d.compareTo(max) > 0 ? max : d;
    }
}
