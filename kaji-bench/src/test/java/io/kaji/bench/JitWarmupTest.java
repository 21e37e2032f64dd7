package io.kaji.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class JitWarmupTest {

    /** A round that takes ~20 ms and during which the "compilers" worked {@code perRound[i]} ms. */
    private static JitWarmup.Round round(AtomicInteger n, AtomicLong compiled, long... perRound) {
        return () -> {
            Thread.sleep(20);
            int i = n.getAndIncrement();
            compiled.addAndGet(perRound[Math.min(i, perRound.length - 1)]);
        };
    }

    @Test
    void roundsGoOnUntilTwoRoundsInARowCompiledLittle() throws Exception {
        AtomicInteger n = new AtomicInteger();
        AtomicLong compiled = new AtomicLong();
        // The third round is quiet, the fourth not (a pause between two bursts), the fifth and sixth quiet.
        JitWarmup.Round r = round(n, compiled, 40, 30, 0, 30, 0, 0);
        JitWarmup.Result result = JitWarmup.run(r, r, Duration.ofMinutes(1), compiled::get);
        assertThat(result.rounds()).isEqualTo(6);
        assertThat(result.settled()).isTrue();
        assertThat(result.lastRoundShare()).isZero();
        assertThat(result.describe()).startsWith("6 round(s); JIT compilation in the last round 0 %");
    }

    @Test
    void aStricterShareWaitsForQuieterRounds() throws Exception {
        AtomicInteger n = new AtomicInteger();
        AtomicLong compiled = new AtomicLong();
        // 1 ms of compilation in rounds of 20 ms or more: at most 5 %, but not under 0.5 % (unless a round took
        // over 200 ms); the fourth and fifth rounds compile nothing.
        JitWarmup.Round r = round(n, compiled, 1, 1, 1, 0, 0);
        JitWarmup.Result result = JitWarmup.run(r, r, Duration.ofMinutes(1), compiled::get, 0.005);
        assertThat(result.rounds()).isEqualTo(5);
        assertThat(result.settled()).isTrue();
        assertThatThrownBy(() -> JitWarmup.run(r, r, Duration.ofMinutes(1), compiled::get, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theCapEndsAWarmUpThatNeverSettles() throws Exception {
        AtomicInteger n = new AtomicInteger();
        AtomicLong compiled = new AtomicLong();
        JitWarmup.Round r = round(n, compiled, 100);
        JitWarmup.Result result = JitWarmup.run(r, r, Duration.ofMillis(70), compiled::get);
        assertThat(result.settled()).isFalse();
        assertThat(result.rounds()).isBetween(2, 5);
        assertThat(result.lastRoundShare()).isGreaterThan(JitWarmup.SETTLED_SHARE);
        assertThat(result.describe()).contains("not settled");
    }

    @Test
    void aZeroCapRunsTheFirstRoundOnly() throws Exception {
        AtomicInteger n = new AtomicInteger();
        AtomicLong compiled = new AtomicLong();
        JitWarmup.Round r = round(n, compiled, 0);
        JitWarmup.Result result = JitWarmup.run(r, r, Duration.ZERO, compiled::get);
        assertThat(n).hasValue(1);
        assertThat(result.rounds()).isEqualTo(1);
        assertThat(result.settled()).as("one quiet round is not two").isFalse();
    }

    @Test
    void aJvmWithoutCompileTimesRunsTheFirstRoundOnly() throws Exception {
        AtomicInteger n = new AtomicInteger();
        JitWarmup.Result result = JitWarmup.run(round(n, new AtomicLong(), 0), round(n, new AtomicLong(), 0),
                Duration.ofMinutes(1), () -> -1);
        assertThat(result.rounds()).isEqualTo(1);
        assertThat(n).hasValue(1);
        assertThat(result.describe()).isEqualTo("JIT compile time not available in this JVM");
    }
}
