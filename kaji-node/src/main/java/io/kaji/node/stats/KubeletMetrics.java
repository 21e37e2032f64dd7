package io.kaji.node.stats;

import io.kaji.node.cri.CriOperations;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.SandboxInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The kubelet's own {@code /metrics}, the series its Prometheus job and the "Kubelet" dashboards read first, in the
 * Prometheus text format; without it that scrape target is down and the kubelet-down alerts fire:
 * <ul>
 *   <li>{@code kubelet_node_name{node}} 1;</li>
 *   <li>{@code kubelet_running_pods}: pods with a ready sandbox; {@code kubelet_running_containers} by
 *   {@code container_state} (created, running, exited, unknown), both listed from the runtime at the scrape;</li>
 *   <li>{@code kubelet_runtime_operations_total}, {@code kubelet_runtime_operations_errors_total} and the
 *   histogram {@code kubelet_runtime_operations_duration_seconds} by {@code operation_type}, the CRI calls the agent
 *   made (the kubelet's operation names and buckets);</li>
 *   <li>the pod worker, pod start and relist (PLEG) histograms of {@link KubeletLatencies};</li>
 *   <li>{@code process_cpu_seconds_total}, {@code process_resident_memory_bytes}, {@code process_start_time_seconds}
 *   of the process the agent runs in.</li>
 * </ul>
 * Not served: the kubelet's volume operation and cgroup manager histograms and its REST client's series.
 */
public final class KubeletMetrics {

    private final ContainerRuntime runtime;
    private final String nodeName;
    private final KubeletLatencies latencies;
    private final Path proc;

    public KubeletMetrics(ContainerRuntime runtime, String nodeName, KubeletLatencies latencies) {
        this(runtime, nodeName, latencies, Path.of("/proc"));
    }

    KubeletMetrics(ContainerRuntime runtime, String nodeName, KubeletLatencies latencies, Path proc) {
        this.runtime = runtime;
        this.nodeName = nodeName;
        this.latencies = latencies;
        this.proc = proc;
    }

    /** The metrics now. */
    public String render() {
        StringBuilder out = new StringBuilder(4096);
        ResourceStats.header(out, "kubelet_node_name", "gauge", "[ALPHA] The node's name. The count is always 1.");
        out.append("kubelet_node_name{node=\"").append(ResourceStats.escape(nodeName)).append("\"} 1\n");

        List<SandboxInfo> sandboxes = runtime.listSandboxes(KajiLabels.managed());
        ResourceStats.header(out, "kubelet_running_pods", "gauge", "[ALPHA] Number of pods that have a running pod sandbox");
        out.append("kubelet_running_pods ").append(sandboxes.stream().filter(SandboxInfo::ready).count())
                .append('\n');
        Map<ContainerState, Integer> states = new EnumMap<>(ContainerState.class);
        for (ContainerState s : ContainerState.values()) {
            states.put(s, 0);
        }
        for (ContainerInfo c : runtime.listContainers(KajiLabels.managed())) {
            states.merge(c.state(), 1, Integer::sum);
        }
        ResourceStats.header(out, "kubelet_running_containers", "gauge", "[ALPHA] Number of containers currently running");
        states.forEach((state, n) -> out.append("kubelet_running_containers{container_state=\"")
                .append(state.name().toLowerCase(Locale.ROOT)).append("\"} ").append(n).append('\n'));

        Map<String, CriOperations.Count> ops = runtime.operations();
        ResourceStats.header(out, "kubelet_runtime_operations_total", "counter",
                "[ALPHA] Cumulative number of runtime operations by operation type.");
        ops.forEach((op, c) -> out.append("kubelet_runtime_operations_total{operation_type=\"").append(op)
                .append("\"} ").append(c.calls()).append('\n'));
        ResourceStats.header(out, "kubelet_runtime_operations_errors_total", "counter",
                "[ALPHA] Cumulative number of runtime operation errors by operation type.");
        ops.forEach((op, c) -> {
            if (c.errors() > 0) {
                out.append("kubelet_runtime_operations_errors_total{operation_type=\"").append(op).append("\"} ")
                        .append(c.errors()).append('\n');
            }
        });
        ResourceStats.header(out, "kubelet_runtime_operations_duration_seconds", "histogram",
                "[ALPHA] Duration in seconds of runtime operations. Broken down by operation type.");
        ops.forEach((op, c) -> {
            if (c.duration() != null) {
                c.duration().render(out, "kubelet_runtime_operations_duration_seconds",
                        "operation_type=\"" + op + "\"");
            }
        });
        latencies.render(out);
        process(out);
        return out.toString();
    }

    /** The agent process's CPU time, resident memory and start time from {@code /proc/self}. */
    private void process(StringBuilder out) {
        try {
            String stat = Files.readString(proc.resolve("self/stat"));
            // Fields after the command (which may hold spaces) start at state, field 3.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            long startTicks = Long.parseLong(f[19]);
            ResourceStats.header(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
            out.append("process_cpu_seconds_total ")
                    .append(String.format(Locale.ROOT, "%.2f", ticks / (double) HostCpu.TICKS_PER_SECOND)).append('\n');
            long boot = bootTime();
            if (boot > 0) {
                ResourceStats.header(out, "process_start_time_seconds", "gauge",
                        "Start time of the process since unix epoch in seconds.");
                out.append("process_start_time_seconds ").append(String.format(Locale.ROOT, "%.2f",
                        boot + startTicks / (double) HostCpu.TICKS_PER_SECOND)).append('\n');
            }
            for (String line : Files.readAllLines(proc.resolve("self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    long kb = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                    ResourceStats.header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
                    out.append("process_resident_memory_bytes ").append(kb * 1024).append('\n');
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or a /proc of another shape: no process series
        }
    }

    private long bootTime() throws IOException {
        for (String line : Files.readAllLines(proc.resolve("stat"))) {
            if (line.startsWith("btime ")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        return -1;
    }

}
