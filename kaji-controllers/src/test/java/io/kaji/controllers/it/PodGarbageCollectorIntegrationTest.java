package io.kaji.controllers.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.controllers.podgc.PodGarbageCollector;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pod garbage collector against a real API server: orphans of deleted nodes, out-of-service nodes, excess finished pods. */
class PodGarbageCollectorIntegrationTest {

    private ApiServerFixture api;
    private KubernetesClient client;
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<Node> nodes;
    private PodGarbageCollector gc;
    private final List<String> seen = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        api = new ApiServerFixture();
        client = api.client;
        pods = client.pods().inAnyNamespace().inform();
        nodes = client.nodes().inform();
        gc = new PodGarbageCollector(client, pods, nodes, Clock.systemUTC(),
                new PodGarbageCollector.Options(Duration.ofSeconds(20), Duration.ZERO, 2));
    }

    @AfterEach
    void stop() throws Exception {
        gc.close();
        pods.stop();
        nodes.stop();
        api.close();
    }

    private void node(String name, boolean outOfService) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus(outOfService ? "False" : "True")
                .endCondition().endStatus();
        if (outOfService) {
            b.editSpec().addNewTaint().withKey(PodGarbageCollector.OUT_OF_SERVICE).withValue("nodeshutdown")
                    .withEffect("NoExecute").endTaint().endSpec();
        }
        Node n = client.nodes().resource(b.build()).create();
        n.setStatus(b.build().getStatus());
        client.nodes().resource(n).updateStatus();
    }

    private void pod(String name, String node, String phase) {
        Pod p = client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("busybox")
                .endContainer().endSpec().build()).create();
        if (phase != null) {
            p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(phase).build());
            client.pods().inNamespace("default").resource(p).updateStatus();
        }
    }

    private Pod get(String name) {
        return client.pods().inNamespace("default").withName(name).get();
    }

    /** Runs passes until {@code names} are gone from the API. */
    private void collectUntilGone(String... names) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            seen.addAll(gc.tick());
            for (String n : names) {
                if (get(n) != null) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void podsOfADeletedNodeAreMarkedAndRemoved() {
        node("alive", false);
        pod("on-alive", "alive", "Running");
        pod("on-gone", "gone", "Running");
        var watched = new java.util.concurrent.CopyOnWriteArrayList<String>();
        var watch = client.pods().inNamespace("default").withName("on-gone").watch(new io.fabric8.kubernetes.client.Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod p) {
                if (p.getStatus() != null && p.getStatus().getConditions() != null) {
                    p.getStatus().getConditions().forEach(c -> watched.add(c.getType() + "/" + c.getReason()
                            + "/" + p.getStatus().getPhase()));
                }
            }

            @Override
            public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
            }
        });
        try {
            collectUntilGone("on-gone");
        } finally {
            watch.close();
        }
        assertThat(seen).contains("default/on-gone");
        assertThat(watched).contains("DisruptionTarget/DeletionByPodGC/Failed");
        assertThat(get("on-alive")).isNotNull();
    }

    @Test
    void terminatingPodsOfAnOutOfServiceNodeAreRemoved() {
        node("dead", true);
        pod("stuck", "dead", "Running");
        client.pods().inNamespace("default").withName("stuck").delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> get("stuck") != null
                && get("stuck").getMetadata().getDeletionTimestamp() != null);
        collectUntilGone("stuck");
        assertThat(seen).contains("default/stuck");
    }

    @Test
    void finishedPodsBeyondTheThresholdGoOldestFirst() throws Exception {
        node("n1", false);
        for (String name : List.of("done-1", "done-2", "done-3")) {
            pod(name, "n1", "Succeeded");
            Thread.sleep(1100); // creation timestamps have a one-second resolution
        }
        pod("running", "n1", "Running");
        collectUntilGone("done-1");
        assertThat(get("done-2")).isNotNull();
        assertThat(get("done-3")).isNotNull();
        assertThat(get("running")).isNotNull();
    }
}
