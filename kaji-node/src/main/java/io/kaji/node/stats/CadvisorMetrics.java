package io.kaji.node.stats;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The kubelet's {@code /metrics/cadvisor} for the node's running containers, in the Prometheus text format: the
 * series the usual dashboards and alerts read (kube-prometheus' "Compute Resources" views, container memory and
 * network alerts), not every series cAdvisor has.
 * <ul>
 *   <li>Per container, from the runtime's stats (sampled every {@link ResourceStats#PERIOD_SECONDS} s):
 *   {@code container_cpu_usage_seconds_total}, {@code container_memory_working_set_bytes},
 *   {@code container_memory_usage_bytes}, {@code container_memory_rss}, {@code container_start_time_seconds}.</li>
 *   <li>Per container, from its pod's spec: {@code container_spec_memory_limit_bytes} (0 without a limit, as
 *   cAdvisor), {@code container_spec_cpu_shares} (the kubelet's shares for the request, at least 2), and
 *   {@code container_spec_cpu_quota} and {@code container_spec_cpu_period} with a CPU limit.</li>
 *   <li>Per pod, read at each scrape ({@link PodNetworks}), on the sandbox's series ({@code container=""}, as
 *   cAdvisor under containerd), one per interface other than {@code lo}:
 *   {@code container_network_receive_bytes_total}, {@code _packets_total}, {@code _errors_total},
 *   {@code _packets_dropped_total} and their {@code transmit} pairs. Pods on the host's
 *   network have none (their figures would be the host's).</li>
 *   <li>{@code machine_cpu_cores} and {@code machine_memory_bytes}.</li>
 * </ul>
 * Labels as cAdvisor's: {@code container}, {@code id} ({@code /<runtime id>}; cAdvisor's is the cgroup path),
 * {@code image}, {@code name} (the runtime's id), {@code namespace}, {@code pod}.
 */
public final class CadvisorMetrics {

    private static final String[] NET_FIELDS = {"receive_bytes_total", "receive_packets_total",
        "receive_errors_total", "receive_packets_dropped_total"};
    private static final String[] NET_TX_FIELDS = {"transmit_bytes_total", "transmit_packets_total",
        "transmit_errors_total", "transmit_packets_dropped_total"};

    private final ResourceStats stats;
    private final PodNetworks networks;
    private final BiFunction<String, String, Pod> pods;
    private final int cpuCores;

    /**
     * @param pods the node's pod by namespace and name (null if unknown), for the spec series
     */
    public CadvisorMetrics(ResourceStats stats, PodNetworks networks, BiFunction<String, String, Pod> pods) {
        this(stats, networks, pods, Runtime.getRuntime().availableProcessors());
    }

    CadvisorMetrics(ResourceStats stats, PodNetworks networks, BiFunction<String, String, Pod> pods, int cpuCores) {
        this.stats = stats;
        this.networks = networks;
        this.pods = pods;
        this.cpuCores = cpuCores;
    }

    /** The metrics now (containers as of the last sample, networks read now). */
    public String render() {
        List<ResourceStats.ContainerFigures> containers = stats.containers();
        StringBuilder out = new StringBuilder(8192);
        family(out, "container_cpu_usage_seconds_total", "counter",
                "Cumulative cpu time consumed in seconds.", containers,
                c -> ResourceStats.seconds(c.cpuNanos()));
        family(out, "container_memory_working_set_bytes", "gauge", "Current working set in bytes.", containers,
                c -> Long.toString(c.workingSetBytes()));
        family(out, "container_memory_usage_bytes", "gauge",
                "Current memory usage in bytes, including all memory regardless of when it was accessed",
                containers, c -> Long.toString(c.memoryUsageBytes()));
        family(out, "container_memory_rss", "gauge", "Size of RSS in bytes.", containers,
                c -> Long.toString(c.rssBytes()));
        family(out, "container_start_time_seconds", "gauge", "Start time of the container since unix epoch in"
                + " seconds.", containers, c -> c.startTime() == null ? null
                : ResourceStats.seconds(c.startTime().getEpochSecond() * 1_000_000_000L + c.startTime().getNano()));
        Map<String, Container> specs = new LinkedHashMap<>();
        for (ResourceStats.ContainerFigures c : containers) {
            Container spec = spec(c);
            if (spec != null) {
                specs.put(c.id(), spec);
            }
        }
        family(out, "container_spec_memory_limit_bytes", "gauge", "Memory limit for the container.", containers,
                c -> specs.containsKey(c.id()) ? amount(specs.get(c.id()), "limits", "memory", BigDecimal.ONE)
                        .map(b -> b.toBigInteger().toString()).orElse("0") : null);
        family(out, "container_spec_cpu_shares", "gauge", "CPU share of the container.", containers,
                c -> specs.containsKey(c.id()) ? Long.toString(shares(specs.get(c.id()))) : null);
        family(out, "container_spec_cpu_quota", "gauge", "CPU quota of the container.", containers,
                c -> specs.containsKey(c.id()) ? amount(specs.get(c.id()), "limits", "cpu", BigDecimal.valueOf(100_000))
                        .map(b -> Long.toString(Math.max(1_000, b.longValue()))).orElse(null) : null);
        family(out, "container_spec_cpu_period", "gauge", "CPU period of the container.", containers,
                c -> specs.containsKey(c.id()) && amount(specs.get(c.id()), "limits", "cpu", BigDecimal.ONE)
                        .isPresent() ? "100000" : null);
        network(out, containers);
        ResourceStats.header(out, "machine_cpu_cores", "gauge", "Number of logical CPU cores.");
        out.append("machine_cpu_cores ").append(cpuCores).append('\n');
        long[] mem = stats.nodeMemory();
        if (mem != null) {
            ResourceStats.header(out, "machine_memory_bytes", "gauge", "Amount of memory installed on the machine.");
            out.append("machine_memory_bytes ").append(mem[0]).append('\n');
        }
        return out.toString();
    }

    private static void family(StringBuilder out, String name, String type, String help,
                               List<ResourceStats.ContainerFigures> containers,
                               java.util.function.Function<ResourceStats.ContainerFigures, String> value) {
        ResourceStats.header(out, name, type, help);
        for (ResourceStats.ContainerFigures c : containers) {
            String v = value.apply(c);
            if (v != null) {
                ResourceStats.sample(out, name, labels(c.container(), c.id(), c.image(), c.namespace(), c.pod(), null),
                        v, c.time());
            }
        }
    }

    private Container spec(ResourceStats.ContainerFigures c) {
        Pod pod = pods.apply(c.namespace(), c.pod());
        if (pod == null || pod.getSpec() == null || !java.util.Objects.equals(pod.getMetadata().getUid(), c.uid())) {
            return null;
        }
        return java.util.stream.Stream.of(pod.getSpec().getContainers(), pod.getSpec().getInitContainers())
                .filter(java.util.Objects::nonNull).flatMap(List::stream)
                .filter(x -> c.container().equals(x.getName())).findFirst().orElse(null);
    }

    /** The container's {@code kind} ("limits" or "requests") of {@code resource} times {@code scale}. */
    private static Optional<BigDecimal> amount(Container c, String kind, String resource, BigDecimal scale) {
        if (c.getResources() == null) {
            return Optional.empty();
        }
        Map<String, Quantity> m = kind.equals("limits") ? c.getResources().getLimits()
                : c.getResources().getRequests();
        Quantity q = m == null ? null : m.get(resource);
        return q == null ? Optional.empty() : Optional.of(q.getNumericalAmount().multiply(scale));
    }

    /** The kubelet's CPU shares: the request (else the limit, which defaults it) in millicores * 1024 / 1000, ≥ 2. */
    static long shares(Container c) {
        Optional<BigDecimal> cores = amount(c, "requests", "cpu", BigDecimal.ONE)
                .or(() -> amount(c, "limits", "cpu", BigDecimal.ONE));
        return cores.map(v -> Math.max(2, v.multiply(BigDecimal.valueOf(1024)).longValue())).orElse(2L);
    }

    /** Each pod's interfaces, on its sandbox's series. */
    private void network(StringBuilder out, List<ResourceStats.ContainerFigures> containers) {
        Map<String, ResourceStats.ContainerFigures> bySandbox = new LinkedHashMap<>();
        for (ResourceStats.ContainerFigures c : containers) {
            if (!c.sandboxId().isEmpty()) {
                bySandbox.putIfAbsent(c.sandboxId(), c);
            }
        }
        networks.retain(bySandbox.keySet());
        Map<String, long[]> values = new LinkedHashMap<>();
        Map<String, String> seriesLabels = new LinkedHashMap<>();
        for (Map.Entry<String, ResourceStats.ContainerFigures> e : bySandbox.entrySet()) {
            for (Map.Entry<String, long[]> iface : networks.interfaces(e.getKey()).entrySet()) {
                String key = e.getKey() + "/" + iface.getKey();
                values.put(key, iface.getValue());
                ResourceStats.ContainerFigures c = e.getValue();
                seriesLabels.put(key, labels("", e.getKey(), "", c.namespace(), c.pod(), iface.getKey()));
            }
        }
        Instant now = Instant.now();
        for (int f = 0; f < 8; f++) {
            String name = "container_network_" + (f < 4 ? NET_FIELDS[f] : NET_TX_FIELDS[f - 4]);
            ResourceStats.header(out, name, "counter", "Cumulative count of " + name.substring(
                    "container_network_".length(), name.length() - "_total".length()).replace('_', ' ') + ".");
            for (Map.Entry<String, long[]> v : values.entrySet()) {
                ResourceStats.sample(out, name, seriesLabels.get(v.getKey()), Long.toString(v.getValue()[f]), now);
            }
        }
    }

    private static String labels(String container, String id, String image, String namespace, String pod,
                                 String iface) {
        StringBuilder b = new StringBuilder("{container=\"").append(ResourceStats.escape(container))
                .append("\",id=\"/").append(ResourceStats.escape(id)).append("\",image=\"")
                .append(ResourceStats.escape(image)).append('"');
        if (iface != null) {
            b.append(",interface=\"").append(ResourceStats.escape(iface)).append('"');
        }
        return b.append(",name=\"").append(ResourceStats.escape(id)).append("\",namespace=\"")
                .append(ResourceStats.escape(namespace)).append("\",pod=\"").append(ResourceStats.escape(pod))
                .append("\"}").toString();
    }
}
