package io.kaji.apiserver.flowcontrol;

import io.kaji.apiserver.errors.ApiException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A small form of Kubernetes' API Priority and Fairness: at most {@code seats} non-exempt requests execute at
 * once; the others wait in one FIFO queue per {@link PriorityLevel}. When a seat frees, the housekeeping levels
 * (node heartbeats, node agents, leader election) are served first, in that order, and the workload levels take
 * turns (round robin), so no workload starves another. A request that waits longer than {@code maxWait}, or finds
 * its level's queue full, is refused with 429 TooManyRequests and {@code Retry-After}, which kubectl, client-go
 * and fabric8 retry.
 *
 * <p>Long-running requests (watches, exec/attach/port-forward, followed logs) take no seat, as in Kubernetes,
 * where they hold one only while their initial list is served. Differences from Kubernetes, on purpose: one
 * queue per level instead of shuffle-sharded queues per flow, a single pool of seats instead of per-level
 * nominal shares with borrowing, and no FlowSchema/PriorityLevelConfiguration objects to configure it.
 */
public final class FlowControl {

    /** Kubernetes' message for requests refused by flow control. */
    static final String TOO_MANY = "Too many requests, please try again later.";

    private final int seats;
    private final int queueLength;
    private final Duration maxWait;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<PriorityLevel, ArrayDeque<Waiter>> queues = new EnumMap<>(PriorityLevel.class);
    private final Map<PriorityLevel, long[]> counters = new EnumMap<>(PriorityLevel.class);
    private int inUse;
    private int nextWorkload;

    /** A seat held by one request; closing it hands the seat to the next waiting request. */
    public interface Seat extends AutoCloseable {
        PriorityLevel level();

        @Override
        void close();
    }

    private static final class Waiter {
        final PriorityLevel level;
        final Condition granted;
        boolean admitted;

        Waiter(PriorityLevel level, Condition granted) {
            this.level = level;
            this.granted = granted;
        }
    }

    /**
     * @param seats       non-exempt requests executing at once (at least 1)
     * @param queueLength waiting requests per level before new ones are refused
     * @param maxWait     how long a request may wait for a seat before it is refused
     */
    public FlowControl(int seats, int queueLength, Duration maxWait) {
        if (seats < 1 || queueLength < 0) {
            throw new IllegalArgumentException("flow control needs at least one seat and a queue length >= 0");
        }
        this.seats = seats;
        this.queueLength = queueLength;
        this.maxWait = maxWait;
        for (PriorityLevel l : PriorityLevel.values()) {
            queues.put(l, new ArrayDeque<>());
            counters.put(l, new long[3]);
        }
    }

    /** {@code seats} seats, 1,000 waiting requests per level, 15 s wait (Kubernetes: a quarter of its 60 s timeout). */
    public static FlowControl withSeats(int seats) {
        return new FlowControl(seats, 1000, Duration.ofSeconds(15));
    }

