package io.kaji.node.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import io.kaji.controllers.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without watches (the kubelet's TTL-cache strategy, what the agent falls back to where the server refuses a node's
 * watch): a ConfigMap read for one pod's volume serves the node's other pods for {@link PodVolumes#OBJECT_TTL}, and
 * a change is read again once that has passed.
 */
class PodVolumesSharedReadTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

    @Test
    void podsShareOneReadOfAConfigMapUntilItsTtlHasPassed() throws Exception {
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient client = api.newKubernetesClient()) {
            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("site").endMetadata().addToData("greeting", "hello").build()).create();
            PodVolumes volumes = new PodVolumes(client, dir.resolve("volumes"), clock, false);

            assertThat(greeting(volumes, pod())).isEqualTo("hello");
            client.configMaps().inNamespace("default").withName("site").edit(cm -> {
                cm.getData().put("greeting", "hello again");
                return cm;
            });
            clock.advance(PodVolumes.OBJECT_TTL.minusSeconds(1));
            assertThat(greeting(volumes, pod())).as("another pod within the TTL: the shared read").isEqualTo("hello");
            clock.advance(Duration.ofSeconds(1));
            assertThat(greeting(volumes, pod())).as("once the TTL has passed: read again").isEqualTo("hello again");
        }
    }

    @Test
    void anAbsentOptionalConfigMapIsReadAgainAfterTheTtl() throws Exception {
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient client = api.newKubernetesClient()) {
            PodVolumes volumes = new PodVolumes(client, dir.resolve("volumes"), clock, false);
            Pod first = pod();
            volumes.setUp(first);
            assertThat(dir.resolve("volumes").resolve(first.getMetadata().getUid())
                    .resolve("kubernetes.io~configmap/site/greeting")).doesNotExist();

            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("site").endMetadata().addToData("greeting", "late").build()).create();
            clock.advance(PodVolumes.OBJECT_TTL);
            assertThat(greeting(volumes, pod())).isEqualTo("late");
        }
    }

    @Test
    void eachVolumesSetUpIsTimedByItsPluginAndOutcome() throws Exception {
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient client = api.newKubernetesClient()) {
            PodVolumes volumes = new PodVolumes(client, dir.resolve("volumes"), clock, false);
            java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            volumes.timings((plugin, operation, ok, seconds) -> {
                assertThat(seconds).isNotNegative();
                seen.add(plugin + " " + operation + " " + ok);
            });
            volumes.setUp(pod());
            assertThat(seen).containsExactly("kubernetes.io/configmap volume_mount true");

            Pod missing = new PodBuilder(pod()).editSpec().addNewVolume().withName("cache").withNewEmptyDir()
                    .endEmptyDir().endVolume().addNewVolume().withName("settings").withNewConfigMap()
                    .withName("none").endConfigMap().endVolume().endSpec().build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> volumes.setUp(missing))
                    .hasMessageContaining("configmap \"none\" not found");
            assertThat(seen).as("set up in order until the missing configMap fails").containsExactly(
                    "kubernetes.io/configmap volume_mount true", "kubernetes.io/configmap volume_mount true",
                    "kubernetes.io/empty-dir volume_mount true", "kubernetes.io/configmap volume_mount false");
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
