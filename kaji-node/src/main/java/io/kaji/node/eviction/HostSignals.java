package io.kaji.node.eviction;

import io.kaji.node.stats.FsUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * The eviction signals of this machine, measured as the kubelet measures them:
 * <ul>
 *   <li>memory.available = MemTotal − working set, where the working set is the root memory cgroup's usage minus
 *       its inactive file pages (cgroup v1: {@code memory.usage_in_bytes} and {@code total_inactive_file}); where
 *       the root cgroup has no usage file (cgroup v2), MemTotal − MemFree − Inactive(file) from
 *       {@code /proc/meminfo} (what cAdvisor reports for the root cgroup there);</li>
 *   <li>nodefs/imagefs: the file systems holding the agent's data directory and containerd's root: bytes available
 *       to unprivileged users (statfs f_bavail) and free inodes;</li>
 *   <li>pid.available = min(pid_max, threads-max) − the number of threads ({@code /proc/loadavg});</li>
 *   <li>allocatableMemory.available, when the pods' cgroup is known ({@link #podsCgroup}) and has a memory limit:
 *       that limit minus its working set (usage minus inactive file pages; cgroup v1 {@code memory.limit_in_bytes},
 *       v2 {@code memory.max}), what cAdvisor reports as the kubelet's pods container.</li>
 * </ul>
 * Thread-safe (stateless between calls).
 */
public final class HostSignals implements SignalSource {

    private final Path proc;
    private final Path cgroupRoot;
    private final Path nodefs;
    private final Path imagefs;
    /** The cgroup all pods live in, relative to the mount ({@code /kaji/node-1}), or null. */
    private volatile String podsCgroup;

    /**
     * @param nodefs  a directory on the node file system (the agent's data directory)
     * @param imagefs a directory on the image file system (containerd's root)
     */
    public HostSignals(Path nodefs, Path imagefs) {
        this(Path.of("/proc"), Path.of("/sys/fs/cgroup"), nodefs, imagefs);
    }

    HostSignals(Path proc, Path cgroupRoot, Path nodefs, Path imagefs) {
        this.proc = proc;
        this.cgroupRoot = cgroupRoot;
        this.nodefs = nodefs;
        this.imagefs = imagefs;
    }