    /**
     * Waits for a seat for a request of {@code level}.
     *
     * @throws ApiException 429 TooManyRequests when the level's queue is full or the wait times out
     */
    public Seat acquire(PriorityLevel level) {
        if (level == PriorityLevel.EXEMPT) {
            count(level, 0);
            return new Held(level, false);
        }
        lock.lock();
        try {
            if (inUse < seats && queuesEmpty()) {
                inUse++;
                counters.get(level)[0]++;
                return new Held(level, true);
            }
            ArrayDeque<Waiter> q = queues.get(level);
            if (q.size() >= queueLength) {
                counters.get(level)[2]++;
                throw tooMany();
            }
            Waiter w = new Waiter(level, lock.newCondition());
            q.addLast(w);
            long nanos = maxWait.toNanos();
            try {
                while (!w.admitted && nanos > 0) {
                    nanos = w.granted.awaitNanos(nanos);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!w.admitted) {
                q.remove(w);
                counters.get(level)[2]++;
                throw tooMany();
            }
            counters.get(level)[0]++;
            counters.get(level)[1]++;
            return new Held(level, true);
        } finally {
            lock.unlock();
        }
    }

    private void count(PriorityLevel level, int which) {
        lock.lock();
        try {
            counters.get(level)[which]++;
        } finally {
            lock.unlock();
        }
    }

    private boolean queuesEmpty() {
        for (ArrayDeque<Waiter> q : queues.values()) {
            if (!q.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private void release() {
        lock.lock();
        try {
            Waiter next = next();
            if (next == null) {
                inUse--;
            } else {
                // The seat passes straight to the waiter: inUse stays.
                next.admitted = true;
                next.granted.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The next waiter: housekeeping levels first, in order; then the workload levels in turn. */
    private Waiter next() {
        PriorityLevel[] levels = PriorityLevel.values();
        for (PriorityLevel l : levels) {
            if (l.system() && !queues.get(l).isEmpty()) {
                return queues.get(l).pollFirst();
            }
        }
        for (int i = 0; i < levels.length; i++) {
            PriorityLevel l = levels[(nextWorkload + i) % levels.length];
            if (!l.system() && !queues.get(l).isEmpty()) {
                nextWorkload = (l.ordinal() + 1) % levels.length;
                return queues.get(l).pollFirst();
            }
        }
        return null;
    }

    private static ApiException tooMany() {
        return ApiException.tooManyRequests(TOO_MANY, 1);
    }

    /** Requests executing now in non-exempt levels. */
    public int inUse() {
        lock.lock();
        try {
            return inUse;
        } finally {
            lock.unlock();
        }
    }

    /** Prometheus text: dispatched, queued-then-dispatched and rejected requests per level, seats in use. */
    public String metrics() {
        StringBuilder b = new StringBuilder();
        lock.lock();
        try {
            b.append("# HELP apiserver_flowcontrol_dispatched_requests_total Requests released for execution.\n")
                    .append("# TYPE apiserver_flowcontrol_dispatched_requests_total counter\n");
            counters.forEach((l, c) -> b.append("apiserver_flowcontrol_dispatched_requests_total{priority_level=\"")
                    .append(l.levelName()).append("\"} ").append(c[0]).append('\n'));
            b.append("# HELP kaji_flowcontrol_queued_requests_total Requests that waited for a seat before executing.\n")
                    .append("# TYPE kaji_flowcontrol_queued_requests_total counter\n");
            counters.forEach((l, c) -> b.append("kaji_flowcontrol_queued_requests_total{priority_level=\"")
                    .append(l.levelName()).append("\"} ").append(c[1]).append('\n'));
            b.append("# HELP apiserver_flowcontrol_rejected_requests_total Requests refused with 429.\n")
                    .append("# TYPE apiserver_flowcontrol_rejected_requests_total counter\n");
            counters.forEach((l, c) -> b.append("apiserver_flowcontrol_rejected_requests_total{priority_level=\"")
                    .append(l.levelName()).append("\"} ").append(c[2]).append('\n'));
            b.append("# HELP apiserver_flowcontrol_current_executing_seats Seats in use by non-exempt requests.\n")
                    .append("# TYPE apiserver_flowcontrol_current_executing_seats gauge\n")
                    .append("apiserver_flowcontrol_current_executing_seats ").append(inUse).append('\n');
            b.append("# HELP apiserver_flowcontrol_current_inqueue_requests Requests waiting for a seat.\n")
                    .append("# TYPE apiserver_flowcontrol_current_inqueue_requests gauge\n");
            queues.forEach((l, q) -> b.append("apiserver_flowcontrol_current_inqueue_requests{priority_level=\"")
                    .append(l.levelName()).append("\"} ").append(q.size()).append('\n'));
        } finally {
            lock.unlock();
        }
        return b.toString();
    }

    private final class Held implements Seat {
        private final PriorityLevel level;
        private boolean open;

        Held(PriorityLevel level, boolean holdsSeat) {
            this.level = level;
            this.open = holdsSeat;
        }

        @Override
        public PriorityLevel level() {
            return level;
        }

        @Override
        public void close() {
            if (open) {
                open = false;
                release();
            }
        }
    }

    /** For tests: waits until {@code n} requests of {@code level} are queued, or the timeout passes. */
    boolean awaitQueued(PriorityLevel level, int n, long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < end) {
            lock.lock();
            try {
                if (queues.get(level).size() >= n) {
                    return true;
                }
            } finally {
                lock.unlock();
            }
            Thread.sleep(5);
        }
        return false;
    }
}
