package io.kaji.node.eviction;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.stream.Stream;

/**
 * The kubelet's eviction message, word for word in structure: {@code The node was low on resource: memory.
 * Threshold quantity: 100Mi, available: 80Mi. Container x was using 50Mi, request is 0, has larger consumption of
 * memory. } — one sentence per container using more than it requested (memory and disk only). Stateless.
 */
public final class EvictionMessage {

    private EvictionMessage() {
    }

    /**
     * @param threshold   the threshold that was met
     * @param observation the signal's observation when it was met
     * @param pod         the pod evicted
     * @param usage       the pod's figures, or null if none were measured
     */
    public static String of(Threshold threshold, Observation observation, Pod pod, PodUsage usage) {
        Signal signal = threshold.signal();
        StringBuilder m = new StringBuilder("The node was low on resource: ").append(signal.resource()).append(". ");
        if (observation != null) {
            m.append("Threshold quantity: ").append(print(signal, threshold.quantity(observation.capacity())))
                    .append(", available: ").append(print(signal, observation.available())).append(". ");
        }
        boolean memory = signal == Signal.MEMORY_AVAILABLE || signal == Signal.ALLOCATABLE_MEMORY_AVAILABLE;
        boolean disk = signal == Signal.NODEFS_AVAILABLE || signal == Signal.IMAGEFS_AVAILABLE;
        if (usage != null && (memory || disk)) {
            String resource = memory ? "memory" : "ephemeral-storage";
            List<Container> containers = Stream.concat(nullSafe(pod.getSpec().getInitContainers()).stream(),
                    nullSafe(pod.getSpec().getContainers()).stream()).toList();
            for (Container c : containers) {
                PodUsage.ContainerFigures f = usage.containers().get(c.getName());
                if (f == null) {
                    continue;
                }
                long used = memory ? f.memoryWorkingSetBytes() : f.diskBytes();
                long request = EvictionRanking.request(c, resource);
                if (used > request) {
                    m.append("Container ").append(c.getName()).append(" was using ").append(Quantities.format(used))
                            .append(", request is ").append(requestText(c, resource))
                            .append(", has larger consumption of ").append(resource).append(". ");
                }
            }
        }
        return m.toString();
    }

    /** The request as written in the spec (e.g. {@code 64Mi}), or 0. */
    private static String requestText(Container c, String resource) {
        if (c.getResources() != null && c.getResources().getRequests() != null) {
            Quantity q = c.getResources().getRequests().get(resource);
            if (q != null) {
                return q.toString();
            }
        }
        long r = EvictionRanking.request(c, resource);
        return Quantities.format(r);
    }

    private static String print(Signal signal, long value) {
        return signal.bytes() ? Quantities.format(value) : String.valueOf(value);
    }

    private static <T> List<T> nullSafe(List<T> l) {
        return l == null ? List.of() : l;
    }
}
