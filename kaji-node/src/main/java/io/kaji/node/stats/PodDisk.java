package io.kaji.node.stats;

import java.util.Map;

/**
 * What a pod keeps on the node's file systems besides its containers' writable layers, for the Summary API: each of
 * its volumes that lives on the node (emptyDir, configMap, secret, downwardAPI, projected) by volume name, and each
 * container's log files by container name.
 */
public record PodDisk(Map<String, VolumeUse> volumes, Map<String, Long> logs) {

    public PodDisk {
        volumes = Map.copyOf(volumes);
        logs = Map.copyOf(logs);
    }

    /**
     * One volume.
     *
     * @param usedBytes  bytes of the files in it
     * @param inodesUsed files and directories in it, itself included
     * @param ephemeral  whether it counts toward the pod's ephemeral storage: a disk-backed emptyDir or a configMap
     *                   volume, as the kubelet counts them (a secret, projected, downwardAPI or memory-backed
     *                   volume does not)
     * @param fs         the file system it is on when that is not the node's (a tmpfs), else null
     */
    public record VolumeUse(long usedBytes, long inodesUsed, boolean ephemeral, FsUsage fs) {}

    /** The ephemeral volumes' and the logs' bytes together. */
    public long total() {
        return volumes.values().stream().filter(VolumeUse::ephemeral).mapToLong(VolumeUse::usedBytes).sum()
                + logs.values().stream().mapToLong(Long::longValue).sum();
    }
}
