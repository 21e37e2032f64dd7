package io.kaji.controllers.it;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.controllers.runtime.ComponentSerialization;
import io.kaji.store.sqlite.SqliteStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real Kaji API server in this JVM, over a real SQLite store in a temporary directory, and a fabric8 client for
 * it built from the kubeconfig the server wrote: the controllers see exactly what they would see in a cluster.
 */
final class ApiServerFixture implements AutoCloseable {

    final Path dir;
    final SqliteStore store;
    final ApiServer server;
    final KubernetesClient client;
    private Watch kubelet;

    ApiServerFixture() throws IOException {
        dir = Files.createTempDirectory("kaji-controllers-it-");
        store = SqliteStore.open(dir.resolve("db"));
        server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0), store);
        client = newClient();
    }

    KubernetesClient newClient() throws IOException {
        Config config = Config.fromKubeconfig(Files.readString(server.kubeconfigPath()));
        // The serialization Kaji's components use (kaji server, kaji scheduler, kaji controller-manager).
        return new KubernetesClientBuilder().withKubernetesSerialization(new ComponentSerialization()).withConfig(config)
                .build();
    }

    /**
     * Stands in for the node agents, which these tests do not run: every new pod is bound to a pretend node and
     * reported Running and Ready. (Kubernetes' own controller integration tests do the same.)
     */
    void pretendKubelet(String namespace) {
        kubelet = client.pods().inNamespace(namespace).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (action == Action.ADDED && pod.getMetadata().getDeletionTimestamp() == null
                        && (pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase()))) {
                    markRunningAndReady(pod);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    void markRunningAndReady(Pod pod) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            Pod running = new PodBuilder(pod).editOrNewStatus().withPhase("Running")
                    .withConditions()
                    .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime(now).endCondition()
                    .endStatus().build();
            running.getMetadata().setResourceVersion(null);
            client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(running).updateStatus();
        } catch (RuntimeException e) {
            // The pod was deleted meanwhile: nothing to report.
        }
    }

    @Override
    public void close() throws IOException {
        if (kubelet != null) {
            kubelet.close();
        }
        client.close();
        server.close();
        store.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
