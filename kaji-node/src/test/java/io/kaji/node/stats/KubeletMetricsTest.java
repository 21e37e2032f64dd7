package io.kaji.node.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.node.cri.CriOperations;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxInfo;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet's own series from a scripted runtime and a fake /proc. */
class KubeletMetricsTest {

    @TempDir
    Path proc;

    private static ContainerInfo container(String id, ContainerState state) {
        return new ContainerInfo(id, "s1", "main", 0, "img", "", state, Instant.EPOCH, Map.of());
    }

    @Test
    void podsContainersRuntimeOperationsAndTheProcess() throws Exception {
        Files.createDirectories(proc.resolve("self"));
        // pid (comm with a space) state, then fields 4..: utime is field 14, stime 15, starttime 22.
        Files.writeString(proc.resolve("self/stat"), "42 (java main) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20"
                + " 0 30 0 12345 9999999 2000 18446744073709551615\n");
        Files.writeString(proc.resolve("self/status"), "Name:\tjava\nVmRSS:\t  131072 kB\n");
        Files.writeString(proc.resolve("stat"), "cpu  1 2 3 4\nbtime 1764000000\n");
        Histogram runs = new Histogram(CriOperations.DURATION_BUCKETS);
        runs.observe(0.4);
        Map<String, CriOperations.Count> ops = new TreeMap<>(Map.of("run_podsandbox",
                new CriOperations.Count(3, 1, runs.snapshot()), "list_containers", new CriOperations.Count(40, 0)));
        ContainerRuntime runtime = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (p, m, args) -> switch (m.getName()) {
                    case "listSandboxes" -> List.of(
                            new SandboxInfo("s1", new PodRef("default", "web", "u1"), 0, true, Instant.EPOCH, "",
                                    Map.of()),
                            new SandboxInfo("s0", new PodRef("default", "old", "u0"), 0, false, Instant.EPOCH, "",
                                    Map.of()));
                    case "listContainers" -> List.of(container("c1", ContainerState.RUNNING),
                            container("c2", ContainerState.RUNNING), container("c3", ContainerState.EXITED));
                    case "operations" -> ops;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        KubeletLatencies latencies = new KubeletLatencies();
        latencies.podStarted(2.5);
        String text = new KubeletMetrics(runtime, "n1", latencies, proc).render();
        assertThat(text).contains(
                "kubelet_node_name{node=\"n1\"} 1\n",
                "# TYPE kubelet_running_pods gauge\nkubelet_running_pods 1\n",
                "kubelet_running_containers{container_state=\"created\"} 0\n",
                "kubelet_running_containers{container_state=\"running\"} 2\n",
                "kubelet_running_containers{container_state=\"exited\"} 1\n",
                "kubelet_running_containers{container_state=\"unknown\"} 0\n",
                "kubelet_runtime_operations_total{operation_type=\"list_containers\"} 40\n",
                "kubelet_runtime_operations_total{operation_type=\"run_podsandbox\"} 3\n",
                "kubelet_runtime_operations_errors_total{operation_type=\"run_podsandbox\"} 1\n",
                "# TYPE kubelet_runtime_operations_duration_seconds histogram\n",
                "kubelet_runtime_operations_duration_seconds_bucket{operation_type=\"run_podsandbox\",le=\"0.1953125\"} 0\n",
                "kubelet_runtime_operations_duration_seconds_bucket{operation_type=\"run_podsandbox\",le=\"0.48828125\"} 1\n",
                "kubelet_runtime_operations_duration_seconds_count{operation_type=\"run_podsandbox\"} 1\n",
                "kubelet_pod_start_duration_seconds_bucket{le=\"3\"} 1\n",
                "process_cpu_seconds_total 3.00\n",
                "process_start_time_seconds 1764000123.45\n",
                "process_resident_memory_bytes 134217728\n");
        assertThat(text).doesNotContain("kubelet_runtime_operations_errors_total{operation_type=\"list_containers\"}")
                .as("a runtime that does not time its calls has no duration series")
                .doesNotContain("kubelet_runtime_operations_duration_seconds_count{operation_type=\"list_containers\"}");
    }
}
