package io.kaji.node.eviction;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.kaji.node.PodContainers;
import java.util.List;
import java.util.Optional;

/**
 * The kubelet's local-storage eviction (its localStorageEviction, checked on every pass whether or not the node is
 * under pressure): a pod is evicted at once when a disk-backed emptyDir holds more than its {@code sizeLimit}, when
 * its containers' writable layers, logs, emptyDirs and configMap volumes together exceed the sum of their
 * {@code ephemeral-storage} limits, or when one container's writable layer and logs exceed its own limit — in that
 * order, with the kubelet's messages.
 */
public final class LocalStorage {

    private static final String STORAGE = "ephemeral-storage";

    /** What a pod keeps on the node's disk besides its containers' writable layers. */
    public interface Usage {
        /** Bytes in the pod's local ephemeral volume {@code volume} ({@link #localEphemeral}); 0 when not set up yet. */
        long volume(Pod pod, Volume volume);

        /** Bytes of container {@code container}'s log files, rotated ones included. */
        long logs(Pod pod, String container);
    }

    private LocalStorage() {
    }

    /**
     * {@code usage} with what disk pressure on {@code signal} ranks pods by, as the kubelet's rankDiskPressureFunc:
     * for the node file system the containers' logs are added to their disk figures and the pod's disk-backed
     * emptyDir and configMap volumes (the kubelet's local ephemeral volumes) are counted — and, when the image file
     * system is elsewhere ({@code imageFsIsNodeFs} false), the writable layers are left out, as they are not on it; for the image file system the writable layers alone.
     */
    public static PodUsage forDiskPressure(Signal signal, Pod pod, PodUsage usage, Usage disk,
                                           boolean imageFsIsNodeFs) {
        boolean nodefs = signal == Signal.NODEFS_AVAILABLE || signal == Signal.NODEFS_INODES_FREE;
        if (!nodefs || disk == null) {
            return usage;
        }
        java.util.Map<String, PodUsage.ContainerFigures> figures = new java.util.HashMap<>();
        for (Container c : PodContainers.sideBySide(pod)) {
            PodUsage.ContainerFigures f = usage == null ? null : usage.containers().get(c.getName());
            long memory = f == null ? 0 : f.memoryWorkingSetBytes();
            long used = imageFsIsNodeFs ? containerUsed(pod, c, usage, disk) : disk.logs(pod, c.getName());
            figures.put(c.getName(), new PodUsage.ContainerFigures(memory, used));
        }
        long volumes = 0;
        for (Volume v : localEphemeralVolumes(pod)) {
            volumes += disk.volume(pod, v);
        }
        return new PodUsage(figures, volumes);
    }

    /** Whether any of the pod's limits is one this check enforces (else its usage need not be measured). */
    public static boolean limited(Pod pod) {
        return diskEmptyDirs(pod).stream().anyMatch(v -> v.getEmptyDir().getSizeLimit() != null)
                || PodContainers.sideBySide(pod).stream().anyMatch(c -> limit(c) != null);
    }

    /** Why {@code pod} must be evicted, or empty; {@code figures} are its containers' writable layers. */
    public static Optional<String> violation(Pod pod, PodUsage figures, Usage usage) {
        long volumes = 0;
        for (Volume v : localEphemeralVolumes(pod)) {
            long used = usage.volume(pod, v);
            volumes += used;
            Quantity limit = v.getEmptyDir() == null ? null : v.getEmptyDir().getSizeLimit();
            if (limit != null && bytes(limit) > 0 && used > bytes(limit)) {
                return Optional.of("Usage of EmptyDir volume \"" + v.getName() + "\" exceeds the limit \""
                        + limit + "\". ");
            }
        }
        List<Container> limited = PodContainers.sideBySide(pod).stream().filter(c -> limit(c) != null).toList();
        if (limited.isEmpty()) {
            return Optional.empty();
        }
        long podLimit = limited.stream().mapToLong(c -> bytes(limit(c))).sum();
        long podUsed = volumes;
        for (Container c : PodContainers.sideBySide(pod)) {
            podUsed += containerUsed(pod, c, figures, usage);
        }
        if (podUsed > podLimit) {
            return Optional.of("Pod ephemeral local storage usage exceeds the total limit of containers "
                    + binary(podLimit) + ". ");
        }
        for (Container c : limited) {
            if (containerUsed(pod, c, figures, usage) > bytes(limit(c))) {
                return Optional.of("Container " + c.getName() + " exceeded its local ephemeral storage limit \""
                        + limit(c) + "\". ");
            }
        }
        return Optional.empty();
    }

    private static long containerUsed(Pod pod, Container c, PodUsage figures, Usage usage) {
        PodUsage.ContainerFigures f = figures == null ? null : figures.containers().get(c.getName());
        return (f == null ? 0 : f.diskBytes()) + usage.logs(pod, c.getName());
    }

    private static Quantity limit(Container c) {
        return c.getResources() == null || c.getResources().getLimits() == null ? null
                : c.getResources().getLimits().get(STORAGE);
    }

    /** Bytes as a Kubernetes binary quantity ({@code 3Mi}), as a sum of binary-suffixed limits prints. */
    static String binary(long bytes) {
        String[] suffixes = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
        for (int i = 0; i < suffixes.length; i++) {
            long unit = 1L << (10 * (6 - i));
            if (bytes != 0 && bytes % unit == 0) {
                return (bytes / unit) + suffixes[i];
            }
        }
        return Long.toString(bytes);
    }

    private static long bytes(Quantity q) {
        return Quantity.getAmountInBytes(q).longValue();
    }

    /** The pod's emptyDir volumes on disk (a memory-backed one is a tmpfs sized to its limit). */
    private static List<Volume> diskEmptyDirs(Pod pod) {
        return volumes(pod).stream().filter(v -> v.getEmptyDir() != null && localEphemeral(v)).toList();
    }

    /** The pod's local ephemeral volumes ({@link #localEphemeral}). */
    static List<Volume> localEphemeralVolumes(Pod pod) {
        return volumes(pod).stream().filter(LocalStorage::localEphemeral).toList();
    }

    /**
     * Whether {@code v} is what the kubelet calls a local ephemeral volume ({@code IsLocalEphemeralVolume}): an
     * emptyDir on disk or a configMap volume, whose files count toward the pod's ephemeral storage.
     */
    public static boolean localEphemeral(Volume v) {
        return v.getEmptyDir() != null && !"Memory".equals(v.getEmptyDir().getMedium()) || v.getConfigMap() != null;
    }

    private static List<Volume> volumes(Pod pod) {
        return pod.getSpec().getVolumes() == null ? List.of() : pod.getSpec().getVolumes();
    }
}
