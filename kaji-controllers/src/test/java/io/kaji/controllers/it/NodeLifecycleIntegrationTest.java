package io.kaji.controllers.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.controllers.ControllerManager;
import io.kaji.controllers.nodelifecycle.NodeLifecycleController;
import io.kaji.controllers.runtime.Pods;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Steps 1 and 2 of the recovery flow against a real API server: a node stops renewing its Lease, the controller
 * marks it Unknown and taints it, its pods are evicted, and the ReplicaSet writes replacements.
 */
class NodeLifecycleIntegrationTest {

    private ApiServerFixture api;
    private KubernetesClient client;
    private ControllerManager manager;
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void start() throws Exception {
        api = new ApiServerFixture();
        client = api.client;
        manager = new ControllerManager(client, ControllerManager.Options.defaults("it-nl")
                .withClusterCidr("100.64.0.0/16", 24)
                .withNodeLifecycle(new NodeLifecycleController.Options(Duration.ofSeconds(3), Duration.ofMillis(500), 0.55)),
                Clock.systemUTC());
        manager.start();
        await().atMost(Duration.ofSeconds(30)).until(manager::isLeading);
    }

    @AfterEach
    void stop() throws Exception {
        heartbeats.shutdownNow();
        manager.close();
        api.close();
    }

    private void registerNode(String name) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withLastHeartbeatTime(ZonedDateTime.now().toOffsetDateTime().toString()).endCondition().endStatus()
                .build()).create();
        client.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40)
                .withRenewTime(ZonedDateTime.now()).endSpec().build()).create();
    }

    private void renew(String name) {
        Lease l = client.leases().inNamespace("kube-node-lease").withName(name).get();
        l.getSpec().setRenewTime(ZonedDateTime.now());
        client.leases().inNamespace("kube-node-lease").resource(l).update();
    }

    private Pod bound(String name, String node, String rsName) {
        return new PodBuilder().withNewMetadata().withName(name).addToLabels("app", rsName).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("busybox:1").endContainer()
                .endSpec().build();
    }

    @Test
    void aSilentNodeIsMarkedUnknownTaintedAndItsPodsReplaced() {
        registerNode("alive");
        registerNode("dead");
        registerNode("spare");
        heartbeats.scheduleAtFixedRate(() -> {
            try {
                renew("alive");
                renew("spare");
            } catch (RuntimeException e) {
                // the API server is going away at the end of the test
            }
        }, 0, 1, TimeUnit.SECONDS);

        // Every node gets a podCIDR from the cluster CIDR.
        await().atMost(Duration.ofSeconds(15)).until(() -> client.nodes().list().getItems().stream()
                .allMatch(n -> n.getSpec() != null && n.getSpec().getPodCIDR() != null
                        && n.getSpec().getPodCIDR().startsWith("100.64.")));
        assertThat(client.nodes().list().getItems().stream().map(n -> n.getSpec().getPodCIDR()).distinct()).hasSize(3);

        // A ReplicaSet with one pod on each of the alive and the dead node.
        client.pods().inNamespace("default").resource(bound("on-alive", "alive", "svc")).create();
        client.pods().inNamespace("default").resource(bound("on-dead", "dead", "svc")).create();
        client.apps().replicaSets().inNamespace("default").resource(new ReplicaSetBuilder()
                .withNewMetadata().withName("svc").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "svc").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "svc").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        await().atMost(Duration.ofSeconds(15)).until(() ->
                Pods.controllerOf(client.pods().inNamespace("default").withName("on-dead").get()).isPresent());

        // "dead" never renews: within grace (3 s) + a pass it is Unknown and tainted; its pod goes.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            Node n = client.nodes().withName("dead").get();
            return n.getSpec() != null && n.getSpec().getTaints() != null && n.getSpec().getTaints().stream()
                    .anyMatch(t -> NodeLifecycleController.UNREACHABLE.equals(t.getKey()) && "NoExecute".equals(t.getEffect()));
        });
        Node dead = client.nodes().withName("dead").get();
        assertThat(dead.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Ready");
            assertThat(c.getStatus()).isEqualTo("Unknown");
            assertThat(c.getReason()).isEqualTo("NodeStatusUnknown");
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            Pod p = client.pods().inNamespace("default").withName("on-dead").get();
            return p == null || p.getMetadata().getDeletionTimestamp() != null;
        });
        // The ReplicaSet replaces it: two active pods again, none of them the evicted one.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            List<Pod> active = client.pods().inNamespace("default").withLabels(Map.of("app", "svc")).list().getItems()
                    .stream().filter(Pods::isActive).toList();
            return active.size() == 2 && active.stream().noneMatch(p -> p.getMetadata().getName().equals("on-dead"));
        });
        // The healthy nodes keep no taint and their pod stays.
        assertThat(client.nodes().withName("alive").get().getSpec().getTaints()).isNullOrEmpty();
        assertThat(client.pods().inNamespace("default").withName("on-alive").get().getMetadata().getDeletionTimestamp()).isNull();
        assertThat(client.v1().events().inNamespace("default").list().getItems())
                .extracting(e -> e.getReason()).contains("TaintManagerEviction");

        // The node comes back: its taints go.
        heartbeats.scheduleAtFixedRate(() -> {
            try {
                renew("dead");
            } catch (RuntimeException e) {
                // ignore at shutdown
            }
        }, 0, 1, TimeUnit.SECONDS);
        editStatus("dead", n -> {
            n.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready")).forEach(c -> {
                c.setStatus("True");
                c.setReason("KubeletReady");
                c.setLastHeartbeatTime(ZonedDateTime.now().toOffsetDateTime().toString());
            });
            return n;
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> client.nodes().withName("dead").get().getSpec().getTaints() == null
                || client.nodes().withName("dead").get().getSpec().getTaints().isEmpty());
    }

    @Test
    void evictionsPauseWhenMostNodesLookDeadAtOnce() {
        for (String n : List.of("a", "b", "c")) {
            registerNode(n);
            client.pods().inNamespace("default").resource(bound("pod-" + n, n, "x")).create();
        }
        // All three renew, then all stop in the same instant (as when the control plane is cut off from them):
        // they go Unknown together, which looks like a partition, not three dead machines.
        java.util.concurrent.ScheduledFuture<?> renewals = heartbeats.scheduleAtFixedRate(() -> {
            for (String n : List.of("a", "b", "c")) {
                try {
                    renew(n);
                } catch (RuntimeException e) {
                    // shutting down
                }
            }
        }, 0, 500, TimeUnit.MILLISECONDS);
        await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).until(() -> true);
        assertThat(client.nodes().list().getItems()).allSatisfy(n -> assertThat(n.getSpec() == null
                || n.getSpec().getTaints() == null || n.getSpec().getTaints().isEmpty()).isTrue());
        renewals.cancel(false);
        await().atMost(Duration.ofSeconds(20)).until(() -> client.nodes().list().getItems().stream().allMatch(n ->
                n.getSpec() != null && n.getSpec().getTaints() != null && !n.getSpec().getTaints().isEmpty()));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() ->
                client.pods().inNamespace("default").list().getItems().stream()
                        .allMatch(p -> p.getMetadata().getDeletionTimestamp() == null));
    }

    /**
     * The node lifecycle controller writes the same Node's status (Ready Unknown, taints) while the test does: a
     * read-modify-write may meet a 409 Conflict, which a kubelet would retry on the fresh object, and so does this.
     */
    private void editStatus(String node, java.util.function.UnaryOperator<io.fabric8.kubernetes.api.model.Node> edit) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.nodes().withName(node).editStatus(edit);
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private void setCondition(String node, String type, String status) {
        editStatus(node, n -> {
            n.getStatus().getConditions().removeIf(c -> c.getType().equals(type));
            n.getStatus().getConditions().add(new io.fabric8.kubernetes.api.model.NodeConditionBuilder().withType(type)
                    .withStatus(status).withReason("Test").build());
            n.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready"))
                    .forEach(c -> c.setLastHeartbeatTime(ZonedDateTime.now().toOffsetDateTime().toString()));
            return n;
        });
    }

    @Test
    void pressureConditionsTaintTheNodeNoScheduleWhileTheyHold() {
        registerNode("pressed");
        heartbeats.scheduleAtFixedRate(() -> {
            try {
                renew("pressed");
            } catch (RuntimeException e) {
                // shutting down
            }
        }, 0, 1, TimeUnit.SECONDS);
        client.pods().inNamespace("default").resource(bound("on-pressed", "pressed", "p")).create();
        setCondition("pressed", "MemoryPressure", "True");
        setCondition("pressed", "PIDPressure", "True");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                client.nodes().withName("pressed").get().getSpec().getTaints())
                .extracting(t -> t.getKey() + ":" + t.getEffect())
                .containsExactlyInAnyOrder("node.kubernetes.io/memory-pressure:NoSchedule",
                        "node.kubernetes.io/pid-pressure:NoSchedule"));
        setCondition("pressed", "PIDPressure", "False");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                client.nodes().withName("pressed").get().getSpec().getTaints())
                .extracting(t -> t.getKey() + ":" + t.getEffect())
                .containsExactly("node.kubernetes.io/memory-pressure:NoSchedule"));
        // NoSchedule only: the running pod stays (the node's own eviction decides about it).
        assertThat(client.pods().inNamespace("default").withName("on-pressed").get().getMetadata()
                .getDeletionTimestamp()).isNull();
        setCondition("pressed", "MemoryPressure", "False");
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            var taints = client.nodes().withName("pressed").get().getSpec().getTaints();
            return taints == null || taints.isEmpty();
        });
    }
}
