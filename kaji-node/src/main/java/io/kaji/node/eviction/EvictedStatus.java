package io.kaji.node.eviction;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The final status of a pod the node evicted, as the kubelet writes it: phase {@code Failed}, reason
 * {@code Evicted}, the eviction message, a {@code DisruptionTarget} condition (reason
 * {@code TerminationByKubelet}), Ready and ContainersReady False, and every container that was running
 * terminated with exit code 137 (killed). Stateless.
 */
public final class EvictedStatus {

    public static final String REASON = "Evicted";
    public static final String DISRUPTION_TARGET = "DisruptionTarget";
    public static final String TERMINATION_BY_KUBELET = "TerminationByKubelet";

    private EvictedStatus() {
    }

    /** The kubelet's reason and message for a pod that ran past its {@code activeDeadlineSeconds}. */
    public static final String DEADLINE_EXCEEDED = "DeadlineExceeded";
    public static final String DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline";

    /** The status to write for {@code pod} evicted with {@code message} at {@code now}. */
    public static PodStatus of(Pod pod, String message, Instant now) {
        return failed(pod, REASON, message, true, now);
    }

    /**
     * The status of a pod that ran past its {@code activeDeadlineSeconds}, as the kubelet's active deadline handler
     * fails it: the same, with reason {@code DeadlineExceeded} and no {@code DisruptionTarget} condition.
     */
    public static PodStatus deadlineExceeded(Pod pod, Instant now) {
        return failed(pod, DEADLINE_EXCEEDED, DEADLINE_MESSAGE, false, now);
    }

    private static PodStatus failed(Pod pod, String reason, String message, boolean disruption, Instant now) {
        String t = now.truncatedTo(ChronoUnit.SECONDS).toString();
        PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        List<PodCondition> conditions = new ArrayList<>();
        for (PodCondition c : nullSafe(old.getConditions())) {
            if (c.getType().equals(DISRUPTION_TARGET)) {
                continue;
            }
            if ((c.getType().equals("Ready") || c.getType().equals("ContainersReady"))
                    && !"False".equals(c.getStatus())) {
                conditions.add(new PodConditionBuilder(c).withStatus("False").withReason("PodFailed")
                        .withMessage(null).withLastTransitionTime(t).build());
            } else {
                conditions.add(c);
            }
        }
        if (disruption) {
            conditions.add(new PodConditionBuilder().withType(DISRUPTION_TARGET).withStatus("True")
                    .withReason(TERMINATION_BY_KUBELET).withMessage(message).withLastTransitionTime(t).build());
        }
        return new PodStatusBuilder(old).withPhase("Failed").withReason(reason).withMessage(message)
                .withConditions(conditions)
                .withContainerStatuses(killed(old.getContainerStatuses(), t))
                .withInitContainerStatuses(killed(old.getInitContainerStatuses(), t)).build();
    }

    /** Running containers as terminated by SIGKILL; waiting ones as never located; terminated ones unchanged. */
    private static List<ContainerStatus> killed(List<ContainerStatus> statuses, String now) {
        List<ContainerStatus> out = new ArrayList<>();
        for (ContainerStatus s : nullSafe(statuses)) {
            var state = s.getState();
            if (state != null && state.getTerminated() != null) {
                out.add(s);
                continue;
            }
            ContainerStateBuilder terminated = new ContainerStateBuilder();
            if (state != null && state.getRunning() != null) {
                terminated.withNewTerminated().withExitCode(137).withReason("Error")
                        .withStartedAt(state.getRunning().getStartedAt()).withFinishedAt(now)
                        .withContainerID(s.getContainerID()).endTerminated();
            } else {
                terminated.withNewTerminated().withExitCode(137).withReason("ContainerStatusUnknown")
                        .withMessage("The container could not be located when the pod was terminated")
                        .endTerminated();
            }
            out.add(new ContainerStatusBuilder(s).withState(terminated.build()).withReady(false).withStarted(false)
                    .build());
        }
        return out;
    }

    private static <T> List<T> nullSafe(List<T> l) {
        return l == null ? List.of() : l;
    }
}
