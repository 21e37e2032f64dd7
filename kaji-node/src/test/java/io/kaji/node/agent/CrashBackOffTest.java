package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CrashBackOffTest {

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void firstRestartIsImmediateThenDoublesUpToTheMaximumAndResetsAfterQuiet() {
        MutableClock clock = new MutableClock();
        CrashBackOff b = new CrashBackOff(Duration.ofSeconds(10), Duration.ofSeconds(300), Duration.ofMinutes(10), clock);
        assertThat(b.remaining("p/c", clock.now)).isZero();
        assertThat(b.recordFailure("p/c")).hasSeconds(10);
        // The container ran 2 s and exited: it waits 10 s from its exit.
        clock.now = clock.now.plusSeconds(2);
        assertThat(b.remaining("p/c", clock.now)).hasSeconds(10);
        clock.now = clock.now.plusSeconds(10);
        assertThat(b.remaining("p/c", clock.now.minusSeconds(10))).isZero();
        assertThat(b.recordFailure("p/c")).hasSeconds(20);
        for (int i = 0; i < 10; i++) {
            b.recordFailure("p/c");
        }
        assertThat(b.recordFailure("p/c")).hasSeconds(300);
        clock.now = clock.now.plus(Duration.ofMinutes(30));
        assertThat(b.recordFailure("p/c")).hasSeconds(10);
        b.forget("p/");
        assertThat(b.remaining("p/c", clock.now)).isZero();
    }
}
