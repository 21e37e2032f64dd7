package io.kaji.scheduler.it;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.controllers.runtime.ComponentSerialization;
import io.kaji.store.sqlite.SqliteStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Kaji API server in this JVM over a real SQLite store in a temporary directory, and fabric8 clients for it
 * built from the kubeconfig it wrote. The scheduler needs no node agent: nodes are API objects created here.
 */
final class ApiServerFixture implements AutoCloseable {

    final Path dir;
    final SqliteStore store;
    final ApiServer server;
    final KubernetesClient client;

    ApiServerFixture() throws IOException {
        dir = Files.createTempDirectory("kaji-scheduler-it-");
        store = SqliteStore.open(dir.resolve("db"));
        try {
            server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0), store);
        } catch (RuntimeException e) {
            store.close();
            deleteDir();
            throw e;
        }
        client = newClient();
    }

    KubernetesClient newClient() throws IOException {
        Config config = Config.fromKubeconfig(Files.readString(server.kubeconfigPath()));
        // The serialization Kaji's components use (kaji server, kaji scheduler, kaji controller-manager).
        return new KubernetesClientBuilder().withKubernetesSerialization(new ComponentSerialization()).withConfig(config)
                .build();
    }

    /** Registers a Ready node with {@code cpu} cores, {@code memory} and 110 pods, in {@code zone}. */
    Node createNode(String name, String cpu, String memory, String zone) {
        Map<String, Quantity> alloc = Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory),
                "pods", new Quantity("110"));
        Node node = new NodeBuilder().withNewMetadata().withName(name)
                .addToLabels("kubernetes.io/hostname", name).addToLabels("topology.kubernetes.io/zone", zone)
                .endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().withCapacity(alloc).withAllocatable(alloc)
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition()
                .endStatus().build();
        Node created = client.nodes().resource(node).create();
        if (created.getStatus() == null || created.getStatus().getAllocatable() == null
                || created.getStatus().getAllocatable().isEmpty()) {
            // Status is a subresource: write it as a node agent would.
            created.setStatus(node.getStatus());
            created = client.nodes().resource(created).updateStatus();
        }
        return created;
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
        store.close();
        deleteDir();
    }

    private void deleteDir() throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
