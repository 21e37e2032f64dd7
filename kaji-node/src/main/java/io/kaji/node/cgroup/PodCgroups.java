package io.kaji.node.cgroup;

import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's pod-level cgroups, laid out as the kubelet's cgroupfs driver lays out {@code /kubepods}, but under a
 * root of the agent's own ({@code /kaji/<node>}) so that several agents on one machine never share one:
 * <pre>
 *   /kaji/&lt;node&gt;/pod&lt;uid&gt;               Guaranteed pods
 *   /kaji/&lt;node&gt;/burstable/pod&lt;uid&gt;     Burstable pods
 *   /kaji/&lt;node&gt;/besteffort/pod&lt;uid&gt;    BestEffort pods (the QoS level has cpu.shares 2)
 * </pre>
 * The pod's path is its sandbox's {@code cgroup_parent}; containerd puts the sandbox's and the containers' cgroups
 * below it ({@code …/pod<uid>/<container id>}). {@link #ensure} creates the pod cgroup and writes its limits
 * ({@link PodResources}); {@link #remove} deletes it once its containers are gone. Works on cgroup v1 (one
 * hierarchy per controller; the pod directories are created in cpu and memory, where limits are written, and runc
 * creates the rest) and on cgroup v2 (one hierarchy; the cpu, memory and pids controllers are enabled down the
 * path). Failures are logged, never thrown: a pod without its pod-level limits still runs. Thread-safe.
 */
public final class PodCgroups {

    private static final Logger log = LoggerFactory.getLogger(PodCgroups.class);
    private static final Pattern POD_DIR = Pattern.compile("pod[0-9a-fA-F-]+");
    /** The QoS-level directories below the root. */
    static final List<String> QOS_DIRS = List.of("burstable", "besteffort");

    private final Path mount;
    private final String root;
    private final boolean v2;
    private final Set<String> ensured = ConcurrentHashMap.newKeySet();
    /** The ensured pods of the Burstable class, whose coming and going changes the Burstable level's weight. */
    private final Set<String> burstable = ConcurrentHashMap.newKeySet();
    /** Where the operations' times go ({@link #timings}). */
    private volatile java.util.function.ObjDoubleConsumer<String> timings = (operation, seconds) -> { };
    private volatile long memoryCapacity = -1;
    private volatile java.util.function.Supplier<? extends java.util.Collection<Pod>> pods = List::of;
    private volatile long rootMemoryBytes = -1;
    private volatile long rootMilliCpu = -1;
    private volatile boolean rootLimited;

    /**
     * @param mount the cgroup file system mount ({@code /sys/fs/cgroup})
     * @param root  the agent's root below it, absolute, e.g. {@code /kaji/node-1}
     */
    public PodCgroups(Path mount, String root) {
        if (!root.startsWith("/") || root.length() < 2 || root.contains("..")) {
            throw new IllegalArgumentException("cgroup root \"" + root + "\" must be an absolute path like /kaji/n1");
        }
        this.mount = mount;
        this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
        this.v2 = Files.exists(mount.resolve("cgroup.controllers"));
    }

    /** The file in an agent's data directory that records its cgroup root, for {@code kaji down}. */
    public static final String ROOT_FILE = "cgroup-root";

    /**
     * The cgroups of the agent of node {@code nodeName} whose data lives in {@code dataDir}, on this machine's
     * cgroup mount: root {@code /kaji/<node>-<8 hex digits of the data dir's hash>}, so that two agents with one
     * node name (two test clusters) do not share it either. The root is recorded in {@code <dataDir>/cgroup-root}.
     */
    public static PodCgroups forAgent(String nodeName, Path dataDir) {
        String hash = Integer.toHexString(dataDir.toAbsolutePath().normalize().toString().hashCode());
        String root = rootFor(nodeName + "-" + "0".repeat(8 - hash.length()) + hash);
        try {
            Files.createDirectories(dataDir);
            Files.writeString(dataDir.resolve(ROOT_FILE), root + "\n");
        } catch (IOException e) {
            log.warn("cannot record the cgroup root in {} (kaji down will not remove it): {}", dataDir, e.toString());
        }
        return new PodCgroups(Path.of("/sys/fs/cgroup"), root);
    }

    /** The cgroups recorded in an agent's data directory by {@link #forAgent}, if any. */
    public static java.util.Optional<PodCgroups> recorded(Path dataDir) {
        try {
            String root = Files.readString(dataDir.resolve(ROOT_FILE)).strip();
            return java.util.Optional.of(new PodCgroups(Path.of("/sys/fs/cgroup"), root));
        } catch (IOException | IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /** The root for node {@code nodeName} on this machine's cgroup mount, without a data-dir suffix (tests). */
    public static PodCgroups forNode(String nodeName) {
        return new PodCgroups(Path.of("/sys/fs/cgroup"), rootFor(nodeName));
    }

    /** {@code /kaji/<name>} (node names are DNS subdomains: safe as a directory name). */
    public static String rootFor(String name) {
        return "/kaji/" + name.toLowerCase(Locale.ROOT);
    }

    /** The agent's root, e.g. {@code /kaji/node-1}. */
    public String root() {
        return root;
    }

    /** Whether the machine has the unified hierarchy (cgroup v2) only. */
    public boolean unified() {
        return v2;
    }

    /**
     * Where the node's pods come from (the agent's informer), for the Burstable QoS level's CPU weight: as the
     * kubelet's QoS container manager, {@code burstable} gets cpu.shares from the sum of the Burstable pods' CPU
     * requests, rewritten whenever a pod cgroup is created or removed. Without it the level keeps the default.
     */
    public void pods(java.util.function.Supplier<? extends java.util.Collection<Pod>> source) {
        this.pods = source;
    }

    /**
     * Caps the root, where every pod's cgroup lives, at what the node offers pods: the kubelet's
     * {@code --enforce-node-allocatable=pods} for its {@code kubepods} cgroup — memory at capacity less
     * {@code --system-reserved} and {@code --kube-reserved} (the hard eviction thresholds are not subtracted, as in
     * the kubelet), CPU weight from the same CPU. Written when the root is next set up (the next pod cgroup); call
     * before the first pod.
     */
    public void limitRoot(long memoryBytes, long milliCpu) {
        this.rootMemoryBytes = memoryBytes;
        this.rootMilliCpu = milliCpu;
        this.rootLimited = false;
    }

    /** Writes the root's limits once, if {@link #limitRoot} gave any. */
    private void writeRootLimits() throws IOException {
        if (rootLimited || rootMemoryBytes < 0 || rootMilliCpu < 0) {
            return;
        }
        long shares = PodResources.shares(rootMilliCpu);
        if (v2) {
            Path dir = mount.resolve(root.substring(1));
            write(dir.resolve("memory.max"), String.valueOf(rootMemoryBytes));
            write(dir.resolve("cpu.weight"), String.valueOf(PodResources.weight(shares)));
        } else {
            write(mount.resolve("memory").resolve(root.substring(1)).resolve("memory.limit_in_bytes"),
                    String.valueOf(rootMemoryBytes));
            write(mount.resolve("cpu").resolve(root.substring(1)).resolve("cpu.shares"), String.valueOf(shares));
        }
        rootLimited = true;
        log.info("pods' cgroup root {}: memory limit {} bytes, cpu shares {}", root, rootMemoryBytes, shares);
    }

    /** Writes the Burstable level's CPU weight from the current pods; returns the shares written, or -1. */
    synchronized long updateBurstable() {
        java.util.Collection<Pod> all;
        try {
            all = pods.get();
        } catch (RuntimeException e) {
            return -1;
        }
        if (all.isEmpty()) {
            return -1;
        }
        long milliCpu = 0;
        for (Pod p : all) {
            String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
                continue;
            }
            PodResources r = PodResources.of(p);
            if (r.qos().equals("Burstable")) {
                milliCpu += PodResources.milliCpuRequest(p);
            }
        }
        long shares = PodResources.shares(milliCpu);
        Path level = (v2 ? mount : mount.resolve("cpu")).resolve(root.substring(1)).resolve("burstable");
        if (Files.isDirectory(level)) {
            write(level.resolve(v2 ? "cpu.weight" : "cpu.shares"),
                    String.valueOf(v2 ? PodResources.weight(shares) : shares));
        }
        return shares;
    }

    /**
     * The kubelet's OOM score adjustment for container {@code c} of {@code pod} (see
     * {@link PodResources#oomScoreAdj}), against the node's MemTotal. With containerd's
     * {@code restrict_oom_score_adj} (Kaji's configuration) a negative value is raised to containerd's own score.
     */
    public int oomScoreAdj(Pod pod, io.fabric8.kubernetes.api.model.Container c) {
        if (memoryCapacity < 0) {
            memoryCapacity = memTotal(Path.of("/proc/meminfo"));
        }
        return PodResources.oomScoreAdj(pod, c, memoryCapacity);
    }

    /** MemTotal in bytes, or 0 if unreadable. */
    static long memTotal(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.substring(9).strip().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            log.debug("cannot read {}: {}", meminfo, e.toString());
        }
        return 0;
    }

    /** The pod's cgroup path (the sandbox's cgroup_parent), whether or not it exists yet. */
    public String parentFor(Pod pod) {
        return root + parentFor(pod.getMetadata().getUid(), PodResources.of(pod).qos());
    }

    /** The pod's path below the root. */
    static String parentFor(String uid, String qos) {
        String pod = "pod" + uid;
        return switch (qos) {
            case "Guaranteed" -> "/" + pod;
            case "Burstable" -> "/burstable/" + pod;
            default -> "/besteffort/" + pod;
        };
    }

    /**
     * A pod's CPU and memory use as its cgroup counts it: every process of the pod, its sandbox's included.
     *
     * @param cpuNanos        cumulative CPU time (cgroup v1 {@code cpuacct.usage}, v2 {@code cpu.stat} usage_usec)
     * @param workingSetBytes memory in use less the inactive file cache, as the kubelet's working set (v1
     *                        {@code memory.usage_in_bytes} less {@code total_inactive_file}, v2
     *                        {@code memory.current} less {@code inactive_file}), at least 0
     */
    public record Usage(long cpuNanos, long workingSetBytes) {}

    /**
     * Pod {@code uid}'s use from its cgroup (at whichever QoS level it is), or empty when the pod has no cgroup here
     * or its files cannot be read (a pod being removed).
     */
    public java.util.Optional<Usage> usage(String uid) {
        for (String level : List.of("", "/burstable", "/besteffort")) {
            String path = root + level + "/pod" + uid;
            try {
                java.util.Optional<Usage> u = v2 ? usageV2(mount.resolve(path.substring(1)))
                        : usageV1(mount.resolve("cpuacct").resolve(path.substring(1)),
                                mount.resolve("memory").resolve(path.substring(1)));
                if (u.isPresent()) {
                    return u;
                }
            } catch (IOException | RuntimeException e) {
                log.debug("pod {}: cannot read the use of cgroup {}: {}", uid, path, e.toString());
            }
        }
        return java.util.Optional.empty();
    }

    private static java.util.Optional<Usage> usageV1(Path cpuacct, Path memory) throws IOException {
        if (!Files.isDirectory(cpuacct) || !Files.isDirectory(memory)) {
            return java.util.Optional.empty();
        }
        long cpu = Long.parseLong(Files.readString(cpuacct.resolve("cpuacct.usage")).trim());
        long usage = Long.parseLong(Files.readString(memory.resolve("memory.usage_in_bytes")).trim());
        long inactive = statValue(memory.resolve("memory.stat"), "total_inactive_file");
        return java.util.Optional.of(new Usage(cpu, Math.max(0, usage - Math.max(0, inactive))));
    }

    private static java.util.Optional<Usage> usageV2(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return java.util.Optional.empty();
        }
        long cpu = statValue(dir.resolve("cpu.stat"), "usage_usec") * 1000;
        long usage = Long.parseLong(Files.readString(dir.resolve("memory.current")).trim());
        long inactive = statValue(dir.resolve("memory.stat"), "inactive_file");
        return java.util.Optional.of(new Usage(Math.max(0, cpu), Math.max(0, usage - Math.max(0, inactive))));
    }

    /** The value of {@code key} in a flat-keyed cgroup file ({@code key value} per line), or -1. */
    static long statValue(Path file, String key) throws IOException {
        for (String line : Files.readAllLines(file)) {
            int sp = line.indexOf(' ');
            if (sp > 0 && line.regionMatches(0, key, 0, key.length()) && sp == key.length()) {
                return Long.parseLong(line.substring(sp + 1).trim());
            }
        }
        return -1;
    }

    /**
     * Creates the pod's cgroup (and the root and QoS levels) and writes its limits, once per pod per agent process;
     * returns its path for the sandbox's cgroup_parent.
     */
    public String ensure(Pod pod) {
        String uid = pod.getMetadata().getUid();
        PodResources r = PodResources.of(pod);
        String path = root + parentFor(uid, r.qos());
        if (ensured.contains(uid)) {
            return path;
        }
        long start = System.nanoTime();
        try {
            ensureQosLevels();
            if (v2) {
                makeV2(path);
                Path dir = mount.resolve(path.substring(1));
                write(dir.resolve("cpu.weight"), String.valueOf(PodResources.weight(r.cpuShares())));
                write(dir.resolve("cpu.max"), (r.cpuQuotaMicros() < 0 ? "max" : String.valueOf(r.cpuQuotaMicros()))
                        + " " + PodResources.CPU_PERIOD_MICROS);
                write(dir.resolve("memory.max"), r.memoryLimit() < 0 ? "max" : String.valueOf(r.memoryLimit()));
            } else {
                Path cpu = Files.createDirectories(mount.resolve("cpu").resolve(path.substring(1)));
                Path memory = Files.createDirectories(mount.resolve("memory").resolve(path.substring(1)));
                write(cpu.resolve("cpu.shares"), String.valueOf(r.cpuShares()));
                write(cpu.resolve("cpu.cfs_period_us"), String.valueOf(PodResources.CPU_PERIOD_MICROS));
                write(cpu.resolve("cpu.cfs_quota_us"), String.valueOf(r.cpuQuotaMicros()));
                if (r.memoryLimit() >= 0) {
                    write(memory.resolve("memory.limit_in_bytes"), String.valueOf(r.memoryLimit()));
                }
            }
            ensured.add(uid);
            timed("create", start);
            if (r.qos().equals("Burstable")) {
                // Only a Burstable pod changes the Burstable level's weight (the kubelet's QoS cgroup update).
                burstable.add(uid);
                long update = System.nanoTime();
                updateBurstable();
                timed("update", update);
            }
            log.debug("pod {}: cgroup {} ({}, {})", uid, path, r.qos(), r);
        } catch (IOException | RuntimeException e) {
            log.warn("pod {}: cannot set up its cgroup {} (its containers run without pod-level limits): {}", uid,
                    path, e.toString());
        }
        return path;
    }

    /**
     * Reports how long each operation took to {@code t}, by the kubelet's cgroup manager's names: {@code create} (a
     * pod's cgroup made and its limits written, the QoS levels' and the root's with the first), {@code update} (the
     * Burstable level's weight rewritten), {@code destroy} (a pod's cgroup removed).
     */
    public void timings(java.util.function.ObjDoubleConsumer<String> t) {
        this.timings = t;
    }

    private void timed(String operation, long startNanos) {
        timings.accept(operation, (System.nanoTime() - startNanos) / 1e9);
    }

    private void ensureQosLevels() throws IOException {
        if (v2) {
            makeV2(root + "/besteffort");
            makeV2(root + "/burstable");
            write(mount.resolve(root.substring(1)).resolve("besteffort/cpu.weight"),
                    String.valueOf(PodResources.weight(PodResources.MIN_SHARES)));
        } else {
            for (String qos : QOS_DIRS) {
                Files.createDirectories(mount.resolve("cpu").resolve(root.substring(1)).resolve(qos));
                Files.createDirectories(mount.resolve("memory").resolve(root.substring(1)).resolve(qos));
            }
            write(mount.resolve("cpu").resolve(root.substring(1)).resolve("besteffort/cpu.shares"),
                    String.valueOf(PodResources.MIN_SHARES));
        }
        writeRootLimits();
    }

    /** Creates each directory down {@code path}, enabling cpu, memory and pids for the children of each. */
    private void makeV2(String path) throws IOException {
        Path dir = mount;
        for (String part : path.substring(1).split("/")) {
            enableControllers(dir);
            dir = dir.resolve(part);
            if (!Files.isDirectory(dir)) {
                Files.createDirectory(dir);
            }
        }
    }

    private void enableControllers(Path dir) {
        Path control = dir.resolve("cgroup.subtree_control");
        try {
            String enabled = Files.exists(control) ? Files.readString(control) : "";
            String available = Files.readString(dir.resolve("cgroup.controllers"));
            for (String c : List.of("cpu", "memory", "pids")) {
                if (available.contains(c) && !enabled.contains(c)) {
                    Files.writeString(control, "+" + c);
                }
            }
        } catch (IOException e) {
            log.debug("cannot enable controllers in {}: {}", dir, e.toString());
        }
    }

    private static void write(Path file, String value) {
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            // e.g. memory.limit_in_bytes below current usage (EBUSY): keep going with the other limits.
            log.warn("cannot write {} to {}: {}", value, file, e.toString());
        }
    }

    /**
     * Removes pod {@code uid}'s cgroup (and any container cgroups left below it) from every hierarchy. A cgroup
     * that still has processes stays (the kernel refuses); the next {@link #removeOrphans} tries again. Returns
     * whether nothing of it is left.
     */
    public boolean remove(String uid) {
        ensured.remove(uid);
        if (burstable.remove(uid)) {
            long update = System.nanoTime();
            updateBurstable();
            timed("update", update);
        }
        long start = System.nanoTime();
        boolean gone = true;
        for (Path base : hierarchies()) {
            Path r = base.resolve(root.substring(1));
            for (String level : List.of("", "burstable/", "besteffort/")) {
                gone &= removeTree(r.resolve(level + "pod" + uid));
            }
        }
        timed("destroy", start);
        return gone;
    }

    /** Removes the pod cgroups of pods whose uid is not in {@code live} (after an agent restart). */
    public int removeOrphans(Set<String> live) {
        Set<String> stale = new java.util.HashSet<>();
        for (Path base : hierarchies()) {
            Path r = base.resolve(root.substring(1));
            for (Path level : List.of(r, r.resolve("burstable"), r.resolve("besteffort"))) {
                try (Stream<Path> s = Files.list(level)) {
                    s.map(p -> p.getFileName().toString()).filter(n -> POD_DIR.matcher(n).matches())
                            .map(n -> n.substring(3)).filter(uid -> !live.contains(uid)).forEach(stale::add);
                } catch (IOException e) {
                    // that level does not exist in this hierarchy
                }
            }
        }
        stale.forEach(this::remove);
        return stale.size();
    }

    /** Removes the agent's whole root from every hierarchy ({@code kaji down}); returns whether it is all gone. */
    public boolean removeAll() {
        ensured.clear();
        boolean gone = true;
        for (Path base : hierarchies()) {
            gone &= removeTree(base.resolve(root.substring(1)));
            // The shared /kaji parent goes with its last node.
            Path parent = base.resolve(root.substring(1)).getParent();
            if (parent != null && !parent.equals(base)) {
                try {
                    Files.deleteIfExists(parent);
                } catch (IOException e) {
                    // another node's root is still there
                }
            }
        }
        return gone;
    }

    /** The hierarchies to look in: the mount itself (v2) or each controller's mount below it (v1). */
    List<Path> hierarchies() {
        if (v2) {
            return List.of(mount);
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(mount)) {
            s.filter(Files::isDirectory).filter(p -> !Files.isSymbolicLink(p)).sorted().forEach(out::add);
        } catch (IOException e) {
            log.debug("cannot list {}: {}", mount, e.toString());
        }
        return out;
    }

    /** rmdir depth-first (cgroup directories are removed with rmdir even though they list control files). */
    private static boolean removeTree(Path dir) {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.walk(dir)) {
            dirs = s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                    .toList();
        } catch (IOException e) {
            return false;
        }
        boolean gone = true;
        for (Path d : dirs) {
            try {
                deleteCgroup(d);
            } catch (IOException e) {
                log.debug("cannot remove cgroup {}: {}", d, e.toString());
                gone = false;
            }
        }
        return gone;
    }

    /**
     * Removes one cgroup directory. On the cgroup file system rmdir succeeds although the directory lists control
     * files; on an ordinary file system (tests) those files are deleted first.
     */
    private static void deleteCgroup(Path d) throws IOException {
        try {
            Files.delete(d);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            try (Stream<Path> s = Files.list(d)) {
                for (Path f : s.filter(Files::isRegularFile).toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(d);
        }
    }
}
