package io.kaji.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompactorTest {

    @TempDir
    Path dir;

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
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

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private static void write(RevisionedStore store, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            store.create(prefix + i, "v".getBytes(UTF_8));
        }
    }

    @Test
    void keepsTheRetentionTimeAndTheRetainedRevisionsWhicheverReachesFurther() {
        ManualClock clock = new ManualClock();
        try (SqliteStore store = SqliteStore.open(dir)) {
            Compactor compactor = new Compactor(store, clock, Duration.ofMinutes(5), 10);
            write(store, "/registry/a/k", 30);
            assertThat(compactor.tick()).isZero(); // nothing is 5 minutes old yet
            long atStart = store.currentRevision();

            clock.advance(Duration.ofMinutes(3));
            write(store, "/registry/b/k", 30);
            assertThat(compactor.tick()).isZero();

            clock.advance(Duration.ofMinutes(3)); // the first sample is now 6 minutes old
            write(store, "/registry/c/k", 5);
            long compacted = compactor.tick();
            assertThat(compacted).isEqualTo(atStart); // time bound (30) is below the count bound (65 - 10)
            assertThat(store.compactRevision()).isEqualTo(atStart);

            clock.advance(Duration.ofMinutes(10));
            long current = store.currentRevision();
            assertThat(compactor.tick()).isEqualTo(current - 10); // now the count bound is the tighter one
            assertThat(compactor.tick()).isZero(); // nothing new to compact
        }
    }

    @Test
    void aQuietStoreIsNotCompactedBelowTheRetainedRevisions() {
        ManualClock clock = new ManualClock();
        try (SqliteStore store = SqliteStore.open(dir)) {
            Compactor compactor = new Compactor(store, clock, Duration.ofMinutes(5), 10_000);
            write(store, "/registry/a/k", 50);
            compactor.tick();
            clock.advance(Duration.ofHours(1));
            assertThat(compactor.tick()).isZero();
            assertThat(store.compactRevision()).isZero();
        }
    }
}
