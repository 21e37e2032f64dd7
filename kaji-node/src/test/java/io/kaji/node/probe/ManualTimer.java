package io.kaji.node.probe;

import io.kaji.controllers.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * A {@link ProbeTimer} and its {@link #clock()} that move only when the test calls {@link #advance}: each due task
 * runs with the clock at its own time.
 */
final class ManualTimer implements ProbeTimer {

    private final class Task implements Scheduled, Comparable<Task> {
        final Instant due;
        final long seq;
        final Runnable run;
        boolean cancelled;

        Task(Instant due, long seq, Runnable run) {
            this.due = due;
            this.seq = seq;
            this.run = run;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Task o) {
            int c = due.compareTo(o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private final MutableClock clock;
    private long seq;

    ManualTimer(Instant start) {
        this.clock = new MutableClock(start);
    }

    /** The clock this timer moves; only {@link #advance} moves it. */
    Clock clock() {
        return clock;
    }

    @Override
    public synchronized Scheduled schedule(Duration delay, Runnable task) {
        Task t = new Task(clock.instant().plus(delay.isNegative() ? Duration.ZERO : delay), seq++, task);
        tasks.add(t);
        return t;
    }

    /** Runs every task due within {@code d}, in order, with the clock at each task's time. */
    void advance(Duration d) {
        Instant target = clock.instant().plus(d);
        while (true) {
            Task t;
            synchronized (this) {
                t = tasks.peek();
                if (t == null || t.due.isAfter(target)) {
                    clock.set(target);
                    return;
                }
                tasks.poll();
                clock.set(t.due);
            }
            if (!t.cancelled) {
                t.run.run();
            }
        }
    }

    synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled).count();
    }

    @Override
    public void close() {
    }
}
