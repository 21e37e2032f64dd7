package io.kaji.node.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.node.stats.KubeletLatencies.PodWorkerOperation;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class KubeletLatenciesTest {

    @Test
    void podWorkerPodStartAndRelistSeriesAreTheKubelets() {
        KubeletLatencies l = new KubeletLatencies();
        l.podWorker(PodWorkerOperation.CREATE, 0.3);
        l.podWorker(PodWorkerOperation.SYNC, 0.002);
        l.podStarted(1.5);
        long start = System.nanoTime();
        l.relisted(start, Instant.ofEpochSecond(1_764_000_000L, 250_000_000));
        l.relisted(start + 250_000_000L, Instant.ofEpochSecond(1_764_000_001L));
        StringBuilder out = new StringBuilder();
        l.render(out);
        String text = out.toString();
        assertThat(text).contains(
                "# TYPE kubelet_pod_worker_duration_seconds histogram\n",
                "kubelet_pod_worker_duration_seconds_bucket{operation_type=\"create\",le=\"0.25\"} 0\n",
                "kubelet_pod_worker_duration_seconds_bucket{operation_type=\"create\",le=\"0.5\"} 1\n",
                "kubelet_pod_worker_duration_seconds_count{operation_type=\"sync\"} 1\n",
                "kubelet_pod_worker_duration_seconds_count{operation_type=\"update\"} 0\n",
                "kubelet_pod_worker_duration_seconds_count{operation_type=\"kill\"} 0\n",
                "kubelet_pod_start_duration_seconds_bucket{le=\"1\"} 0\n",
                "kubelet_pod_start_duration_seconds_bucket{le=\"2\"} 1\n",
                "kubelet_pod_start_duration_seconds_bucket{le=\"3600\"} 1\n",
                "kubelet_pleg_relist_duration_seconds_count 2\n",
                // one interval: between the two relists' starts, 250 ms
                "kubelet_pleg_relist_interval_seconds_bucket{le=\"0.1\"} 0\n",
                "kubelet_pleg_relist_interval_seconds_bucket{le=\"0.25\"} 1\n",
                "kubelet_pleg_relist_interval_seconds_count 1\n",
                "kubelet_pleg_last_seen_seconds 1764000001.000\n");
    }

    @Test
    void cgroupManagerAndStorageOperationSeriesAreTheKubelets() {
        KubeletLatencies l = new KubeletLatencies();
        l.cgroupManager("create", 0.004);
        l.cgroupManager("destroy", 0.02);
        l.cgroupManager("resize", 1);
        l.storageOperation("kubernetes.io/configmap", "volume_mount", true, 0.05);
        l.storageOperation("kubernetes.io/configmap", "volume_mount", true, 0.3);
        l.storageOperation("kubernetes.io/secret", "volume_mount", false, 0.01);
        StringBuilder out = new StringBuilder();
        l.render(out);
        String text = out.toString();
        assertThat(text).contains(
                "# TYPE kubelet_cgroup_manager_duration_seconds histogram\n",
                "kubelet_cgroup_manager_duration_seconds_bucket{operation_type=\"create\",le=\"0.005\"} 1\n",
                "kubelet_cgroup_manager_duration_seconds_count{operation_type=\"update\"} 0\n",
                "kubelet_cgroup_manager_duration_seconds_bucket{operation_type=\"destroy\",le=\"0.01\"} 0\n",
                "kubelet_cgroup_manager_duration_seconds_bucket{operation_type=\"destroy\",le=\"0.025\"} 1\n",
                "# TYPE storage_operation_duration_seconds histogram\n",
                "storage_operation_duration_seconds_bucket{migrated=\"false\",operation_name=\"volume_mount\","
                        + "status=\"success\",volume_plugin=\"kubernetes.io/configmap\",le=\"0.1\"} 1\n",
                "storage_operation_duration_seconds_bucket{migrated=\"false\",operation_name=\"volume_mount\","
                        + "status=\"success\",volume_plugin=\"kubernetes.io/configmap\",le=\"600\"} 2\n",
                "storage_operation_duration_seconds_count{migrated=\"false\",operation_name=\"volume_mount\","
                        + "status=\"fail-unknown\",volume_plugin=\"kubernetes.io/secret\"} 1\n")
                .as("an operation the kubelet does not have is not a series").doesNotContain("resize");
    }

    @Test
    void noLastSeenBeforeTheFirstRelist() {
        StringBuilder out = new StringBuilder();
        new KubeletLatencies().render(out);
        assertThat(out.toString()).doesNotContain("kubelet_pleg_last_seen_seconds")
                .as("no storage operation yet: no series, as the kubelet's vector")
                .doesNotContain("storage_operation_duration_seconds")
                .contains("kubelet_pleg_relist_interval_seconds_count 0\n");
    }
}
