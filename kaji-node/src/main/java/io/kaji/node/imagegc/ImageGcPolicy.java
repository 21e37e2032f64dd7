package io.kaji.node.imagegc;

import java.time.Duration;
import java.util.Objects;

/**
 * When and how far the image garbage collector frees the image file system, spelled as the kubelet's flags
 * {@code --image-gc-high-threshold}, {@code --image-gc-low-threshold} and {@code --image-minimum-gc-age}.
 * Immutable.
 *
 * @param highThresholdPercent collect when the image file system's usage is at or above this percentage (0–100;
 *                             100 turns collection by usage off, as in the kubelet)
 * @param lowThresholdPercent  free images until usage is below this percentage (0–high)
 * @param minAge               an unused image younger than this (since it was first seen) is never removed, so
 *                             an image pulled for a pod that is about to start survives
 * @param period               how often the collector checks usage on its own (the kubelet: 5 min)
 */
public record ImageGcPolicy(int highThresholdPercent, int lowThresholdPercent, Duration minAge, Duration period) {

    /** The kubelet's {@code --image-gc-high-threshold}. */
    public static final int DEFAULT_HIGH_THRESHOLD = 85;
    /** The kubelet's {@code --image-gc-low-threshold}. */
    public static final int DEFAULT_LOW_THRESHOLD = 80;
    /** The kubelet's {@code --image-minimum-gc-age}. */
    public static final Duration DEFAULT_MIN_AGE = Duration.ofMinutes(2);
    /** The kubelet's ImageGCPeriod. */
    public static final Duration DEFAULT_PERIOD = Duration.ofMinutes(5);

    /** @throws IllegalArgumentException with the kubelet's validation message, naming the flag */
    public ImageGcPolicy {
        Objects.requireNonNull(minAge, "minAge");
        Objects.requireNonNull(period, "period");
        if (highThresholdPercent < 0 || highThresholdPercent > 100) {
            throw new IllegalArgumentException("--image-gc-high-threshold " + highThresholdPercent
                    + " is out of range: give a percentage from 0 to 100");
        }
        if (lowThresholdPercent < 0 || lowThresholdPercent > 100) {
            throw new IllegalArgumentException("--image-gc-low-threshold " + lowThresholdPercent
                    + " is out of range: give a percentage from 0 to 100");
        }
        if (lowThresholdPercent > highThresholdPercent) {
            throw new IllegalArgumentException("--image-gc-low-threshold " + lowThresholdPercent
                    + " is higher than --image-gc-high-threshold " + highThresholdPercent
                    + ": give a low threshold at or below the high one");
        }
        if (minAge.isNegative()) {
            throw new IllegalArgumentException("--image-minimum-gc-age " + minAge + " must not be negative");
        }
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("image GC period " + period + " must be positive");
        }
    }

    /** The kubelet's defaults: 85 %, 80 %, 2 min, every 5 min. */
    public static ImageGcPolicy defaults() {
        return new ImageGcPolicy(DEFAULT_HIGH_THRESHOLD, DEFAULT_LOW_THRESHOLD, DEFAULT_MIN_AGE, DEFAULT_PERIOD);
    }

    /** This policy with other thresholds and minimum age (the period stays). */
    public ImageGcPolicy with(int high, int low, Duration age) {
        return new ImageGcPolicy(high, low, age, period);
    }
}
