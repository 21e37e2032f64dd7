package io.kaji.scheduler.queue;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.PodInfo;
import java.time.Instant;
import java.util.Set;

/**
 * A pod waiting to be scheduled, with its queueing history. Owned by the {@link SchedulingQueue}; the scheduling
 * thread may read it after {@link SchedulingQueue#pop()} and set {@link #wakeOn} before handing it back.
 */
public final class QueuedPod {

    private volatile Pod pod;
    /** Parsed once: the queue's ordering reads it in every comparison. */
    private volatile Instant created;
    private final Instant firstQueued;
    private final long sequence;
    private Instant lastFailure;
    private int attempts;
    private volatile Set<ClusterEvent> wakeOn = ClusterEvent.ALL;

    QueuedPod(Pod pod, Instant now, long sequence) {
        this.pod = pod;
        this.firstQueued = now;
        this.sequence = sequence;
        this.created = creationOf(pod, now);
    }

    private static Instant creationOf(Pod pod, Instant fallback) {
        String ts = pod.getMetadata().getCreationTimestamp();
        return ts == null ? fallback : Instant.parse(ts);
    }

    /** Arrival order in the queue: the last tie-breaker, so equal pods leave in the order they came. */
    long sequence() {
        return sequence;
    }

    public Pod pod() {
        return pod;
    }

    void setPod(Pod pod) {
        this.pod = pod;
        this.created = creationOf(pod, firstQueued);
    }

    public String uid() {
        return pod.getMetadata().getUid();
    }

    public String key() {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    public int priority() {
        return PodInfo.priorityOf(pod);
    }

    /** The pod's creation time (its age orders pods of equal priority). */
    Instant created() {
        return created;
    }

    /** When the pod first entered the queue (for the time-to-schedule figures). */
    public Instant firstQueued() {
        return firstQueued;
    }

    /** How many times the pod was popped for a scheduling attempt. */
    public int attempts() {
        return attempts;
    }

    void attempted() {
        attempts++;
    }

    Instant lastFailure() {
        return lastFailure;
    }

    void failedAt(Instant t) {
        lastFailure = t;
    }

    /** The cluster events that could make the pod schedulable (set from the plugins that rejected it). */
    public Set<ClusterEvent> wakeOn() {
        return wakeOn;
    }

    public void setWakeOn(Set<ClusterEvent> events) {
        this.wakeOn = Set.copyOf(events);
    }
}