    @Override
    public boolean imageFsIsNodeFs() {
        if (nodefs == null || imagefs == null) {
            return true;
        }
        Path node = FsUsage.existing(nodefs);
        Path image = FsUsage.existing(imagefs);
        if (node == null || image == null) {
            return true;
        }
        try {
            return Files.getFileStore(node).equals(Files.getFileStore(image));
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /** Measures allocatableMemory.available on {@code root}, the pods' cgroup ({@code PodCgroups#root()}). */
    public HostSignals podsCgroup(String root) {
        this.podsCgroup = root;
        return this;
    }

    @Override
    public Map<Signal, Observation> observe() {
        Map<Signal, Observation> out = new EnumMap<>(Signal.class);
        Observation memory = memory();
        if (memory != null) {
            out.put(Signal.MEMORY_AVAILABLE, memory);
        }
        fs(nodefs, Signal.NODEFS_AVAILABLE, Signal.NODEFS_INODES_FREE, out);
        fs(imagefs, Signal.IMAGEFS_AVAILABLE, Signal.IMAGEFS_INODES_FREE, out);
        Observation pids = pids();
        if (pids != null) {
            out.put(Signal.PID_AVAILABLE, pids);
        }
        Observation pods = allocatableMemory();
        if (pods != null) {
            out.put(Signal.ALLOCATABLE_MEMORY_AVAILABLE, pods);
        }
        return out;
    }

    /** The pods' cgroup's memory limit less its working set; null without the cgroup or a limit. */
    Observation allocatableMemory() {
        String root = podsCgroup;
        if (root == null) {
            return null;
        }
        String relative = root.startsWith("/") ? root.substring(1) : root;
        Path v1 = cgroupRoot.resolve("memory").resolve(relative);
        Long limit = single(v1.resolve("memory.limit_in_bytes"));
        Long workingSet;
        if (limit != null) {
            workingSet = workingSet(v1, "memory.usage_in_bytes", "total_inactive_file");
        } else {
            Path v2 = cgroupRoot.resolve(relative);
            limit = single(v2.resolve("memory.max"));
            workingSet = workingSet(v2, "memory.current", "inactive_file");
        }
        // No limit ("max" on v2, the page-rounded maximum on v1): nothing is enforced, so nothing to observe.
        if (limit == null || workingSet == null || limit <= 0 || limit >= Long.MAX_VALUE / 2) {
            return null;
        }
        return new Observation(Math.max(0, limit - workingSet), limit);
    }

    /**
     * A memory cgroup's working set, as cAdvisor reports it: its usage ({@code usageFile}) less its inactive file
     * pages ({@code inactiveKey} of its memory.stat); null when the usage cannot be read.
     */
    private static Long workingSet(Path cgroup, String usageFile, String inactiveKey) {
        Long usage = single(cgroup.resolve(usageFile));
        if (usage == null) {
            return null;
        }
        Long inactive = keyValues(cgroup.resolve("memory.stat"), " ").get(inactiveKey);
        return Math.max(0, usage - (inactive == null ? 0 : inactive));
    }

    Observation memory() {
        Map<String, Long> meminfo = keyValues(proc.resolve("meminfo"), ":");
        Long total = meminfo.get("MemTotal");
        if (total == null) {
            return null;
        }
        long capacity = total * 1024;
        Long workingSet = workingSet(cgroupRoot.resolve("memory"), "memory.usage_in_bytes", "total_inactive_file");
        if (workingSet == null) {
            long free = meminfo.getOrDefault("MemFree", 0L) * 1024;
            long inactive = meminfo.getOrDefault("Inactive(file)", 0L) * 1024;
            workingSet = Math.max(0, capacity - free - inactive);
        }
        return new Observation(capacity - workingSet, capacity);
    }

    private static void fs(Path dir, Signal bytes, Signal inodes, Map<Signal, Observation> out) {
        FsUsage fs = dir == null ? null : FsUsage.of(dir);
        if (fs == null) {
            return;
        }
        out.put(bytes, new Observation(fs.availableBytes(), fs.capacityBytes()));
        if (fs.inodes() > 0) {
            out.put(inodes, new Observation(fs.inodesFree(), fs.inodes()));
        }
    }

    @Override
    public FsUsage nodeFs() {
        return nodefs == null ? null : FsUsage.of(nodefs);
    }

    @Override
    public FsUsage imageFs() {
        return imagefs == null ? null : FsUsage.of(imagefs);
    }

    Observation pids() {
        Long pidMax = single(proc.resolve("sys/kernel/pid_max"));
        Long threadsMax = single(proc.resolve("sys/kernel/threads-max"));
        if (pidMax == null) {
            return null;
        }
        long max = threadsMax == null ? pidMax : Math.min(pidMax, threadsMax);
        try {
            String[] f = Files.readString(proc.resolve("loadavg")).strip().split("\\s+");
            long threads = Long.parseLong(f[3].substring(f[3].indexOf('/') + 1));
            return new Observation(max - threads, max);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Long single(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** "key<sep> value [unit]" lines as numbers; unreadable files give an empty map. */
    private static Map<String, Long> keyValues(Path file, String separator) {
        Map<String, Long> out = new java.util.HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int i = line.indexOf(separator);
                if (i <= 0) {
                    continue;
                }
                String[] value = line.substring(i + separator.length()).strip().split("\\s+");
                try {
                    out.put(line.substring(0, i).strip(), Long.parseLong(value[0]));
                } catch (NumberFormatException e) {
                    // not a number: not one we read
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}
