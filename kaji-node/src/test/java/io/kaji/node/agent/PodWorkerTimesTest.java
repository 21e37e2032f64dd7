package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.node.stats.KubeletLatencies;
import io.kaji.node.stats.KubeletLatencies.PodWorkerOperation;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PodWorkerTimesTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final KubeletLatencies latencies = new KubeletLatencies();
    private final PodWorkerTimes times = new PodWorkerTimes(latencies, nanos::get);

    private static Pod pod(String uid, long generation, String phase) {
        return new PodBuilder().withNewMetadata().withNamespace("default").withName("web").withUid(uid)
                .withGeneration(generation).endMetadata().withNewStatus().withPhase(phase).endStatus().build();
    }

    private String render() {
        StringBuilder out = new StringBuilder();
        latencies.render(out);
        return out.toString();
    }

    @Test
    void passesAreCreateThenSyncThenUpdateOnANewSpecThenKill() {
        assertThat(times.begin("default/web", pod("u1", 1, "Pending"))).isEqualTo(PodWorkerOperation.CREATE);
        assertThat(times.begin("default/web", pod("u1", 1, "Pending"))).isEqualTo(PodWorkerOperation.SYNC);
        assertThat(times.begin("default/web", pod("u1", 2, "Running"))).isEqualTo(PodWorkerOperation.UPDATE);
        assertThat(times.begin("default/web", pod("u1", 2, "Running"))).isEqualTo(PodWorkerOperation.SYNC);
        Pod deleting = pod("u1", 2, "Running");
        deleting.getMetadata().setDeletionTimestamp("2026-11-28T12:00:00Z");
        assertThat(times.begin("default/web", deleting)).isEqualTo(PodWorkerOperation.KILL);
        assertThat(times.begin("default/web", null)).isEqualTo(PodWorkerOperation.KILL);
        // A new pod under the same name is a create again.
        assertThat(times.begin("default/web", pod("u2", 1, "Pending"))).isEqualTo(PodWorkerOperation.CREATE);
    }

    @Test
    void aPassIsTimedUnderItsKind() {
        long start = times.now();
        PodWorkerOperation op = times.begin("default/web", pod("u1", 1, "Pending"));
        nanos.addAndGet(300_000_000L);
        times.end(op, start);
        assertThat(render()).contains(
                "kubelet_pod_worker_duration_seconds_bucket{operation_type=\"create\",le=\"0.25\"} 0\n",
                "kubelet_pod_worker_duration_seconds_bucket{operation_type=\"create\",le=\"0.5\"} 1\n");
    }

    @Test
    void aPodStartCountsFromWhenTheWatchDeliveredItOnce() {
        times.seen("default/web", pod("u1", 1, "Pending"));
        nanos.addAndGet(1_500_000_000L);
        assertThat(times.begin("default/web", pod("u1", 1, "Pending"))).as("the first pass after the watch's add")
                .isEqualTo(PodWorkerOperation.CREATE);
        nanos.addAndGet(1_000_000_000L);
        times.running("default/web", pod("u1", 1, "Pending"));
        // a later pass still on a cached copy that says Pending is not a second start
        times.running("default/web", pod("u1", 1, "Pending"));
        assertThat(render()).contains("kubelet_pod_start_duration_seconds_bucket{le=\"2\"} 0\n",
                "kubelet_pod_start_duration_seconds_bucket{le=\"3\"} 1\n",
                "kubelet_pod_start_duration_seconds_count 1\n");
    }

    @Test
    void aPodAlreadyRunningWhenTheAgentFirstSawItIsNotAStart() {
        times.seen("default/web", pod("u1", 1, "Running"));
        times.begin("default/web", pod("u1", 1, "Running"));
        times.running("default/web", pod("u1", 1, "Running"));
        assertThat(render()).contains("kubelet_pod_start_duration_seconds_count 0\n");
    }
}
