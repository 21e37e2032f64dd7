package io.kaji.node.stats;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram of durations in seconds with fixed bucket bounds, as the kubelet's latency series are
 * declared (the bounds are the kubelet's, so that {@code histogram_quantile} over a Kaji node and a kubelet
 * compares like with like). Thread-safe; observing is two adder increments.
 */
public final class Histogram {

    /** Prometheus' default bounds ({@code prometheus.DefBuckets}, the kubelet's {@code metrics.DefBuckets}). */
    public static final double[] DEFAULT_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final double[] bounds;
    /** One count per bound, then the count above the last (+Inf); not cumulative. */
    private final LongAdder[] counts;
    private final DoubleAdder sum = new DoubleAdder();

    /** A histogram with these upper bounds (seconds, increasing). */
    public Histogram(double[] bounds) {
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must increase: " + Arrays.toString(bounds));
            }
        }
        this.bounds = bounds.clone();
        this.counts = new LongAdder[bounds.length + 1];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** {@code count} bounds from {@code start}, each {@code factor} times the one before (Prometheus' rule). */
    public static double[] exponentialBuckets(double start, double factor, int count) {
        if (start <= 0 || factor <= 1 || count < 1) {
            throw new IllegalArgumentException("exponential buckets need start > 0, factor > 1 and count >= 1");
        }
        double[] out = new double[count];
        out[0] = start;
        for (int i = 1; i < count; i++) {
            out[i] = out[i - 1] * factor;
        }
        return out;
    }

    /** Counts one duration (seconds); a value equal to a bound falls in that bound's bucket ({@code le}). */
    public void observe(double seconds) {
        int i = Arrays.binarySearch(bounds, seconds);
        if (i < 0) {
            i = -i - 1;
        }
        counts[i].increment();
        sum.add(seconds);
    }

    /** Counts the time since {@code startNanos} ({@link System#nanoTime()}). */
    public void observeSince(long startNanos) {
        observe((System.nanoTime() - startNanos) / 1e9);
    }

    /** The counts now. */
    public Snapshot snapshot() {
        long[] cumulative = new long[counts.length];
        long running = 0;
        for (int i = 0; i < counts.length; i++) {
            running += counts[i].sum();
            cumulative[i] = running;
        }
        return new Snapshot(bounds, cumulative, sum.sum());
    }

    /**
     * A histogram's figures at one moment.
     *
     * @param cumulative the count at or below each bound, then the total (the {@code +Inf} bucket)
     */
    public record Snapshot(double[] bounds, long[] cumulative, double sum) {

        public long count() {
            return cumulative[cumulative.length - 1];
        }

        /**
         * Appends the series {@code <name>_bucket}, {@code _sum} and {@code _count} in the text format.
         *
         * @param labels the series' other labels, rendered ({@code operation_type="sync"}), or empty
         */
        public void render(StringBuilder out, String name, String labels) {
            String prefix = labels.isEmpty() ? "" : labels + ",";
            for (int i = 0; i < bounds.length; i++) {
                out.append(name).append("_bucket{").append(prefix).append("le=\"").append(bound(bounds[i]))
                        .append("\"} ").append(cumulative[i]).append('\n');
            }
            out.append(name).append("_bucket{").append(prefix).append("le=\"+Inf\"} ").append(count()).append('\n');
            String braces = labels.isEmpty() ? "" : "{" + labels + "}";
            out.append(name).append("_sum").append(braces).append(' ')
                    .append(String.format(Locale.ROOT, "%.6f", sum)).append('\n');
            out.append(name).append("_count").append(braces).append(' ').append(count()).append('\n');
        }

        /** A bound as Go's Prometheus client writes it: the shortest form that reads back the same (0.005, 1, 2.5). */
        private static String bound(double b) {
            if (b == Math.rint(b) && Math.abs(b) < 1e15) {
                return Long.toString((long) b);
            }
            return Double.toString(b);
        }
    }
}
