package io.kaji.controllers.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodsTest {

    private static Pod pod(String name, String node, String phase, boolean ready, String readySince, int restarts,
                           String created) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withCreationTimestamp(created).endMetadata()
                .withNewSpec().withNodeName(node).endSpec()
                .withNewStatus().withPhase(phase)
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .withLastTransitionTime(readySince).endCondition()
                .addNewContainerStatus().withName("c").withRestartCount(restarts).endContainerStatus()
                .endStatus();
        return b.build();
    }

    @Test
    void deletionOrderPrefersTheMostExpendablePods() {
        String t0 = "2026-01-01T00:00:00Z";
        Pod unscheduled = pod("unscheduled", null, "Pending", false, t0, 0, t0);
        Pod pending = pod("pending", "n1", "Pending", false, t0, 0, t0);
        Pod unknown = pod("unknown", "n1", "Unknown", false, t0, 0, t0);
        Pod notReady = pod("running-not-ready", "n1", "Running", false, t0, 0, t0);
        Pod readyRecently = pod("ready-recently", "n1", "Running", true, "2026-01-01T01:00:00Z", 0, t0);
        Pod readyLongMoreRestarts = pod("ready-long-restarts", "n1", "Running", true, t0, 3, t0);
        Pod readyLongNewer = pod("ready-long-newer", "n1", "Running", true, t0, 0, "2026-01-01T00:00:05Z");
        Pod readyLongOlder = pod("ready-long-older", "n1", "Running", true, t0, 0, t0);
        List<Pod> expected = List.of(unscheduled, pending, unknown, notReady, readyRecently, readyLongMoreRestarts,
                readyLongNewer, readyLongOlder);
        List<Pod> shuffled = new ArrayList<>(expected);
        Collections.shuffle(shuffled, new java.util.Random(3));

        shuffled.sort(Pods.DELETION_ORDER);

        assertThat(shuffled).extracting(p -> p.getMetadata().getName())
                .containsExactlyElementsOf(expected.stream().map(p -> p.getMetadata().getName()).toList());
    }

    @Test
    void availabilityWaitsForMinReadySeconds() {
        Pod p = pod("p", "n1", "Running", true, "2026-01-01T00:00:00Z", 0, "2026-01-01T00:00:00Z");
        assertThat(Pods.isAvailable(p, 0, Instant.parse("2026-01-01T00:00:00Z"))).isTrue();
        assertThat(Pods.isAvailable(p, 10, Instant.parse("2026-01-01T00:00:09Z"))).isFalse();
        assertThat(Pods.isAvailable(p, 10, Instant.parse("2026-01-01T00:00:10Z"))).isTrue();
    }

    @Test
    void finishedOrTerminatingPodsAreNotActive() {
        String t0 = "2026-01-01T00:00:00Z";
        assertThat(Pods.isActive(pod("a", "n", "Running", true, t0, 0, t0))).isTrue();
        assertThat(Pods.isActive(pod("b", "n", "Succeeded", false, t0, 0, t0))).isFalse();
        assertThat(Pods.isActive(pod("c", "n", "Failed", false, t0, 0, t0))).isFalse();
        Pod terminating = pod("d", "n", "Running", true, t0, 0, t0);
        terminating.getMetadata().setDeletionTimestamp(t0);
        assertThat(Pods.isActive(terminating)).isFalse();
    }
}
