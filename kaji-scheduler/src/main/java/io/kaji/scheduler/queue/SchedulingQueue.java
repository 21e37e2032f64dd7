package io.kaji.scheduler.queue;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.framework.ClusterEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' three-part scheduling queue:
 * <ul>
 *   <li><b>active</b>: pods ready to be tried, highest priority first, then oldest first;</li>
 *   <li><b>back-off</b>: pods that failed recently, each waiting {@link Backoff} (1 s doubling to 10 s) before
 *       going back to active ({@link #flushBackoffCompleted});</li>
 *   <li><b>unschedulable</b>: pods no node fits; a {@linkplain #onClusterEvent cluster event} that one of the
 *       plugins that rejected a pod cares about moves it back (to back-off if its back-off has not elapsed), and
 *       pods left there longer than {@code maxUnschedulable} (Kubernetes: 5 min) are retried anyway
 *       ({@link #flushUnschedulableLeftover}).</li>
 * </ul>
 * A pod with {@code spec.schedulingGates} is not tried at all (the SchedulingGates pre-enqueue check): it is held
 * apart, not counted in any part, until an update removes its last gate, and then goes to active.
 *
 * <p>A pod is in at most one part, once. If a cluster event arrives while a pod is being scheduled, a failure of
 * that attempt goes to back-off instead of unschedulable, so the event is not missed.
 *
 * <p>Thread-safe; {@link #pop()} blocks. Time comes from the injected clock; periodic flushing is the caller's
 * (see {@code Scheduler}).
 */
public final class SchedulingQueue implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SchedulingQueue.class);

    /** Priority (highest first), then creation (oldest first), then time queued. */
    static final Comparator<QueuedPod> ORDER = Comparator.comparingInt(QueuedPod::priority).reversed()
            .thenComparing(QueuedPod::created)
            .thenComparing(QueuedPod::firstQueued)
            .thenComparingLong(QueuedPod::sequence);

    private enum Where { ACTIVE, BACKOFF, UNSCHEDULABLE, IN_FLIGHT, GATED }

    private final Clock clock;
    private final Backoff backoff;
    private final Duration maxUnschedulable;
    private final PriorityQueue<QueuedPod> active = new PriorityQueue<>(ORDER);
    private final PriorityQueue<QueuedPod> backingOff = new PriorityQueue<>(Comparator.comparing(this::backoffExpiry));
    private final Map<String, QueuedPod> unschedulable = new HashMap<>();
    private final Map<String, Where> where = new HashMap<>();
    private final Map<String, QueuedPod> all = new HashMap<>();
    private long schedulingCycle;
    private long arrivals;
    private long moveRequestCycle = -1;
    private boolean closed;

    public SchedulingQueue(Clock clock, Backoff backoff, Duration maxUnschedulable) {
        this.clock = clock;
        this.backoff = backoff;
        this.maxUnschedulable = maxUnschedulable;
    }

    /** Kubernetes' defaults: back-off 1 s to 10 s, unschedulable pods retried after 5 minutes. */
    public static SchedulingQueue withDefaults(Clock clock) {
        return new SchedulingQueue(clock, Backoff.DEFAULT, Duration.ofMinutes(5));
    }

    private Instant backoffExpiry(QueuedPod p) {
        Instant failed = p.lastFailure() == null ? p.firstQueued() : p.lastFailure();
        return failed.plus(backoff.after(Math.max(1, p.attempts())));
    }

    /** A new pending pod: into active (ignored if already queued). */
    public synchronized void add(Pod pod) {
        String uid = pod.getMetadata().getUid();
        if (all.containsKey(uid)) {
            update(pod);
            return;
        }
        QueuedPod p = new QueuedPod(pod, clock.instant(), arrivals++);
        all.put(uid, p);
        if (gated(pod)) {
            where.put(uid, Where.GATED);
        } else {
            toActive(p);
        }
    }

    /** Whether the pod still has scheduling gates. */
    static boolean gated(Pod pod) {
        return pod.getSpec() != null && pod.getSpec().getSchedulingGates() != null
                && !pod.getSpec().getSchedulingGates().isEmpty();
    }

    /**
     * The pod changed while pending. The newest object is kept; an unschedulable pod whose spec or labels changed
     * is tried again (the change may have made it fit).
     */
    public synchronized void update(Pod pod) {
        String uid = pod.getMetadata().getUid();
        QueuedPod p = all.get(uid);
        if (p == null) {
            add(pod);
            return;
        }
        boolean changed = !java.util.Objects.equals(p.pod().getSpec(), pod.getSpec())
                || !java.util.Objects.equals(p.pod().getMetadata().getLabels(), pod.getMetadata().getLabels());
        p.setPod(pod);
        if (where.get(uid) == Where.GATED) {
            if (!gated(pod)) {
                log.debug("scheduling queue: pod {} has no scheduling gates left", uid);
                toActive(p);
            }
        } else if (changed && where.get(uid) == Where.UNSCHEDULABLE) {
            unschedulable.remove(uid);
            moveOut(p);
        }
    }

    /** The pod was deleted or bound: it leaves the queue wherever it is. */
    public synchronized void delete(Pod pod) {
        String uid = pod.getMetadata().getUid();
        QueuedPod p = all.remove(uid);
        Where w = where.remove(uid);
        if (p == null || w == null) {
            return;
        }
        switch (w) {
            case ACTIVE -> active.remove(p);
            case BACKOFF -> backingOff.remove(p);
            case UNSCHEDULABLE -> unschedulable.remove(uid);
            case IN_FLIGHT, GATED -> { }
        }
    }

    /**
     * Takes the next pod to schedule, waiting for one; empty once closed. The pod stays known as in flight until
     * {@link #done}, {@link #addUnschedulable} or {@link #addBackoff}.
     */
    public synchronized Optional<QueuedPod> pop() throws InterruptedException {
        while (active.isEmpty() && !closed) {
            wait();
        }
        if (closed) {
            return Optional.empty();
        }
        QueuedPod p = active.poll();
        where.put(p.uid(), Where.IN_FLIGHT);
        p.attempted();
        schedulingCycle++;
        return Optional.of(p);
    }

    /** The scheduling cycle of the latest {@link #pop()}: pass it back to {@link #addUnschedulable}. */
    public synchronized long schedulingCycle() {
        return schedulingCycle;
    }

    /** The pod was bound (or dropped): forget it. */
    public synchronized void done(String uid) {
        if (where.get(uid) == Where.IN_FLIGHT) {
            where.remove(uid);
            all.remove(uid);
        }
    }

    /**
     * No node fits the pod, as found in {@code cycle}: it waits for a cluster event ({@link QueuedPod#wakeOn}).
     * If an event already arrived during the attempt, it goes to back-off instead.
     */
    public synchronized void addUnschedulable(QueuedPod p, long cycle) {
        if (!all.containsKey(p.uid()) || where.get(p.uid()) != Where.IN_FLIGHT) {
            return; // deleted or bound meanwhile
        }
        p.failedAt(clock.instant());
        if (moveRequestCycle >= cycle) {
            toBackoff(p);
        } else {
            where.put(p.uid(), Where.UNSCHEDULABLE);
            unschedulable.put(p.uid(), p);
        }
    }

    /** The attempt failed with an error (API failure, binding refused): retry after back-off. */
    public synchronized void addBackoff(QueuedPod p) {
        if (!all.containsKey(p.uid()) || where.get(p.uid()) != Where.IN_FLIGHT) {
            return;
        }
        p.failedAt(clock.instant());
        toBackoff(p);
    }

    /** A cluster event happened: unschedulable pods that registered interest in it move to active or back-off. */
    public synchronized void onClusterEvent(ClusterEvent event) {
        moveRequestCycle = schedulingCycle;
        List<QueuedPod> moving = new ArrayList<>();
        for (QueuedPod p : unschedulable.values()) {
            if (p.wakeOn().contains(event)) {
                moving.add(p);
            }
        }
        for (QueuedPod p : moving) {
            unschedulable.remove(p.uid());
            moveOut(p);
        }
        if (!moving.isEmpty()) {
            log.debug("scheduling queue: {} moved {} unschedulable pod(s)", event, moving.size());
        }
    }

    private void moveOut(QueuedPod p) {
        if (p.lastFailure() != null && backoffExpiry(p).isAfter(clock.instant())) {
            toBackoff(p);
        } else {
            toActive(p);
        }
    }

    /** Moves pods whose back-off has elapsed to active. */
    public synchronized void flushBackoffCompleted() {
        Instant now = clock.instant();
        while (!backingOff.isEmpty() && !backoffExpiry(backingOff.peek()).isAfter(now)) {
            toActive(backingOff.poll());
        }
    }

    /** Retries pods that stayed unschedulable longer than {@code maxUnschedulable}. */
    public synchronized void flushUnschedulableLeftover() {
        Instant limit = clock.instant().minus(maxUnschedulable);
        for (Iterator<QueuedPod> it = unschedulable.values().iterator(); it.hasNext(); ) {
            QueuedPod p = it.next();
            if (p.lastFailure() != null && p.lastFailure().isBefore(limit)) {
                it.remove();
                moveOut(p);
            }
        }
    }

    private void toActive(QueuedPod p) {
        where.put(p.uid(), Where.ACTIVE);
        active.add(p);
        notifyAll();
    }

    private void toBackoff(QueuedPod p) {
        where.put(p.uid(), Where.BACKOFF);
        backingOff.add(p);
    }

    /** Counts per part, for logs and tests: active, back-off, unschedulable. */
    public synchronized int[] sizes() {
        return new int[] {active.size(), backingOff.size(), unschedulable.size()};
    }

    /** Pods held back by their scheduling gates. */
    public synchronized int gatedCount() {
        return (int) where.values().stream().filter(w -> w == Where.GATED).count();
    }

    /** Whether the pod is queued, gated or in flight. */
    public synchronized boolean contains(String uid) {
        return all.containsKey(uid);
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
