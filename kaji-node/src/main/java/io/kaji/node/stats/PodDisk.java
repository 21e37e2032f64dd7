package io.kaji.node.stats;

import java.util.Map;

/**
 * What a pod keeps on the node file system besides its containers' writable layers, for the Summary API: bytes in
 * each of its disk-backed emptyDir volumes by volume name, and in each container's log files by container name.
 */
public record PodDisk(Map<String, Long> volumes, Map<String, Long> logs) {

    public PodDisk {
        volumes = Map.copyOf(volumes);
        logs = Map.copyOf(logs);
    }

    /** The volumes' and the logs' bytes together. */
    public long total() {
        return volumes.values().stream().mapToLong(Long::longValue).sum()
                + logs.values().stream().mapToLong(Long::longValue).sum();
    }
}
