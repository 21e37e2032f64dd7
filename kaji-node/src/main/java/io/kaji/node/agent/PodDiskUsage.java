package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.kaji.node.eviction.LocalStorage;
import io.kaji.node.runtime.PodLogs;
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
 * What a pod keeps on the node's disk beside its containers' writable layers, for local-storage eviction and the
 * Summary API: the bytes in its disk-backed emptyDir volumes and in its containers' log files (the kubelet counts
 * both, measuring with du; the sizes of the files here).
 */
final class PodDiskUsage implements LocalStorage.Usage {

    private final Path volumes;
    private final PodLogs logs;

    PodDiskUsage(PodLogs logs) {
        this.volumes = PodVolumes.rootBeside(logs.root());
        this.logs = logs;
    }

    @Override
    public long emptyDir(Pod pod, String volume) {
        return bytesUnder(PodVolumes.emptyDir(volumes, pod.getMetadata().getUid(), volume));
    }

    @Override
    public long logs(Pod pod, String container) {
        return bytesUnder(logs.podDirectory(PodSpecs.ref(pod)).resolve(container));
    }

    /** The pod's disk-backed emptyDir volumes and its containers' logs, for the Summary API. */
    PodDisk of(Pod pod) {
        Map<String, Long> volumes = new HashMap<>();
        for (Volume v : LocalStorage.diskEmptyDirs(pod)) {
            volumes.put(v.getName(), emptyDir(pod, v.getName()));
        }
        // Every container's logs, init containers' too (the pod's ephemeral storage counts the pod's log directory).
        Map<String, Long> logs = new HashMap<>();
        for (List<Container> list : java.util.Arrays.asList(pod.getSpec().getInitContainers(),
                pod.getSpec().getContainers())) {
            for (Container c : list == null ? List.<Container>of() : list) {
                logs.put(c.getName(), logs(pod, c.getName()));
            }
        }
        return new PodDisk(volumes, logs);
    }

    /** The sizes of the regular files under {@code dir}, links not followed; 0 when it does not exist. */
    static long bytesUnder(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // gone while walking
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }
}
