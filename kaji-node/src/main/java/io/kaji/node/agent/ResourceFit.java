package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kubelet's resource admission of a pod it is about to start: the pod's requests, added to those of the pods
 * already admitted on the node, must fit the node's allocatable, or the pod is rejected with reason
 * {@code OutOf<resource>}. The scheduler already keeps to allocatable; this catches pods bound by hand
 * ({@code spec.nodeName}) and a scheduler whose view was behind.
 */
final class ResourceFit {

    /** Why a pod does not fit: the pod status reason and the kubelet's message. */
    record Rejection(String reason, String message) {
    }

    private static final List<String> CHECKED = List.of("cpu", "memory", "ephemeral-storage");

    private ResourceFit() {
    }

    /**
     * Whether {@code pod} fits beside {@code admitted} (the other pods running or admitted here) within
     * {@code allocatable}; a resource the node does not report is not checked.
     */
    static Optional<Rejection> check(Pod pod, List<Pod> admitted, Map<String, Quantity> allocatable) {
        Quantity maxPods = allocatable.get("pods");
        if (maxPods != null) {
            long capacity = amount("pods", maxPods);
            if (admitted.size() + 1 > capacity) {
                return Optional.of(rejection("pods", 1, admitted.size(), capacity));
            }
        }
        for (String resource : CHECKED) {
            Quantity q = allocatable.get(resource);
            long requested = request(pod, resource);
            if (q == null || requested == 0) {
                continue;
            }
            long used = admitted.stream().mapToLong(p -> request(p, resource)).sum();
            long capacity = amount(resource, q);
            if (used + requested > capacity) {
                return Optional.of(rejection(resource, requested, used, capacity));
            }
        }
        return Optional.empty();
    }

    private static Rejection rejection(String resource, long requested, long used, long capacity) {
        return new Rejection("OutOf" + resource, "Node didn't have enough resource: " + resource + ", requested: "
                + requested + ", used: " + used + ", capacity: " + capacity);
    }

    /**
     * The pod's effective request of {@code resource} (millicores for cpu, bytes otherwise): its containers and
     * sidecars summed, or an init container with the sidecars started before it if that is more, plus the pod's
     * overhead. A container's limit stands in for a request it does not set, as API defaulting does.
     */
    static long request(Pod pod, String resource) {
        long total = io.kaji.node.cgroup.PodResources.effective(PodSpecs.nullSafe(pod.getSpec().getContainers()),
                PodSpecs.nullSafe(pod.getSpec().getInitContainers()), c -> request(c, resource));
        Map<String, Quantity> overhead = pod.getSpec().getOverhead();
        if (overhead != null && overhead.get(resource) != null) {
            total += amount(resource, overhead.get(resource));
        }
        return total;
    }

    private static long request(Container c, String resource) {
        if (c.getResources() == null) {
            return 0;
        }
        Quantity q = c.getResources().getRequests() == null ? null : c.getResources().getRequests().get(resource);
        if (q == null && c.getResources().getLimits() != null) {
            q = c.getResources().getLimits().get(resource);
        }
        return q == null ? 0 : amount(resource, q);
    }

    /** Millicores for cpu (rounded up, as Kubernetes' MilliValue), whole units otherwise. */
    static long amount(String resource, Quantity q) {
        BigDecimal v = Quantity.getAmountInBytes(q);
        if ("cpu".equals(resource)) {
            return v.multiply(BigDecimal.valueOf(1000)).setScale(0, java.math.RoundingMode.CEILING).longValueExact();
        }
        return v.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    }
}
