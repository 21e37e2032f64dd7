package io.kaji.controllers.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.controllers.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExpectationsTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void creationsMustAllBeObserved() {
        Expectations e = new Expectations(clock);
        assertThat(e.satisfied("ns/rs")).isTrue();
        e.expectCreations("ns/rs", 2);
        assertThat(e.satisfied("ns/rs")).isFalse();
        e.creationObserved("ns/rs");
        assertThat(e.satisfied("ns/rs")).isFalse();
        e.creationObserved("ns/rs");
        assertThat(e.satisfied("ns/rs")).isTrue();
    }

    @Test
    void aDeletionSeenTwiceCountsOnce() {
        Expectations e = new Expectations(clock);
        e.expectDeletions("ns/rs", List.of("uid-1", "uid-2"));
        e.deletionObserved("ns/rs", "uid-1");
        e.deletionObserved("ns/rs", "uid-1"); // deletionTimestamp set, then gone
        assertThat(e.satisfied("ns/rs")).isFalse();
        e.deletionObserved("ns/rs", "uid-unrelated");
        assertThat(e.satisfied("ns/rs")).isFalse();
        e.deletionObserved("ns/rs", "uid-2");
        assertThat(e.satisfied("ns/rs")).isTrue();
    }

    @Test
    void expectationsExpireSoALostEventCannotStallAnOwner() {
        Expectations e = new Expectations(clock);
        e.expectCreations("ns/rs", 1);
        clock.advance(Expectations.TTL);
        assertThat(e.satisfied("ns/rs")).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(e.satisfied("ns/rs")).isTrue();
    }

    @Test
    void deleteForgetsTheOwner() {
        Expectations e = new Expectations(clock);
        e.expectCreations("ns/rs", 5);
        e.delete("ns/rs");
        assertThat(e.satisfied("ns/rs")).isTrue();
    }
}
