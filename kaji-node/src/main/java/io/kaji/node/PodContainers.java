package io.kaji.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;

/** Which of a pod's containers run side by side, as the kubelet groups them for probes, ports and storage limits. */
public final class PodContainers {

    private PodContainers() {
    }

    /**
     * The containers that run beside each other for the pod's life: its sidecars (init containers with
     * {@code restartPolicy: Always}), in order, then its regular containers. Plain init containers, which run to
     * completion before them, are not among them.
     */
    public static List<Container> sideBySide(Pod pod) {
        List<Container> out = new ArrayList<>();
        if (pod.getSpec().getInitContainers() != null) {
            pod.getSpec().getInitContainers().stream().filter(c -> c != null && "Always".equals(c.getRestartPolicy()))
                    .forEach(out::add);
        }
        if (pod.getSpec().getContainers() != null) {
            pod.getSpec().getContainers().stream().filter(java.util.Objects::nonNull).forEach(out::add);
        }
        return out;
    }
}
