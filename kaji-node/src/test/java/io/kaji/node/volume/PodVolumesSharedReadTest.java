package io.kaji.node.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
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
import java.time.Instant;
import java.time.ZoneId;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ConfigMap read for one pod's volume serves the node's other pods for {@link PodVolumes#OBJECT_TTL} (the
 * kubelet's TTL-cache strategy), and a change is read again once that has passed.
 */
class PodVolumesSharedReadTest {

    @TempDir
    Path dir;

    private Instant now = Instant.parse("2026-11-26T12:00:00Z");

    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void podsShareOneReadOfAConfigMapUntilItsTtlHasPassed() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"));
             ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir.resolve("api")).withPort(0), store);
             KubernetesClient client = new KubernetesClientBuilder()
                     .withConfig(Config.fromKubeconfig(Files.readString(server.kubeconfigPath()))).build()) {
            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("site").endMetadata().addToData("greeting", "hello").build()).create();
            PodVolumes volumes = new PodVolumes(client, dir.resolve("volumes"), clock);

            assertThat(greeting(volumes, pod())).isEqualTo("hello");
            client.configMaps().inNamespace("default").withName("site").edit(cm -> {
                cm.getData().put("greeting", "hello again");
                return cm;
            });
            now = now.plus(PodVolumes.OBJECT_TTL.minusSeconds(1));
            assertThat(greeting(volumes, pod())).as("another pod within the TTL: the shared read").isEqualTo("hello");
            now = now.plus(Duration.ofSeconds(1));
            assertThat(greeting(volumes, pod())).as("once the TTL has passed: read again").isEqualTo("hello again");
        }
    }

    @Test
    void anAbsentOptionalConfigMapIsReadAgainAfterTheTtl() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"));
             ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir.resolve("api")).withPort(0), store);
             KubernetesClient client = new KubernetesClientBuilder()
                     .withConfig(Config.fromKubeconfig(Files.readString(server.kubeconfigPath()))).build()) {
            PodVolumes volumes = new PodVolumes(client, dir.resolve("volumes"), clock);
            Pod first = pod();
            volumes.setUp(first);
            assertThat(dir.resolve("volumes").resolve(first.getMetadata().getUid())
                    .resolve("kubernetes.io~configmap/site/greeting")).doesNotExist();

            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("site").endMetadata().addToData("greeting", "late").build()).create();
            now = now.plus(PodVolumes.OBJECT_TTL);
            assertThat(greeting(volumes, pod())).isEqualTo("late");
        }
    }

    private String greeting(PodVolumes volumes, Pod pod) throws Exception {
        Path dirOfVolume = volumes.setUp(pod).get("site").path();
        return Files.readString(dirOfVolume.resolve("greeting"));
    }

    private static Pod pod() {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("default")
                .withUid(UUID.randomUUID().toString()).endMetadata()
                .withNewSpec().addNewVolume().withName("site").withNewConfigMap().withName("site").withOptional(true)
                .endConfigMap().endVolume()
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
    }
}
