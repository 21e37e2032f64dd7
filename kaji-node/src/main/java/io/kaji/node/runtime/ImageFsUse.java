package io.kaji.node.runtime;

/**
 * What the runtime's images take on the image file system (CRI {@code ImageFsInfo}: containerd's snapshotter
 * mount), as the kubelet reports it in the Summary API's {@code imageFs.usedBytes} and {@code inodesUsed}.
 *
 * @param mountpoint the file system's mount point as the runtime names it
 * @param inodesUsed -1 where the runtime does not say
 */
public record ImageFsUse(String mountpoint, long usedBytes, long inodesUsed) {
}
