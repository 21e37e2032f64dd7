package io.kaji.node.eviction;

import java.time.Duration;
import java.util.Objects;

/**
 * One eviction threshold: {@code signal < quantity} (or {@code < percentage} of the signal's capacity), met when
 * the observed availability falls below it. A hard threshold ({@code gracePeriod} zero) evicts at once; a soft one
 * only after it has been met for its grace period.
 *
 * @param signal      what is measured
 * @param quantity    the absolute threshold (bytes or a count), or -1 when {@code percentage} applies
 * @param percentage  the threshold as a fraction of capacity (0.1 for 10%), used when {@code quantity} is -1
 * @param gracePeriod how long a soft threshold must be met before pods are evicted; zero for a hard threshold
 */
public record Threshold(Signal signal, long quantity, double percentage, Duration gracePeriod) {

    public Threshold {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        if (quantity < -1 || percentage < 0 || percentage > 1) {
            throw new IllegalArgumentException("threshold " + signal + ": quantity " + quantity + ", percentage "
                    + percentage + " out of range");
        }
    }

    /** A hard threshold of an absolute quantity. */
    public static Threshold hard(Signal signal, long quantity) {
        return new Threshold(signal, quantity, 0, Duration.ZERO);
    }

    /** A hard threshold as a percentage (0–100) of capacity. */
    public static Threshold hardPercent(Signal signal, double percent) {
        return new Threshold(signal, -1, percent / 100, Duration.ZERO);
    }

    /** Whether this is a hard threshold (no grace period). */
    public boolean isHard() {
        return gracePeriod.isZero();
    }

    /** The threshold as an absolute quantity, given the signal's capacity. */
    public long quantity(long capacity) {
        return quantity >= 0 ? quantity : (long) (capacity * percentage);
    }

    /** Whether {@code observation} falls below this threshold. */
    public boolean met(Observation observation) {
        return observation != null && observation.available() < quantity(observation.capacity());
    }

    /** As the kubelet's flags spell it: {@code memory.available<100Mi}, {@code nodefs.available<10%}. */
    @Override
    public String toString() {
        String value = quantity >= 0 ? (signal.bytes() ? Quantities.format(quantity) : String.valueOf(quantity))
                : Quantities.percent(percentage);
        return signal.flagName() + "<" + value;
    }
}
