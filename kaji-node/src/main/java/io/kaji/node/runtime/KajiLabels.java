package io.kaji.node.runtime;

import java.util.HashMap;
import java.util.Map;

/**
 * The labels Kaji puts on every sandbox and container, with the keys the kubelet uses, so that an agent restart
 * can rebuild its view from {@link ContainerRuntime#listSandboxes} and {@link ContainerRuntime#listContainers}.
 */
public final class KajiLabels {

    public static final String POD_NAME = "io.kubernetes.pod.name";
    public static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    public static final String POD_UID = "io.kubernetes.pod.uid";
    public static final String CONTAINER_NAME = "io.kubernetes.container.name";
    /** Present on everything Kaji created; other CRI clients' objects lack it. */
    public static final String MANAGED = "io.kaji.managed";

    private KajiLabels() {
    }

    /** Selects everything Kaji manages on this runtime. */
    public static Map<String, String> managed() {
        return Map.of(MANAGED, "true");
    }

    /** The labels of a pod's sandbox, also a selector for all of the pod's objects. */
    public static Map<String, String> forPod(PodRef pod) {
        return Map.of(MANAGED, "true", POD_NAMESPACE, pod.namespace(), POD_NAME, pod.name(), POD_UID, pod.uid());
    }

    /** The labels of one container of a pod. */
    public static Map<String, String> forContainer(PodRef pod, String container) {
        Map<String, String> labels = new HashMap<>(forPod(pod));
        labels.put(CONTAINER_NAME, container);
        return Map.copyOf(labels);
    }

    /** The pod a sandbox or container belongs to, or null if the labels are not Kaji's. */
    public static PodRef podOf(Map<String, String> labels) {
        if (!"true".equals(labels.get(MANAGED)) || !labels.containsKey(POD_UID)) {
            return null;
        }
        return new PodRef(labels.getOrDefault(POD_NAMESPACE, ""), labels.getOrDefault(POD_NAME, ""),
                labels.get(POD_UID));
    }
}
