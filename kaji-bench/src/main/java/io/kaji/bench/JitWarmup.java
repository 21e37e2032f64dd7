package io.kaji.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * Warm-up that lasts until the JIT compilers are mostly done. A server that has run for a while executes its hot
 * paths as optimized (C2) code; one started seconds ago still runs much of them interpreted or with profiling C1
 * code, and its compiler threads take CPU from it. On two cores a fixed warm-up of a few seconds ended long before
 * that: {@code kaji bench apiserver}'s compilers spent about as much time compiling during the measured creates as
 * the run lasted, and creates ran at half the rate they reached later. So a benchmark runs warm-up rounds until two
 * rounds in a row spent a small share of their wall time compiling (one quiet round can be a pause between two
 * bursts of compilation), or a time cap is reached, and reports the compile time during its measurement next to its
 * figures.
 *
 * <p>The compile time is {@link CompilationMXBean#getTotalCompilationTime()}: the time the compiler threads spent
 * on compilations, summed over threads (so it can exceed the wall time).
 */
public final class JitWarmup {

    /** One round of warm-up work. */
    @FunctionalInterface
    public interface Round {
        void run() throws Exception;
    }

    /**
     * What the warm-up did.
     *
     * @param rounds          rounds run (the first is the caller's minimum warm-up)
     * @param seconds         wall time of all rounds
     * @param lastRoundShare  the JIT's compile time over the last round's wall time (0.05 = 5 %); -1 when unknown
     * @param settled         whether the last round's share was under the goal (false: the time cap ended it)
     */
    public record Result(int rounds, double seconds, double lastRoundShare, boolean settled) {

        /** A clause for the benchmark's output, e.g. "JIT compilation in the last round 2 % of its time". */
        public String describe() {
            if (lastRoundShare < 0) {
                return "JIT compile time not available in this JVM";
            }
            return String.format("%d round(s); JIT compilation in the last round %.0f %% of its wall time%s", rounds,
                    100 * lastRoundShare, settled ? "" : " (not settled: warm-up time cap reached)");
        }
    }

    /** The goal: two rounds in a row in which the compilers worked less than this share of the wall time. */
    public static final double SETTLED_SHARE = 0.05;

    /** Quiet rounds in a row that end the warm-up. */
    static final int QUIET_ROUNDS = 2;

    private JitWarmup() {
    }

    /** Milliseconds the JIT compilers have spent so far, or -1 when the JVM does not tell. */
    public static long compileMillis() {
        CompilationMXBean bean = ManagementFactory.getCompilationMXBean();
        return bean != null && bean.isCompilationTimeMonitoringSupported() ? bean.getTotalCompilationTime() : -1;
    }

    /**
     * Runs {@code first}, then {@code more} until {@link #QUIET_ROUNDS} rounds in a row compiled for less than
     * {@link #SETTLED_SHARE} of their wall time, or {@code cap} has passed since the start (a zero cap: {@code first}
     * alone).
     */
    public static Result run(Round first, Round more, Duration cap) throws Exception {
        return run(first, more, cap, JitWarmup::compileMillis);
    }

    /**
     * {@link #run(Round, Round, Duration)} with the compile time read by {@code compileMillis} (milliseconds so far,
     * -1 when unknown): e.g. that of other JVMs the benchmark drives, as {@code kaji bench pod-startup} does.
     */
    public static Result run(Round first, Round more, Duration cap, java.util.function.LongSupplier compileMillis)
            throws Exception {
        return run(first, more, cap, compileMillis, SETTLED_SHARE);
    }

    /** As above, settled once two rounds in a row compiled for less than {@code settledShare} of their wall time. */
    public static Result run(Round first, Round more, Duration cap, java.util.function.LongSupplier compileMillis,
                             double settledShare) throws Exception {
        if (!(settledShare > 0 && settledShare <= 1)) {
            throw new IllegalArgumentException("the settled share must be above 0 and at most 1: " + settledShare);
        }
        long start = System.nanoTime();
        int rounds = 0;
        int quiet = 0;
        Round round = first;
        while (true) {
            long c0 = compileMillis.getAsLong();
            long t0 = System.nanoTime();
            round.run();
            rounds++;
            long wallMillis = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
            long c1 = compileMillis.getAsLong();
            double share = c0 < 0 || c1 < 0 ? -1 : (double) (c1 - c0) / wallMillis;
            double seconds = (System.nanoTime() - start) / 1e9;
            if (share < 0) {
                return new Result(rounds, seconds, share, false);
            }
            quiet = share < settledShare ? quiet + 1 : 0;
            if (quiet >= QUIET_ROUNDS) {
                return new Result(rounds, seconds, share, true);
            }
            if (System.nanoTime() - start >= cap.toNanos()) {
                return new Result(rounds, seconds, share, false);
            }
            round = more;
        }
    }
}
