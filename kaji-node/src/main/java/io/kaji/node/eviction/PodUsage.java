package io.kaji.node.eviction;

import io.kaji.node.runtime.ContainerUsage;
import io.kaji.node.runtime.KajiLabels;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One pod's measured use, per container: memory working set and disk bytes (the writable layer, with the container's
 * logs when measured for node-file-system pressure) — what eviction ranks pods by — and the bytes of the pod's
 * disk-backed local volumes (emptyDir, configMap) when measured.
 *
 * @param containers       figures by container name
 * @param localVolumeBytes the pod's disk-backed emptyDir and configMap volumes, or 0 when not measured
 */
public record PodUsage(Map<String, ContainerFigures> containers, long localVolumeBytes) {

    /** One container's figures. */
    public record ContainerFigures(long memoryWorkingSetBytes, long diskBytes) {
    }

    public PodUsage {
        containers = Map.copyOf(containers);
    }

    /** Figures of the containers alone. */
    public PodUsage(Map<String, ContainerFigures> containers) {
        this(containers, 0);
    }

    public long memory() {
        return containers.values().stream().mapToLong(ContainerFigures::memoryWorkingSetBytes).sum();
    }

    /** The containers' disk bytes and the local volumes'. */
    public long disk() {
        return containers.values().stream().mapToLong(ContainerFigures::diskBytes).sum() + localVolumeBytes;
    }

    /**
     * The runtime's container statistics grouped by pod uid (Kaji's labels); for a container with several attempts
     * the runtime lists, the figures are added, as the old attempt's writable layer still takes disk space.
     */
    public static Map<String, PodUsage> byPod(List<ContainerUsage> usage) {
        Map<String, Map<String, ContainerFigures>> pods = new HashMap<>();
        for (ContainerUsage u : usage) {
            String uid = u.labels().get(KajiLabels.POD_UID);
            if (uid == null) {
                continue;
            }
            String name = u.labels().getOrDefault(KajiLabels.CONTAINER_NAME, u.name());
            pods.computeIfAbsent(uid, k -> new HashMap<>()).merge(name,
                    new ContainerFigures(u.memoryWorkingSetBytes(), u.writableLayerBytes()),
                    (a, b) -> new ContainerFigures(a.memoryWorkingSetBytes() + b.memoryWorkingSetBytes(),
                            a.diskBytes() + b.diskBytes()));
        }
        Map<String, PodUsage> out = new HashMap<>();
        pods.forEach((uid, figures) -> out.put(uid, new PodUsage(figures)));
        return out;
    }
}
