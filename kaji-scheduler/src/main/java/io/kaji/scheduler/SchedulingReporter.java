package io.kaji.scheduler;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * Tells users what the scheduler decided, through the API: events and the pod's {@code PodScheduled} condition.
 * Best effort: implementations log failures and never throw. Called from binding threads; thread-safe.
 */
public interface SchedulingReporter {

    /** Condition reason when no node fits. */
    String UNSCHEDULABLE = "Unschedulable";
    /** Condition reason when the attempt failed with an error. */
    String SCHEDULER_ERROR = "SchedulerError";

    /** The pod was bound: a {@code Scheduled} event. */
    void scheduled(Pod pod, String nodeName);

    /**
     * The pod could not be scheduled: a {@code FailedScheduling} warning event and {@code PodScheduled=False}
     * with {@code reason} and {@code message}; {@code nominatedNode} (or null) goes into
     * {@code status.nominatedNodeName}.
     */
    void failed(Pod pod, String reason, String message, String nominatedNode);

    /** Reports nothing (unit tests). */
    SchedulingReporter NONE = new SchedulingReporter() {
        @Override
        public void scheduled(Pod pod, String nodeName) {
        }

        @Override
        public void failed(Pod pod, String reason, String message, String nominatedNode) {
        }
    };
}
