package io.kaji.bench.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LatencySummaryTest {

    private static final long MS = 1_000_000L;

    @Test
    void nearestRankPercentilesOfOneToHundred() {
        // 100 samples of 1..100 ms, shuffled: the p-th percentile is p ms.
        List<Long> samples = new java.util.ArrayList<>(LongStream.rangeClosed(1, 100).map(i -> i * MS).boxed().toList());
        java.util.Collections.shuffle(samples, new java.util.Random(7));
        LatencySummary s = LatencySummary.ofNanos(samples);
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.p50Ms()).isEqualTo(50.0);
        assertThat(s.p90Ms()).isEqualTo(90.0);
        assertThat(s.p99Ms()).isEqualTo(99.0);
        assertThat(s.maxMs()).isEqualTo(100.0);
        assertThat(s.meanMs()).isCloseTo(50.5, within(1e-9));
    }

    @Test
    void smallSetsRoundTheRankUp() {
        long[] ten = LongStream.rangeClosed(1, 10).map(i -> i * MS).toArray();
        assertThat(LatencySummary.percentile(ten, 99)).isEqualTo(10 * MS);
        assertThat(LatencySummary.percentile(ten, 50)).isEqualTo(5 * MS);
        assertThat(LatencySummary.percentile(ten, 91)).isEqualTo(10 * MS);
        assertThat(LatencySummary.percentile(ten, 90)).isEqualTo(9 * MS);
        LatencySummary one = LatencySummary.ofNanos(new long[] {3 * MS});
        assertThat(List.of(one.p50Ms(), one.p90Ms(), one.p99Ms(), one.maxMs())).containsOnly(3.0);
    }

    @Test
    void oneSlowOutlierShowsOnlyInTheTail() {
        long[] samples = new long[200];
        java.util.Arrays.fill(samples, 100 * MS);
        samples[17] = 5_000 * MS;
        samples[18] = 4_000 * MS;
        LatencySummary s = LatencySummary.ofNanos(samples);
        assertThat(s.p50Ms()).isEqualTo(100.0);
        assertThat(s.p99Ms()).isEqualTo(100.0); // rank 198 of 200: still a fast one
        assertThat(s.maxMs()).isEqualTo(5_000.0);
        assertThat(s.format()).contains("n=200", "p50 100 ms", "max 5000 ms");
    }

    @Test
    void rejectsEmptyAndNegativeInput() {
        assertThatThrownBy(() -> LatencySummary.ofNanos(new long[0])).hasMessageContaining("no samples");
        assertThatThrownBy(() -> LatencySummary.ofNanos(new long[] {5, -1})).hasMessageContaining("negative");
        assertThatThrownBy(() -> LatencySummary.percentile(new long[] {1}, 0)).hasMessageContaining("(0, 100]");
        assertThatThrownBy(() -> LatencySummary.perSecond(3, 0)).hasMessageContaining("not positive");
    }

    @Test
    void throughput() {
        assertThat(LatencySummary.perSecond(100, 20_000 * MS)).isCloseTo(5.0, within(1e-9));
    }
}
