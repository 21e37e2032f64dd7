package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.kaji.node.eviction.LocalStorage;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.stats.FsUsage;
import io.kaji.node.stats.PodDisk;
import io.kaji.node.volume.PodVolumes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a pod keeps on the node beside its containers' writable layers, for local-storage eviction (the bytes in
 * its disk-backed emptyDir and configMap volumes and in its containers' log files) and the Summary API (every
 * volume on the node, and the logs). The kubelet measures with du; the sizes of the files here.
 */
final class PodDiskUsage implements LocalStorage.Usage {

    private final Path volumes;
    private final PodLogs logs;

    PodDiskUsage(PodLogs logs) {
        this.volumes = PodVolumes.rootBeside(logs.root());
        this.logs = logs;
    }

    @Override
    public long volume(Pod pod, Volume volume) {
        Path dir = PodVolumes.dataDir(volumes, pod.getMetadata().getUid(), volume);
        return dir == null ? 0 : bytesUnder(dir);
    }

    @Override
    public long logs(Pod pod, String container) {
        return bytesUnder(logs.podDirectory(PodSpecs.ref(pod)).resolve(container));
    }

    /**
     * The pod's volumes on the node and its containers' logs, for the Summary API. A volume on a file system of its
     * own or on the node's tmpfs for credentials (a memory-backed emptyDir, a secret or projected volume) carries
     * that file system's capacity and free space; one not set up (yet) is left out.
     */
    PodDisk of(Pod pod) {
        String uid = pod.getMetadata().getUid();
        Map<String, PodDisk.VolumeUse> found = new HashMap<>();
        Object nodeDevice = device(FsUsage.existing(volumes));
        Map<Object, FsUsage> otherFs = new HashMap<>();
        for (Volume v : pod.getSpec().getVolumes() == null ? List.<Volume>of() : pod.getSpec().getVolumes()) {
            Path dir = PodVolumes.dataDir(volumes, uid, v);
            if (dir == null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            long[] use = usageUnder(dir);
            boolean ephemeral = LocalStorage.localEphemeral(v);
            Object device = device(dir);
            boolean onNodeFs = device != null && device.equals(nodeDevice);
            FsUsage fs = onNodeFs ? null : otherFs.computeIfAbsent(device == null ? dir : device,
                    k -> FsUsage.space(dir));
            found.put(v.getName(), new PodDisk.VolumeUse(use[0], use[1], ephemeral, fs));
        }
        // Every container's logs, init containers' too (the pod's ephemeral storage counts the pod's log directory).
        Map<String, Long> logs = new HashMap<>();
        for (List<Container> list : java.util.Arrays.asList(pod.getSpec().getInitContainers(),
                pod.getSpec().getContainers())) {
            for (Container c : list == null ? List.<Container>of() : list) {
                logs.put(c.getName(), logs(pod, c.getName()));
            }
        }
        return new PodDisk(found, logs);
    }

    /** The device number of the file system holding {@code dir} (a stat, no mount table read), or null. */
    private static Object device(Path dir) {
        try {
            return dir == null ? null : Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** [bytes of the regular files, files and directories] under {@code dir}, itself included; links not followed. */
    static long[] usageUnder(Path dir) {
        long[] use = new long[2];
        try (Stream<Path> files = Files.walk(dir)) {
            files.forEach(f -> {
                use[1]++;
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        use[0] += Files.size(f);
                    } catch (IOException e) {
                        // gone while walking
                    }
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // what was counted so far
        }
        return use;
    }

    /**
     * The sizes of the regular files under {@code dir}, links not followed; 0 when it does not exist (what a walk
     * cut short by a directory removed meanwhile had counted).
     */
    static long bytesUnder(Path dir) {
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? usageUnder(dir)[0] : 0;
    }
}
