package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * A pod with what the scheduler derives from it once: its requests, its non-zero requests (for scoring), the
 * host ports it holds and its pod (anti-)affinity terms (read for every existing pod in every cycle of a pod with
 * inter-pod affinity, so resolved here once). Immutable; the pod object must not be modified after wrapping.
 */
public record PodInfo(Pod pod, Resources requests, Resources nonZeroRequests, List<HostPort> hostPorts,
                      AffinityTerms affinityTerms) {

    public PodInfo {
        hostPorts = List.copyOf(hostPorts);
    }

    public static PodInfo of(Pod pod) {
        return new PodInfo(pod, PodResources.requests(pod), PodResources.nonZeroRequests(pod),
                PodResources.hostPorts(pod), AffinityTerms.of(pod));
    }

    public String uid() {
        return pod.getMetadata().getUid();
    }

    /** {@code namespace/name}. */
    public String key() {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    /** The pod's priority ({@code spec.priority}); 0 when unset, as for a pod without a priority class. */
    public int priority() {
        return priorityOf(pod);
    }

    public static int priorityOf(Pod pod) {
        Integer p = pod.getSpec() == null ? null : pod.getSpec().getPriority();
        return p == null ? 0 : p;
    }

    /** Has pod affinity or pod anti-affinity terms (required or preferred). */
    public boolean hasAffinity() {
        Affinity a = affinity();
        return a != null && (a.getPodAffinity() != null || a.getPodAntiAffinity() != null);
    }

    /** Has required pod anti-affinity terms. */
    public boolean hasRequiredAntiAffinity() {
        Affinity a = affinity();
        return a != null && a.getPodAntiAffinity() != null
                && a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null
                && !a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().isEmpty();
    }

    private Affinity affinity() {
        return pod.getSpec() == null ? null : pod.getSpec().getAffinity();
    }
}
