package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.controllers.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CrashBackOffTest {

    @Test
    void firstRestartIsImmediateThenDoublesUpToTheMaximumAndResetsAfterQuiet() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        CrashBackOff b = new CrashBackOff(Duration.ofSeconds(10), Duration.ofSeconds(300), Duration.ofMinutes(10), clock);
        assertThat(b.remaining("p/c", clock.instant())).isZero();
        assertThat(b.recordFailure("p/c")).hasSeconds(10);
        // The container ran 2 s and exited: it waits 10 s from its exit.
        clock.advance(Duration.ofSeconds(2));
        assertThat(b.remaining("p/c", clock.instant())).hasSeconds(10);
        clock.advance(Duration.ofSeconds(10));
        assertThat(b.remaining("p/c", clock.instant().minusSeconds(10))).isZero();
        assertThat(b.recordFailure("p/c")).hasSeconds(20);
        for (int i = 0; i < 10; i++) {
            b.recordFailure("p/c");
        }
        assertThat(b.recordFailure("p/c")).hasSeconds(300);
        clock.advance(Duration.ofMinutes(30));
        assertThat(b.recordFailure("p/c")).hasSeconds(10);
        b.forget("p/");
        assertThat(b.remaining("p/c", clock.instant())).isZero();
    }
}
