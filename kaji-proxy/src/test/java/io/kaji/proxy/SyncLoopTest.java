package io.kaji.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Coalescing, periodic full syncs and back-off of the sync loop, with a fake sync function. */
class SyncLoopTest {

    @Test
    void aBurstOfRequestsIsCoalescedIntoFewSyncsAndTheLastIsProgrammed() throws InterruptedException {
        AtomicInteger syncs = new AtomicInteger();
        AtomicInteger seen = new AtomicInteger();
        AtomicInteger value = new AtomicInteger();
        try (SyncLoop loop = new SyncLoop("test", Duration.ofMillis(100), Duration.ofMinutes(5), full -> {
            syncs.incrementAndGet();
            seen.set(value.get());
            return true;
        })) {
            assertThat(loop.start()).isTrue();
            for (int i = 1; i <= 200; i++) {
                value.set(i);
                loop.request();
                Thread.sleep(1);
            }
            await().atMost(Duration.ofSeconds(1)).until(() -> seen.get() == 200);
            // ~200 ms of requests at most one sync per 100 ms: a handful of syncs, not 200.
            assertThat(syncs.get()).isBetween(2, 8);
        }
    }

    @Test
    void aChangeIsSyncedWithinTheMinimumIntervalAfterAQuietPeriod() {
        List<Long> at = new CopyOnWriteArrayList<>();
        try (SyncLoop loop = new SyncLoop("test", Duration.ofMillis(100), Duration.ofMinutes(5), full -> at.add(System.nanoTime()))) {
            loop.start();
            await().pollDelay(Duration.ofMillis(150)).until(() -> true);
            long requested = System.nanoTime();
            loop.request();
            await().atMost(Duration.ofSeconds(1)).until(() -> at.size() == 2);
            assertThat(Duration.ofNanos(at.get(1) - requested)).isLessThan(Duration.ofMillis(100));
        }
    }

    @Test
    void aFailingSyncIsRetriedWithGrowingBackOffAsFullSyncsAndNeverEscapes() {
        List<Long> at = new CopyOnWriteArrayList<>();
        List<Boolean> fulls = new CopyOnWriteArrayList<>();
        try (SyncLoop loop = new SyncLoop("test", Duration.ofMillis(10), Duration.ofMinutes(5), full -> {
            at.add(System.nanoTime());
            fulls.add(full);
            if (at.size() < 4) {
                throw new IllegalStateException("iptables-restore failed");
            }
            return true;
        })) {
            assertThat(loop.start()).isFalse();
            // Requests during back-off do not hammer the failing sync.
            for (int i = 0; i < 50; i++) {
                loop.request();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> at.size() == 4);
            Duration first = Duration.ofNanos(at.get(1) - at.get(0));
            Duration third = Duration.ofNanos(at.get(3) - at.get(2));
            assertThat(first).isGreaterThanOrEqualTo(Duration.ofMillis(450));
            assertThat(third).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
            assertThat(fulls).containsOnly(true);
        }
    }

    @Test
    void fullSyncsRecurEveryResyncPeriod() {
        List<Boolean> fulls = new CopyOnWriteArrayList<>();
        try (SyncLoop loop = new SyncLoop("test", Duration.ofMillis(10), Duration.ofSeconds(1), full -> fulls.add(full))) {
            loop.start();
            loop.request();
            await().atMost(Duration.ofSeconds(3)).until(() -> fulls.size() >= 3);
            assertThat(fulls.get(0)).isTrue();
            assertThat(fulls.get(1)).isFalse();
            assertThat(fulls.get(2)).isTrue();
        }
    }
}
