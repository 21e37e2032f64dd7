package io.kaji.node.probe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;

/** A {@link ProbeTimer} and {@link Clock} that move only when the test calls {@link #advance}. */
final class ManualTimer extends Clock implements ProbeTimer {

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
    private Instant now;
    private long seq;

    ManualTimer(Instant start) {
        this.now = start;
    }

    @Override
    public synchronized Scheduled schedule(Duration delay, Runnable task) {
        Task t = new Task(now.plus(delay.isNegative() ? Duration.ZERO : delay), seq++, task);
        tasks.add(t);
        return t;
    }

    /** Runs every task due within {@code d}, in order, with the clock at each task's time. */
    void advance(Duration d) {
        Instant target = now.plus(d);
        while (true) {
            Task t;
            synchronized (this) {
                t = tasks.peek();
                if (t == null || t.due.isAfter(target)) {
                    now = target;
                    return;
                }
                tasks.poll();
                now = t.due;
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

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public synchronized Instant instant() {
        return now;
    }
}
