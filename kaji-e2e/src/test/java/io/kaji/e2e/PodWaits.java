package io.kaji.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/** Waits on pods shared by the end-to-end tests. */
final class PodWaits {

    private PodWaits() {
    }

    /**
     * Waits (at most 120 s) until pod {@code name} in {@code default} is Running with every container ready: not
     * only Running, since tests that connect to the pod need its server listening, which a loaded machine delays.
     */
    static void awaitRunningAndReady(KubernetesClient client, String name) {
        await("pod " + name + " ready").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    Pod p = client.pods().inNamespace("default").withName(name).get();
                    return p != null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase())
                            && p.getStatus().getContainerStatuses().stream()
                            .allMatch(c -> Boolean.TRUE.equals(c.getReady()));
                });
    }
}
