package io.kaji.controllers.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that tests move by hand: it reads its start instant until the test calls {@link #advance} or
 * {@link #set}, so code that takes a {@code Clock} can be driven through time-outs and TTLs without sleeping.
 *
 * <p>Thread-safe: a controller or agent thread reading the clock sees the test thread's latest move, and moves from
 * several threads are atomic. The zone is always UTC ({@link #withZone} returns this clock).
 *
 * <p>Shipped in kaji-controllers' test-jar for the modules above it (kaji-scheduler, kaji-node).
 */
public final class MutableClock extends Clock {

    private final AtomicReference<Instant> now;

    /** A clock that reads {@code start} until moved. */
    public MutableClock(Instant start) {
        this.now = new AtomicReference<>(Objects.requireNonNull(start, "start"));
    }

    /** Moves the clock forward by {@code d} (backward if {@code d} is negative). */
    public void advance(Duration d) {
        Objects.requireNonNull(d, "d");
        now.updateAndGet(t -> t.plus(d));
    }

    /** Moves the clock to {@code instant}, forward or backward. */
    public void set(Instant instant) {
        now.set(Objects.requireNonNull(instant, "instant"));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now.get();
    }
}
