package io.kaji.node.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
 * The kubelet's default strategy: each ConfigMap (and Secret, by the same code) the node's pods use is kept by a
 * watch of that one object, so a change reaches the next volume set-up without a read and without waiting out a cache; the watch
 * stops with the last pod that uses the object.
 */
class PodVolumesWatchTest {

    @TempDir
    Path dir;

    /** Never advanced: a read-through cache would serve the first read for ever. */
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));

    @Test
    void aChangeReachesTheNextSetUpThroughTheWatchWhichStopsWithTheLastPod() throws Exception {
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient client = api.newKubernetesClient()) {
            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("site").endMetadata().addToData("greeting", "hello").build()).create();
            try (PodVolumes volumes = new PodVolumes(client, dir.resolve("volumes"), clock)) {
                Pod first = pod();
                assertThat(read(volumes, first, "site", "greeting")).isEqualTo("hello");
                assertThat(volumes.watchedObjects()).as("one watch for the object").isEqualTo(1);

                client.configMaps().inNamespace("default").withName("site").edit(cm -> {
                    cm.getData().put("greeting", "hello again");
                    return cm;
                });
                Pod second = pod();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                        .until(() -> read(volumes, pod(), "site", "greeting").equals("hello again"));
                read(volumes, second, "site", "greeting");
                assertThat(volumes.watchedObjects()).as("the same watch serves every pod").isEqualTo(1);

                client.configMaps().inNamespace("default").withName("site").delete();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                        .until(() -> !Files.exists(setUp(volumes, pod()).resolve("site").resolve("greeting")));

                volumes.tearDown(first.getMetadata().getUid());
                volumes.tearDown(second.getMetadata().getUid());
                // the pods the awaits set up are torn down too: no pod uses the objects any more
                for (String uid : torn) {
                    volumes.tearDown(uid);
                }
                assertThat(volumes.watchedObjects()).isZero();
            }
        }
    }

    @Test
    void whereTheServerRefusesTheWatchTheObjectIsRead() throws Exception {
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient admin = api.newKubernetesClient()) {
            admin.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("site").endMetadata().addToData("greeting", "hello").build()).create();
            // A caller that may get config maps but not list or watch them (as nodes of a server without the
            // single-object watch rule).
            admin.serviceAccounts().inNamespace("default").resource(new io.fabric8.kubernetes.api.model
                    .ServiceAccountBuilder().withNewMetadata().withName("reader").endMetadata().build()).create();
            admin.rbac().roles().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.rbac
                    .RoleBuilder().withNewMetadata().withName("get-only").endMetadata().addNewRule()
                    .withApiGroups("").withResources("configmaps").withVerbs("get").endRule().build()).create();
            admin.rbac().roleBindings().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.rbac
                    .RoleBindingBuilder().withNewMetadata().withName("reader").endMetadata().withNewRoleRef()
                    .withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("get-only").endRoleRef()
                    .addNewSubject().withKind("ServiceAccount").withName("reader").withNamespace("default")
                    .endSubject().build()).create();
            String token = admin.serviceAccounts().inNamespace("default").withName("reader").tokenRequest(
                    new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder().withNewSpec()
                            .withExpirationSeconds(3600L).endSpec().build()).getStatus().getToken();
            io.fabric8.kubernetes.client.Config config = io.fabric8.kubernetes.client.Config.fromKubeconfig(
                    Files.readString(api.kubeconfig()));
            config.setClientCertData(null);
            config.setClientKeyData(null);
            config.setOauthToken(token);
            try (KubernetesClient reader = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                    .withConfig(config).build();
                 PodVolumes volumes = new PodVolumes(reader, dir.resolve("volumes"), clock)) {
                long t0 = System.nanoTime();
                assertThat(read(volumes, pod(), "site", "greeting")).isEqualTo("hello");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("refused at once, not timed out")
                        .isLessThan(WatchedObjects.SYNC_WAIT.dividedBy(2));
                assertThat(volumes.watchedObjects()).isZero();
                assertThat(read(volumes, pod(), "site", "greeting")).as("read, without another watch attempt")
                        .isEqualTo("hello");
            }
        }
    }

    private final java.util.List<String> torn = new java.util.ArrayList<>();

    private Path setUp(PodVolumes volumes, Pod pod) throws Exception {
        torn.add(pod.getMetadata().getUid());
        return volumes.setUp(pod).get("site").path().getParent();
    }

    private String read(PodVolumes volumes, Pod pod, String volume, String key) throws Exception {
        torn.add(pod.getMetadata().getUid());
        return Files.readString(volumes.setUp(pod).get(volume).path().resolve(key));
    }

    private static Pod pod() {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("default")
                .withUid(UUID.randomUUID().toString()).endMetadata()
                .withNewSpec()
                .addNewVolume().withName("site").withNewConfigMap().withName("site").withOptional(true)
                .endConfigMap().endVolume()
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
    }
}
