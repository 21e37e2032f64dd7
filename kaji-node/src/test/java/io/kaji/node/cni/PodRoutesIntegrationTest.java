package io.kaji.node.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import io.kaji.node.host.HostCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real routes in the host's main table (root): only inside 100.64.200.0/21, removed afterwards. */
class PodRoutesIntegrationTest {

    private static final String CLUSTER = "100.64.200.0/21";
    private static final String STALE = "100.64.203.0/24";

    @TempDir
    Path dir;
    TestServer api;
    KubernetesClient client;
    PodRoutes routes;

    @BeforeEach
    void start() throws Exception {
        cleanup();
        api = TestServer.start(dir);
        client = api.newKubernetesClient();
    }

    @AfterEach
    void stop() {
        if (routes != null) {
            routes.close();
        }
        client.close();
        api.close();
        cleanup();
    }

    private static void cleanup() {
        for (String dst : List.of(CLUSTER, STALE)) {
            HostCommand.run(List.of("ip", "route", "del", "unreachable", dst, "proto", "75"), Duration.ofSeconds(5));
        }
    }

    @Test
    void installsTheClusterWideUnreachableRouteAndRemovesStaleKajiRoutesInsideTheClusterCidr() {
        HostCommand.run(List.of("ip", "route", "add", "unreachable", STALE, "proto", "75"), Duration.ofSeconds(5))
                .orThrow();
        // A node on this machine: its InternalIP is local, so it needs no route of its own.
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("other").endMetadata()
                .withNewSpec().withPodCIDR("100.64.201.0/24").endSpec().withNewStatus().addNewAddress()
                .withType("InternalIP").withAddress("127.0.0.1").endAddress().endStatus().build()).create();
        routes = new PodRoutes(client, "self", CLUSTER, Set.of("127.0.0.1"));
        routes.start();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var current = PodRoutes.current();
            assertThat(current).containsKey(CLUSTER).doesNotContainKey(STALE).doesNotContainKey("100.64.201.0/24");
            assertThat(current.get(CLUSTER).unreachable()).isTrue();
        });
        // A packet for an unassigned pod address is refused here instead of leaving through the default route.
        HostCommand.Result get = HostCommand.run(List.of("ip", "route", "get", "100.64.206.9"), Duration.ofSeconds(5));
        assertThat(get.ok()).isFalse();
        assertThat(get.stderr()).contains("No route to host");
    }
}
