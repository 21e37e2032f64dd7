package io.kaji.node.stats;

import io.kaji.node.cgroup.PodCgroups;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.ContainerUsage;
import io.kaji.node.runtime.ImageFsUse;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The node's and its containers' CPU and memory use, sampled every {@link #PERIOD_SECONDS} s — the source of the
 * kubelet's Summary API ({@code /stats/summary}), which the API server turns into metrics.k8s.io for
 * {@code kubectl top}. CPU is a rate: the cumulative CPU time's change between the last two samples
 * ({@code usageNanoCores}); memory is the working set (containers: the runtime's figure; the node: MemTotal minus
 * MemAvailable). Containers come from the CRI's stats, grouped into pods by their Kubernetes labels; a pod's own
 * figures come from its pod-level cgroup when {@link #podUsage} is given one (the kubelet's pod stats: the sandbox's
 * processes count too), otherwise they are its containers' sums. With {@link #fileSystems} the summary also has the
 * node file system ({@code node.fs}), the image file system with what the runtime's images use on it
 * ({@code node.runtime.imageFs}, CRI {@code ImageFsInfo}) and each container's writable layer ({@code rootfs}).
 * Thread-safe.
 */
public final class ResourceStats implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResourceStats.class);
    public static final int PERIOD_SECONDS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One cumulative CPU reading. */
    record Reading(Instant time, long cpuNanos) {}

    /**
     * A container's figures for the summary and the metrics; {@code startTime} is when it was created, null if
     * unknown; {@code id}, {@code sandboxId} and {@code image} as the runtime lists the container ("" if it did not).
     */
    record ContainerFigures(String namespace, String pod, String uid, String container, Instant time,
                            long usageNanoCores, long cpuNanos, long workingSetBytes, Instant startTime, String id,
                            String sandboxId, String image, long memoryUsageBytes, long rssBytes) {}

    /**
     * A pod's figures: from its cgroup (every process of the pod, the sandbox's included) when it has one here,
     * otherwise the sums of its containers'.
     */
    record PodFigures(String namespace, String pod, String uid, Instant time, long usageNanoCores, long cpuNanos,
                      long workingSetBytes) {}

    private final ContainerRuntime runtime;
    private final String nodeName;
    private final Clock clock;
    private final Path proc;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("kaji-stats").daemon(true).factory());
    private final Map<String, Reading> previous = new HashMap<>();
    /**
     * The last sample's containers and pods, replaced together so that a reader sees one sample; with each
     * container's writable layer by container id and the file systems (null where not measured).
     */
    private record Sample(List<ContainerFigures> containers, List<PodFigures> pods, Map<String, Long> rootfsBytes,
                          FileSystems fs, Map<String, PodDisk> disks) {}

    /** The node's and the image file system's figures at one moment; any part may be null. */
    private record FileSystems(Instant time, FsUsage node, FsUsage image, ImageFsUse images) {}

    private volatile Sample last = new Sample(List.of(), List.of(), Map.of(), null, Map.of());
    private volatile Function<PodRef, Optional<PodDisk>> podDisk = ref -> Optional.empty();
    private volatile Supplier<FsUsage> nodeFs;
    private volatile Supplier<FsUsage> imageFs;
    private final Map<String, Reading> previousPods = new HashMap<>();
    private volatile Function<String, Optional<PodCgroups.Usage>> podUsage = uid -> Optional.empty();
    private volatile PodNetworks networks;
    private Reading previousNode;
    private volatile long nodeNanoCores;
    private volatile long nodeCpuNanos;
    private volatile Instant nodeTime;

    public ResourceStats(ContainerRuntime runtime, String nodeName, Clock clock) {
        this(runtime, nodeName, clock, Path.of("/proc"));
    }

    ResourceStats(ContainerRuntime runtime, String nodeName, Clock clock, Path proc) {
        this.runtime = runtime;
        this.nodeName = nodeName;
        this.clock = clock;
        this.proc = proc;
    }

    /** Adds each pod's network counters to the summary, read from its sandbox's network namespace. */
    public ResourceStats podNetworks(PodNetworks networks) {
        this.networks = networks;
        return this;
    }

    /**
     * Measures the node file system and the image file system at each sample, for the summary's {@code node.fs},
     * {@code node.runtime.imageFs} and each container's {@code rootfs}. Each supplier may return null.
     */
    public ResourceStats fileSystems(Supplier<FsUsage> node, Supplier<FsUsage> image) {
        this.nodeFs = node;
        this.imageFs = image;
        return this;
    }

    /**
     * Measures each pod's emptyDir volumes and container logs at each sample, for the summary's pod
     * {@code volume} and {@code ephemeral-storage} and each container's {@code logs} (with {@link #fileSystems}).
     */
    public ResourceStats podDisk(Function<PodRef, Optional<PodDisk>> source) {
        this.podDisk = source;
        return this;
    }

    /** Reads each pod's figures from its cgroup ({@link PodCgroups#usage}) instead of summing its containers'. */
    public ResourceStats podUsage(Function<String, Optional<PodCgroups.Usage>> source) {
        this.podUsage = source;
        return this;
    }

    /** Samples now and every {@link #PERIOD_SECONDS} s after. */
    public void start() {
        timer.scheduleWithFixedDelay(() -> {
            try {
                sample();
            } catch (RuntimeException e) {
                log.debug("resource stats: {}", e.toString());
            }
        }, 0, PERIOD_SECONDS, TimeUnit.SECONDS);
    }

    /** Takes one sample of the node and its containers. */
    public synchronized void sample() {
        Instant now = clock.instant();
        long nodeCpu = nodeCpuNanos();
        if (nodeCpu >= 0) {
            nodeNanoCores = rate(previousNode, new Reading(now, nodeCpu));
            previousNode = new Reading(now, nodeCpu);
            nodeCpuNanos = nodeCpu;
            nodeTime = now;
        }
        List<ContainerUsage> usage = runtime.containerUsage(KajiLabels.managed());
        Map<String, ContainerInfo> listed = new HashMap<>();
        java.util.Set<String> exited = new java.util.HashSet<>();
        for (ContainerInfo c : runtime.listContainers(KajiLabels.managed())) {
            listed.put(c.id(), c);
            if (c.state() != ContainerState.RUNNING) {
                exited.add(c.id());
            }
        }
        List<ContainerFigures> figures = new ArrayList<>();
        Map<String, Reading> seen = new HashMap<>();
        Map<String, Long> rootfs = new HashMap<>();
        for (ContainerUsage u : usage) {
            Map<String, String> labels = u.labels();
            String pod = labels.get(KajiLabels.POD_NAME);
            // Only running containers, as the kubelet's resource metrics: a finished pod is not in kubectl top.
            if (pod == null || exited.contains(u.id())) {
                continue;
            }
            Instant t = u.time() == null ? now : u.time();
            Reading r = new Reading(t, u.cpuUsageCoreNanos());
            seen.put(u.id(), r);
            rootfs.put(u.id(), u.writableLayerBytes());
            ContainerInfo info = listed.get(u.id());
            figures.add(new ContainerFigures(labels.get(KajiLabels.POD_NAMESPACE), pod,
                    labels.get(KajiLabels.POD_UID), labels.getOrDefault(KajiLabels.CONTAINER_NAME, u.name()), t,
                    rate(previous.get(u.id()), r), u.cpuUsageCoreNanos(), u.memoryWorkingSetBytes(),
                    info == null ? null : info.createdAt(), u.id(), info == null ? "" : info.sandboxId(),
                    info == null ? "" : info.image(), u.memoryUsageBytes(), u.memoryRssBytes()));
        }
        previous.clear();
        previous.putAll(seen);
        List<PodFigures> pods = podFigures(figures, now);
        FileSystems fs = fileSystems(now);
        Map<String, PodDisk> disks = new HashMap<>();
        if (fs != null && fs.node() != null) {
            for (PodFigures p : pods) {
                if (p.uid() != null) {
                    podDisk.apply(new PodRef(p.namespace(), p.pod(), p.uid())).ifPresent(d -> disks.put(p.uid(), d));
                }
            }
        }
        last = new Sample(List.copyOf(figures), pods, Map.copyOf(rootfs), fs, Map.copyOf(disks));
    }

    /** The file systems now, or null when none is measured. */
    private FileSystems fileSystems(Instant now) {
        Supplier<FsUsage> node = nodeFs;
        Supplier<FsUsage> image = imageFs;
        if (node == null && image == null) {
            return null;
        }
        ImageFsUse images = null;
        try {
            images = runtime.imageFsUse().orElse(null);
        } catch (RuntimeException e) {
            log.debug("image fs info: {}", e.toString());
        }
        return new FileSystems(now, node == null ? null : node.get(), image == null ? null : image.get(), images);
    }

    /** Each pod of {@code figures} from its cgroup, or summed from its containers when it has none. */
    private List<PodFigures> podFigures(List<ContainerFigures> figures, Instant now) {
        Map<String, List<ContainerFigures>> byPod = new LinkedHashMap<>();
        for (ContainerFigures c : figures) {
            byPod.computeIfAbsent(c.uid(), k -> new ArrayList<>()).add(c);
        }
        List<PodFigures> out = new ArrayList<>();
        Map<String, Reading> seen = new HashMap<>();
        for (List<ContainerFigures> cs : byPod.values()) {
            ContainerFigures first = cs.get(0);
            Optional<PodCgroups.Usage> cgroup = first.uid() == null ? Optional.empty() : podUsage.apply(first.uid());
            Instant t;
            long cpu;
            long workingSet;
            if (cgroup.isPresent()) {
                t = now;
                cpu = cgroup.get().cpuNanos();
                workingSet = cgroup.get().workingSetBytes();
            } else {
                t = first.time();
                cpu = 0;
                workingSet = 0;
                for (ContainerFigures c : cs) {
                    t = c.time().isAfter(t) ? c.time() : t;
                    cpu += c.cpuNanos();
                    workingSet += c.workingSetBytes();
                }
            }
            Reading r = new Reading(t, cpu);
            long rate = rate(previousPods.get(first.uid()), r);
            if (cgroup.isEmpty()) {
                // A sum over the containers that exist now: its rate is theirs, not a difference of two sums.
                rate = cs.stream().mapToLong(ContainerFigures::usageNanoCores).sum();
            } else {
                seen.put(first.uid(), r);
            }
            out.add(new PodFigures(first.namespace(), first.pod(), first.uid(), t, rate, cpu, workingSet));
        }
        previousPods.clear();
        previousPods.putAll(seen);
        return List.copyOf(out);
    }

    /** Nanocores between two readings; 0 without a previous one or when the counter went back. */
    static long rate(Reading before, Reading now) {
        if (before == null) {
            return 0;
        }
        long nanos = java.time.Duration.between(before.time(), now.time()).toNanos();
        long used = now.cpuNanos() - before.cpuNanos();
        if (nanos <= 0 || used < 0) {
            return 0;
        }
        return (long) ((double) used * 1_000_000_000L / nanos);
    }

    /** The host's busy CPU time in nanoseconds from /proc/stat (all but idle and iowait), or -1. */
    long nodeCpuNanos() {
        try {
            HostCpu cpu = HostCpu.of(Files.readAllLines(proc.resolve("stat")));
            if (cpu != null) {
                return cpu.busyTicks() * (1_000_000_000L / HostCpu.TICKS_PER_SECOND);
            }
        } catch (IOException | NumberFormatException e) {
            log.debug("cannot read {}/stat: {}", proc, e.toString());
        }
        return -1;
    }

    /** MemTotal and MemAvailable from /proc/meminfo in bytes, or null. */
    long[] nodeMemory() {
        long total = -1;
        long available = -1;
        try {
            for (String line : Files.readAllLines(proc.resolve("meminfo"))) {
                String[] f = line.trim().split("\\s+");
                if (f[0].equals("MemTotal:")) {
                    total = Long.parseLong(f[1]) * 1024;
                } else if (f[0].equals("MemAvailable:")) {
                    available = Long.parseLong(f[1]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return total < 0 || available < 0 ? null : new long[] {total, available};
    }

    /** The last sample's running containers. */
    List<ContainerFigures> containers() {
        return last.containers();
    }

    /**
     * The kubelet Summary API's JSON (the parts metrics.k8s.io needs, and the file systems): the node, then each
     * pod's containers.
     */
    public byte[] summary() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode node = root.putObject("node");
        node.put("nodeName", nodeName);
        Instant t = nodeTime == null ? clock.instant() : nodeTime;
        ObjectNode cpu = node.putObject("cpu");
        cpu.put("time", t.toString());
        cpu.put("usageNanoCores", nodeNanoCores);
        cpu.put("usageCoreNanoSeconds", Math.max(0, nodeCpuNanos));
        long[] mem = nodeMemory();
        ObjectNode memory = node.putObject("memory");
        memory.put("time", t.toString());
        if (mem != null) {
            memory.put("availableBytes", mem[1]);
            memory.put("workingSetBytes", mem[0] - mem[1]);
        }
        Sample sample = last;
        FileSystems fs = sample.fs();
        if (fs != null && fs.node() != null) {
            putFs(node.putObject("fs"), fs.time(), fs.node(), fs.node().usedBytes(), fs.node().inodesUsed());
        }
        if (fs != null && fs.image() != null) {
            // As the kubelet's CRI stats: what the runtime's images use, on the file system's capacity.
            long used = fs.images() != null ? fs.images().usedBytes() : fs.image().usedBytes();
            long inodesUsed = fs.images() != null && fs.images().inodesUsed() >= 0 ? fs.images().inodesUsed()
                    : fs.image().inodesUsed();
            putFs(node.putObject("runtime").putObject("imageFs"), fs.time(), fs.image(), used, inodesUsed);
        }
        Map<String, ObjectNode> pods = new LinkedHashMap<>();
        ArrayNode podList = root.putArray("pods");
        for (PodFigures f : sample.pods()) {
            ObjectNode p = podList.addObject();
            ObjectNode ref = p.putObject("podRef");
            ref.put("name", f.pod());
            ref.put("namespace", f.namespace());
            ref.put("uid", f.uid());
            putUsage(p, f.time(), f.usageNanoCores(), f.cpuNanos(), f.workingSetBytes());
            putNetwork(p, f.uid(), sample.containers());
            p.putArray("containers");
            pods.put(f.uid(), p);
        }
        for (ContainerFigures c : sample.containers()) {
            ObjectNode pod = pods.get(c.uid());
            ObjectNode container = ((ArrayNode) pod.get("containers")).addObject();
            container.put("name", c.container());
            if (c.startTime() != null) {
                container.put("startTime", c.startTime().toString());
            }
            putUsage(container, c.time(), c.usageNanoCores(), c.cpuNanos(), c.workingSetBytes());
            Long writable = sample.rootfsBytes().get(c.id());
            if (writable != null && fs != null && fs.image() != null) {
                // The container's writable layer, on the image file system (the kubelet's rootfs).
                putFs(container.putObject("rootfs"), c.time(), fs.image(), writable, -1);
            }
            PodDisk disk = sample.disks().get(c.uid());
            Long logs = disk == null ? null : disk.logs().get(c.container());
            if (logs != null) {
                putFs(container.putObject("logs"), c.time(), fs.node(), logs, -1);
            }
        }
        for (PodFigures f : sample.pods()) {
            PodDisk disk = sample.disks().get(f.uid());
            if (disk == null) {
                continue;
            }
            ObjectNode pod = pods.get(f.uid());
            if (!disk.volumes().isEmpty()) {
                ArrayNode volumes = pod.putArray("volume");
                new java.util.TreeMap<>(disk.volumes()).forEach((name, use) -> {
                    FsUsage on = use.fs() != null ? use.fs() : fs.node();
                    if (on == null) {
                        return;
                    }
                    ObjectNode v = volumes.addObject();
                    putFs(v, f.time(), on, use.usedBytes(), use.inodesUsed());
                    v.put("name", name);
                });
            }
            // The kubelet's pod ephemeral storage: the containers' writable layers and logs and the pod's
            // disk-backed emptyDir and configMap volumes, on the node file system.
            long used = disk.total();
            for (ContainerFigures c : sample.containers()) {
                if (f.uid().equals(c.uid())) {
                    used += sample.rootfsBytes().getOrDefault(c.id(), 0L);
                }
            }
            putFs(pod.putObject("ephemeral-storage"), f.time(), fs.node(), used, -1);
        }
        return JSON.writeValueAsBytes(root);
    }

    /** The Summary API's {@code FsStats}: the file system's capacity and free space, {@code used} of it. */
    private static void putFs(ObjectNode node, Instant time, FsUsage fs, long used, long inodesUsed) {
        node.put("time", time.toString());
        node.put("availableBytes", fs.availableBytes());
        node.put("capacityBytes", fs.capacityBytes());
        node.put("usedBytes", used);
        if (fs.inodes() > 0) {
            node.put("inodesFree", fs.inodesFree());
            node.put("inodes", fs.inodes());
        }
        if (inodesUsed >= 0) {
            node.put("inodesUsed", inodesUsed);
        }
    }

    /**
     * The summary's {@code network} of a pod, as the kubelet's: the default interface's counters ({@code eth0}, else
     * the first) inline, and every interface but {@code lo} in {@code interfaces}. None without
     * {@link #podNetworks}, for a pod on the host's network, or one whose sandbox is not known.
     */
    private void putNetwork(ObjectNode pod, String uid, List<ContainerFigures> containers) {
        PodNetworks n = networks;
        String sandbox = containers.stream().filter(c -> java.util.Objects.equals(c.uid(), uid))
                .map(ContainerFigures::sandboxId).filter(id -> !id.isEmpty()).findFirst().orElse(null);
        if (n == null || sandbox == null) {
            return;
        }
        Map<String, long[]> interfaces = n.interfaces(sandbox);
        if (interfaces.isEmpty()) {
            return;
        }
        String main = interfaces.containsKey("eth0") ? "eth0" : interfaces.keySet().iterator().next();
        ObjectNode network = pod.putObject("network");
        network.put("time", clock.instant().toString());
        putInterface(network, main, interfaces.get(main));
        ArrayNode all = network.putArray("interfaces");
        interfaces.forEach((name, v) -> putInterface(all.addObject(), name, v));
    }

    private static void putInterface(ObjectNode node, String name, long[] v) {
        node.put("name", name);
        node.put("rxBytes", v[0]);
        node.put("rxErrors", v[2]);
        node.put("txBytes", v[4]);
        node.put("txErrors", v[6]);
    }

    /** The summary's {@code cpu} and {@code memory} objects of a pod or a container. */
    private static void putUsage(ObjectNode node, Instant time, long nanoCores, long cpuNanos, long workingSet) {
        ObjectNode cpu = node.putObject("cpu");
        cpu.put("time", time.toString());
        cpu.put("usageNanoCores", nanoCores);
        cpu.put("usageCoreNanoSeconds", cpuNanos);
        ObjectNode memory = node.putObject("memory");
        memory.put("time", time.toString());
        memory.put("workingSetBytes", workingSet);
    }

    /**
     * The kubelet's {@code /metrics/resource} in the Prometheus text format (what metrics-server scrapes): the
     * node's and each container's cumulative CPU seconds and working set, each pod's ({@link PodFigures}),
     * each container's start time (its creation, as the kubelet's CRI stats report it), and
     * {@code resource_scrape_error}, 1 until the first sample has been taken. Samples carry their time in
     * milliseconds.
     */
    public String resourceMetrics() {
        StringBuilder out = new StringBuilder(4096);
        Instant t = nodeTime;
        Sample sample = last;
        List<ContainerFigures> figures = sample.containers();
        stableHeader(out, "container_cpu_usage_seconds_total", "counter",
                "Cumulative cpu time consumed by the container in core-seconds");
        for (ContainerFigures c : figures) {
            sample(out, "container_cpu_usage_seconds_total", containerLabels(c), seconds(c.cpuNanos()), c.time());
        }
        stableHeader(out, "container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes");
        for (ContainerFigures c : figures) {
            sample(out, "container_memory_working_set_bytes", containerLabels(c),
                    Long.toString(c.workingSetBytes()), c.time());
        }
        stableHeader(out, "container_start_time_seconds", "gauge", "Start time of the container since unix epoch in seconds");
        for (ContainerFigures c : figures) {
            if (c.startTime() != null) {
                sample(out, "container_start_time_seconds", containerLabels(c),
                        seconds(c.startTime().getEpochSecond() * 1_000_000_000L + c.startTime().getNano()), c.time());
            }
        }
        if (t != null) {
            stableHeader(out, "node_cpu_usage_seconds_total", "counter",
                    "Cumulative cpu time consumed by the node in core-seconds");
            sample(out, "node_cpu_usage_seconds_total", "", seconds(Math.max(0, nodeCpuNanos)), t);
            long[] mem = nodeMemory();
            if (mem != null) {
                stableHeader(out, "node_memory_working_set_bytes", "gauge", "Current working set of the node in bytes");
                sample(out, "node_memory_working_set_bytes", "", Long.toString(mem[0] - mem[1]), clock.instant());
            }
        }
        List<PodFigures> podFigures = sample.pods();
        stableHeader(out, "pod_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the pod in core-seconds");
        for (PodFigures p : podFigures) {
            sample(out, "pod_cpu_usage_seconds_total", podLabels(p), seconds(p.cpuNanos()), p.time());
        }
        stableHeader(out, "pod_memory_working_set_bytes", "gauge", "Current working set of the pod in bytes");
        for (PodFigures p : podFigures) {
            sample(out, "pod_memory_working_set_bytes", podLabels(p), Long.toString(p.workingSetBytes()), p.time());
        }
        stableHeader(out, "resource_scrape_error", "gauge",
                "1 if there was an error while getting container metrics, 0 otherwise");
        out.append("resource_scrape_error ").append(t == null ? 1 : 0).append('\n');
        return out.toString();
    }

    /** A metric family's HELP and TYPE lines, the help text as given (Kaji's other metrics endpoints share it). */
    static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** A header of the kubelet's resource metrics, all of which are at the STABLE level. */
    private static void stableHeader(StringBuilder out, String name, String type, String help) {
        header(out, name, type, "[STABLE] " + help);
    }

    static void sample(StringBuilder out, String name, String labels, String value, Instant time) {
        out.append(name).append(labels).append(' ').append(value);
        if (time != null) {
            out.append(' ').append(time.toEpochMilli());
        }
        out.append('\n');
    }

    private static String containerLabels(ContainerFigures c) {
        return "{container=\"" + escape(c.container()) + "\",namespace=\"" + escape(c.namespace()) + "\",pod=\""
                + escape(c.pod()) + "\"}";
    }

    private static String podLabels(PodFigures p) {
        return "{namespace=\"" + escape(p.namespace()) + "\",pod=\"" + escape(p.pod()) + "\"}";
    }

    /** A label value as the text format wants it: backslash, double quote and newline escaped. */
    static String escape(String value) {
        if (value == null) {
            return "";
        }
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Nanoseconds as seconds with nine decimals, exactly (no binary fraction). */
    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%d.%09d", nanos / 1_000_000_000L, nanos % 1_000_000_000L);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
