package io.kaji.bench.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Simulated nodes against a real in-process API server. */
class NodeSimulatorTest {

    @Test
    void registersReadyNodesInZonesRenewsLeasesAndRunsBoundPods() throws Exception {
        Path dir = Files.createTempDirectory("kaji-sim-test-");
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"));
             ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0), store)) {
            Config config = Config.fromKubeconfig(Files.readString(server.kubeconfigPath()));
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
                 NodeSimulator sim = new NodeSimulator(client, NodeSimulator.Options.defaults(4)
                         .withLeaseRenewal(Duration.ofMillis(500)), Clock.systemUTC())) {
                sim.start();
                var nodes = client.nodes().list().getItems();
                assertThat(nodes).hasSize(4);
                assertThat(nodes).allSatisfy(n -> {
                    assertThat(n.getStatus().getAllocatable().get("cpu").toString()).isEqualTo("32");
                    assertThat(n.getStatus().getConditions()).anyMatch(c -> "Ready".equals(c.getType())
                            && "True".equals(c.getStatus()));
                });
                assertThat(nodes).extracting(n -> n.getMetadata().getLabels().get("topology.kubernetes.io/zone"))
                        .containsExactlyInAnyOrder("zone-a", "zone-b", "zone-c", "zone-a");
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        client.leases().inNamespace("kube-node-lease").list().getItems().size() == 4);
                // Each node renews on its own loop: renewals keep coming, none waits much longer than the interval.
                await().atMost(Duration.ofSeconds(10)).until(() -> sim.leaseStats().renewals() >= 12);
                assertThat(sim.leaseStats().maxGapMs()).isBetween(450L, 5_000L);

                client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("p")
                        .endMetadata().withNewSpec().withNodeName("sim-1").addNewContainer().withName("c")
                        .withImage("busybox:1").endContainer().endSpec().build()).create();
                await().atMost(Duration.ofSeconds(10)).until(() -> "Running".equals(
                        client.pods().inNamespace("default").withName("p").get().getStatus().getPhase()));

                try (NodeFlapMonitor flaps = new NodeFlapMonitor(client)) {
                    var node = client.nodes().withName("sim-2").get();
                    node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
                            .forEach(c -> c.setStatus("Unknown"));
                    client.nodes().resource(node).updateStatus();
                    await().atMost(Duration.ofSeconds(10)).until(() -> !flaps.flaps().isEmpty());
                    assertThat(flaps.flaps()).extracting(NodeFlapMonitor.Flap::node, NodeFlapMonitor.Flap::what)
                            .containsExactly(org.assertj.core.groups.Tuple.tuple("sim-2", "Ready=Unknown"));
                    assertThat(flaps.notReadyNow()).isEqualTo(1);
                }
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
