package io.kaji.node.eviction;

import java.util.Arrays;
import java.util.Optional;

/**
 * What the eviction manager measures (the kubelet's eviction signals), each with the resource it reclaims by
 * evicting pods and the node condition it drives.
 *
 * <ul>
 *   <li>{@code memory.available}: node memory capacity minus the working set of the root memory cgroup
 *       (usage minus inactive file pages), as the kubelet computes it — not {@code free}'s figure.</li>
 *   <li>{@code nodefs.available}/{@code nodefs.inodesFree}: the file system of the agent's data directory (pod
 *       logs, volumes).</li>
 *   <li>{@code imagefs.available}/{@code imagefs.inodesFree}: the file system of containerd's root (images,
 *       writable layers).</li>
 *   <li>{@code pid.available}: the kernel's PID limit minus the number of threads on the node.</li>
 *   <li>{@code allocatableMemory.available}: the memory limit of the cgroup all pods live in (capacity less the
 *       reservations) minus the pods' working set; the kubelet adds a hard threshold on it equal to
 *       {@code memory.available}'s while it enforces node allocatable for pods, so pods are evicted before they
 *       meet that cgroup's limit and the kernel's OOM killer.</li>
 * </ul>
 */
public enum Signal {
    MEMORY_AVAILABLE("memory.available", "memory", PressureCondition.MEMORY),
    ALLOCATABLE_MEMORY_AVAILABLE("allocatableMemory.available", "memory", PressureCondition.MEMORY),
    NODEFS_AVAILABLE("nodefs.available", "ephemeral-storage", PressureCondition.DISK),
    NODEFS_INODES_FREE("nodefs.inodesFree", "inodes", PressureCondition.DISK),
    IMAGEFS_AVAILABLE("imagefs.available", "ephemeral-storage", PressureCondition.DISK),
    IMAGEFS_INODES_FREE("imagefs.inodesFree", "inodes", PressureCondition.DISK),
    PID_AVAILABLE("pid.available", "pids", PressureCondition.PID);

    private final String flagName;
    private final String resource;
    private final PressureCondition condition;

    Signal(String flagName, String resource, PressureCondition condition) {
        this.flagName = flagName;
        this.resource = resource;
        this.condition = condition;
    }

    /** The name in {@code --eviction-hard} and in the kubelet's configuration, e.g. {@code memory.available}. */
    public String flagName() {
        return flagName;
    }

    /** The resource the eviction message names ("The node was low on resource: memory."). */
    public String resource() {
        return resource;
    }

    /** The node condition that is True while a threshold on this signal is met. */
    public PressureCondition condition() {
        return condition;
    }

    /** Whether quantities of this signal are bytes (printed as 100Mi) rather than counts. */
    public boolean bytes() {
        return this == MEMORY_AVAILABLE || this == ALLOCATABLE_MEMORY_AVAILABLE || this == NODEFS_AVAILABLE
                || this == IMAGEFS_AVAILABLE;
    }

    /** The signal with this flag name. */
    public static Optional<Signal> byName(String name) {
        return Arrays.stream(values()).filter(s -> s.flagName.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return flagName;
    }
}
