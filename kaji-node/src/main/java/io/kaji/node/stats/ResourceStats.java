package io.kaji.node.stats;

import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerUsage;
import io.kaji.node.runtime.KajiLabels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * MemAvailable). Containers come from the CRI's stats, grouped into pods by their Kubernetes labels. Thread-safe.
 */
public final class ResourceStats implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResourceStats.class);
    public static final int PERIOD_SECONDS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One cumulative CPU reading. */
    record Reading(Instant time, long cpuNanos) {}

    /** A container's figures for the summary. */
    record ContainerFigures(String namespace, String pod, String uid, String container, Instant time,
                            long usageNanoCores, long cpuNanos, long workingSetBytes) {}

    private final ContainerRuntime runtime;
    private final String nodeName;
    private final Clock clock;
    private final Path proc;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("kaji-stats").daemon(true).factory());
    private final Map<String, Reading> previous = new HashMap<>();
    private volatile List<ContainerFigures> containers = List.of();
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
        List<ContainerFigures> figures = new ArrayList<>();
        Map<String, Reading> seen = new HashMap<>();
        for (ContainerUsage u : usage) {
            Map<String, String> labels = u.labels();
            String pod = labels.get(KajiLabels.POD_NAME);
            if (pod == null) {
                continue;
            }
            Instant t = u.time() == null ? now : u.time();
            Reading r = new Reading(t, u.cpuUsageCoreNanos());
            seen.put(u.id(), r);
            figures.add(new ContainerFigures(labels.get(KajiLabels.POD_NAMESPACE), pod,
                    labels.get(KajiLabels.POD_UID), labels.getOrDefault(KajiLabels.CONTAINER_NAME, u.name()), t,
                    rate(previous.get(u.id()), r), u.cpuUsageCoreNanos(), u.memoryWorkingSetBytes()));
        }
        previous.clear();
        previous.putAll(seen);
        containers = List.copyOf(figures);
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

    /** The kubelet Summary API's JSON (the parts metrics.k8s.io needs): the node, then each pod's containers. */
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
        Map<String, ObjectNode> pods = new LinkedHashMap<>();
        ArrayNode podList = root.putArray("pods");
        for (ContainerFigures c : containers) {
            ObjectNode pod = pods.computeIfAbsent(c.namespace() + "/" + c.pod(), k -> {
                ObjectNode p = podList.addObject();
                ObjectNode ref = p.putObject("podRef");
                ref.put("name", c.pod());
                ref.put("namespace", c.namespace());
                ref.put("uid", c.uid());
                p.putArray("containers");
                return p;
            });
            ObjectNode container = ((ArrayNode) pod.get("containers")).addObject();
            container.put("name", c.container());
            ObjectNode ccpu = container.putObject("cpu");
            ccpu.put("time", c.time().toString());
            ccpu.put("usageNanoCores", c.usageNanoCores());
            ccpu.put("usageCoreNanoSeconds", c.cpuNanos());
            ObjectNode cmem = container.putObject("memory");
            cmem.put("time", c.time().toString());
            cmem.put("workingSetBytes", c.workingSetBytes());
        }
        return JSON.writeValueAsBytes(root);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
