package io.kaji.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GcPausesTest {

    @Test
    void countsTotalsAndKeepsTheLongestPause() {
        try (GcPauses gc = GcPauses.start()) {
            gc.record(3, "end of minor GC");
            gc.record(40, "end of major GC");
            gc.record(7, "end of minor GC");
            GcPauses.Summary s = gc.summary();
            assertThat(s.pauses()).isGreaterThanOrEqualTo(3);
            assertThat(s.totalMillis()).isGreaterThanOrEqualTo(50);
            assertThat(s.maxMillis()).isGreaterThanOrEqualTo(40);
            assertThat(s.majorPauses()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void concurrentCyclesAreNotPauses() {
        assertThat(GcPauses.isConcurrentCycle("G1 Concurrent GC")).isTrue();
        assertThat(GcPauses.isConcurrentCycle("ZGC Major Cycles")).isTrue();
        assertThat(GcPauses.isConcurrentCycle("G1 Young Generation")).isFalse();
        assertThat(GcPauses.isConcurrentCycle("PS Scavenge")).isFalse();
        assertThat(GcPauses.isMajor("end of major GC")).isTrue();
        assertThat(GcPauses.isMajor("end of minor GC")).isFalse();
    }

    @Test
    void seesARealCollectionThroughTheJvmsNotifications() {
        try (GcPauses gc = GcPauses.start()) {
            assertThat(gc.summary().collectors()).isNotEmpty();
            System.gc();
            await().atMost(Duration.ofSeconds(10)).until(() -> gc.summary().pauses() >= 1);
            assertThat(gc.summary().describe()).startsWith("GC (").contains("pause(s)");
        }
    }
}
