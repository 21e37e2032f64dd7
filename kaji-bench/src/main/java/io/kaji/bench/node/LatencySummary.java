package io.kaji.bench.node;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;

/**
 * Percentiles of a set of latencies (nearest rank, as Kubernetes' SLO measurements report them: the p-th percentile
 * is the smallest sample with at least p % of the samples at or below it). Immutable.
 *
 * @param count  samples
 * @param p50Ms  median, milliseconds
 * @param p90Ms  90th percentile
 * @param p99Ms  99th percentile
 * @param maxMs  largest sample
 * @param meanMs arithmetic mean
 */
public record LatencySummary(int count, double p50Ms, double p90Ms, double p99Ms, double maxMs, double meanMs) {

    /** The summary of latencies given in nanoseconds; throws if there are none or one is negative. */
    public static LatencySummary ofNanos(long[] nanos) {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no samples: nothing was measured");
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        if (sorted[0] < 0) {
            throw new IllegalArgumentException("negative latency " + sorted[0] + " ns: the clock went backwards");
        }
        double sum = 0;
        for (long n : sorted) {
            sum += n;
        }
        return new LatencySummary(sorted.length, ms(percentile(sorted, 50)), ms(percentile(sorted, 90)),
                ms(percentile(sorted, 99)), ms(sorted[sorted.length - 1]), sum / sorted.length / 1e6);
    }

    /** As {@link #ofNanos(long[])}. */
    public static LatencySummary ofNanos(Collection<Long> nanos) {
        return ofNanos(nanos.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * The nearest-rank {@code p}-th percentile of ascending {@code sorted}: the sample at rank ⌈p/100 · n⌉
     * (1-based), e.g. the 99th of 100 samples is the 99th smallest, of 10 samples the largest.
     */
    static long percentile(long[] sorted, double p) {
        if (p <= 0 || p > 100) {
            throw new IllegalArgumentException("percentile " + p + " is not in (0, 100]");
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    /** Events per second: {@code count} events over {@code nanos}. */
    public static double perSecond(int count, long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("elapsed time " + nanos + " ns is not positive");
        }
        return count * 1e9 / nanos;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** One line: {@code n=100 p50 312 ms p90 … max …}. */
    public String format() {
        return String.format(Locale.ROOT, "n=%d p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms (mean %.0f ms)",
                count, p50Ms, p90Ms, p99Ms, maxMs, meanMs);
    }
}
