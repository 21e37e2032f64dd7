package io.kaji.bench.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.scheduler.binder.ApiPodBinder;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The benchmark's binding watch against a real in-process API server. */
class BindingWatchTest {

    @Test
    void reportsPodsThatGetANodeAndOnlyThose() throws Exception {
        Path dir = Files.createTempDirectory("kaji-binding-watch-test-");
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"));
             ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0), store)) {
            Config config = Config.fromKubeconfig(Files.readString(server.kubeconfigPath()));
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
                client.pods().inNamespace("default").resource(pod("before", null)).create();
                List<String> bound = new CopyOnWriteArrayList<>();
                try (BindingWatch watch = new BindingWatch(client, "default", bound::add)) {
                    client.pods().inNamespace("default").resource(pod("pending", null)).create();
                    client.pods().inNamespace("default").resource(pod("placed", "node-a")).create();
                    // Bound the way the scheduler binds: a Binding, which sets spec.nodeName (a MODIFIED event).
                    assertThat(new ApiPodBinder(client, Duration.ofSeconds(10)).bind(
                            client.pods().inNamespace("default").withName("before").get(), "node-b").isSuccess())
                            .isTrue();
                    // A large annotation makes an event line span several network reads.
                    client.pods().inNamespace("default").resource(new PodBuilder(pod("big", "node-c"))
                            .editMetadata().addToAnnotations("note", "x".repeat(200_000)).endMetadata().build())
                            .create();

                    await().atMost(Duration.ofSeconds(10)).until(() -> bound.containsAll(
                            List.of("placed", "before", "big")));
                    assertThat(bound).doesNotContain("pending");
                }
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static io.fabric8.kubernetes.api.model.Pod pod(String name, String node) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withNodeName(node)
                .addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec().build();
    }
}
