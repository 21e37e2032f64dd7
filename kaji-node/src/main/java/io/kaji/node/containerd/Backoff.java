package io.kaji.node.containerd;

import java.time.Duration;

/**
 * Exponential back-off between restarts: {@code initial}, doubling up to {@code max}, back to {@code initial} once
 * the process has stayed up for {@code resetAfter}. An immutable value; {@link #delay(int)} is pure.
 */
public record Backoff(Duration initial, Duration max, Duration resetAfter) {

    /** 1 s doubling to 60 s, reset after 5 minutes up. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60),
            Duration.ofMinutes(5));

    public Backoff {
        if (initial.isNegative() || max.compareTo(initial) < 0 || resetAfter.isNegative()) {
            throw new IllegalArgumentException("back-off: need 0 <= initial <= max and resetAfter >= 0, got "
                    + initial + ", " + max + ", " + resetAfter);
        }
    }

    /** The delay before restart number {@code failures} (1 for the first failure in a row). */
    public Duration delay(int failures) {
        if (failures <= 1) {
            return initial;
        }
        Duration d = initial;
        for (int i = 1; i < failures && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }
}
