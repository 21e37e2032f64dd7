package io.kaji.scheduler.framework;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ParallelizerTest {

    @Test
    void runsEveryChunkOnceAcrossThreads() {
        try (Parallelizer p = new Parallelizer(4)) {
            ConcurrentHashMap<Integer, Integer> seen = new ConcurrentHashMap<>();
            ConcurrentHashMap<String, Boolean> threads = new ConcurrentHashMap<>();
            int claimed = p.run(200, c -> {
                seen.merge(c, 1, Integer::sum);
                threads.put(Thread.currentThread().getName(), true);
                busy();
            }, () -> false);
            assertThat(claimed).isEqualTo(200);
            assertThat(seen).hasSize(200).allSatisfy((c, n) -> assertThat(n).isEqualTo(1));
            assertThat(threads.size()).isGreaterThan(1);
        }
    }

    @Test
    void stopsClaimingOnceToldAndClaimsInOrder() {
        try (Parallelizer p = new Parallelizer(3)) {
            AtomicInteger done = new AtomicInteger();
            ConcurrentHashMap<Integer, Boolean> seen = new ConcurrentHashMap<>();
            int claimed = p.run(1000, c -> {
                seen.put(c, true);
                done.incrementAndGet();
            }, () -> done.get() >= 10);
            assertThat(claimed).isBetween(10, 12);
            // Claimed in increasing order: the chunks run are exactly 0..claimed-1.
            assertThat(seen.keySet()).allSatisfy(c -> assertThat(c).isLessThan(claimed)).hasSize(claimed);
        }
    }

    @Test
    void aFailingChunkFailsTheRunAfterTheOthersEnded() {
        try (Parallelizer p = new Parallelizer(2)) {
            assertThatThrownBy(() -> p.run(50, c -> {
                if (c == 7) {
                    throw new IllegalStateException("chunk 7");
                }
            }, () -> false)).hasMessage("chunk 7");
        }
    }

    private static void busy() {
        long end = System.nanoTime() + 200_000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
