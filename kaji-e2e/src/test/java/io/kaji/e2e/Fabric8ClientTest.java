package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.kaji.apiserver.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fabric8 client (JDK HTTP transport) against an in-process server: CRUD, conflicts, watch, informer, leases. */
class Fabric8ClientTest {

    @TempDir
    static Path data;
    static TestServer server;
    static KubernetesClient client;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(data);
        Config config = Config.fromKubeconfig(null, Files.readString(server.kubeconfig()), null);
        client = new KubernetesClientBuilder().withConfig(config).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    void versionAndDiscovery() {
        assertThat(client.getKubernetesVersion().getMinor()).isEqualTo("32");
        assertThat(client.supports(Deployment.class)).isTrue();
    }

    @Test
    void crudWithOptimisticConcurrency() {
        ConfigMap created = client.configMaps().inNamespace("default").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("f8").addToLabels("app", "f8").endMetadata()
                .withData(Map.of("k", "v")).build()).create();
        assertThat(created.getMetadata().getUid()).isNotBlank();
        ConfigMap edited = client.configMaps().inNamespace("default").withName("f8")
                .edit(cm -> new ConfigMapBuilder(cm).addToData("k2", "v2").build());
        assertThat(edited.getData()).containsEntry("k2", "v2");
        ConfigMap stale = new ConfigMapBuilder(created).addToData("k3", "v3").build();
        assertThatThrownBy(() -> client.configMaps().inNamespace("default").resource(stale).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        assertThat(client.configMaps().inNamespace("default").withLabel("app", "f8").list().getItems())
                .extracting(cm -> cm.getMetadata().getName()).containsExactly("f8");
        assertThat(client.configMaps().inNamespace("default").withName("f8").delete()).hasSize(1);
        assertThat(client.configMaps().inNamespace("default").withName("f8").get()).isNull();
    }

    @Test
    void scaleADeployment() {
        client.apps().deployments().inNamespace("default").resource(new DeploymentBuilder()
                .withNewMetadata().withName("f8-web").endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "f8-web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "f8-web").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("nginx").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        client.apps().deployments().inNamespace("default").withName("f8-web").scale(3);
        assertThat(client.apps().deployments().inNamespace("default").withName("f8-web").get().getSpec()
                .getReplicas()).isEqualTo(3);
    }

    @Test
    void watchReceivesEveryChange() {
        List<String> events = new CopyOnWriteArrayList<>();
        try (Watch w = client.configMaps().inNamespace("default").withLabel("watch", "f8").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, ConfigMap cm) {
                events.add(action + " " + cm.getMetadata().getName());
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("w1").addToLabels("watch", "f8").endMetadata().build()).create();
            client.configMaps().inNamespace("default").withName("w1")
                    .edit(cm -> new ConfigMapBuilder(cm).addToData("a", "b").build());
            client.configMaps().inNamespace("default").withName("w1").delete();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(events).containsExactly("ADDED w1", "MODIFIED w1", "DELETED w1"));
        }
    }

    @Test
    void informerListsThenWatches() {
        client.pods().inNamespace("default").resource(pod("before")).create();
        List<String> seen = new CopyOnWriteArrayList<>();
        SharedIndexInformer<Pod> informer = client.pods().inNamespace("default").inform(addsAndDeletes(seen));
        try {
            await().atMost(Duration.ofSeconds(20)).until(informer::hasSynced);
            client.pods().inNamespace("default").resource(pod("after")).create();
            client.pods().inNamespace("default").withName("before").delete();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(seen).contains("add before", "add after", "delete before"));
        } finally {
            informer.close();
        }
    }

    @Test
    void informerOverTheWatchListProtocol() throws Exception {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName("watch-list").endMetadata().build()).create();
        client.configMaps().inNamespace("watch-list").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("before").addToLabels("app", "wl").endMetadata().build()).create();
        // fabric8's watch list: one watch with sendInitialEvents=true instead of a list and then a watch (the
        // initial-events-end bookmark itself is checked in kaji-apiserver's ListWatchTest).
        Config config = Config.fromKubeconfig(null, Files.readString(server.kubeconfig()), null);
        config.setWatchList(true);
        List<String> seen = new CopyOnWriteArrayList<>();
        try (KubernetesClient watchList = new KubernetesClientBuilder().withConfig(config).build();
             SharedIndexInformer<ConfigMap> informer = watchList.configMaps().inNamespace("watch-list")
                     .withLabel("app", "wl").inform(addsAndDeletes(seen))) {
            await().atMost(Duration.ofSeconds(20)).until(informer::hasSynced);
            assertThat(seen).containsExactly("add before");
            assertThat(informer.getStore().list()).extracting(cm -> cm.getMetadata().getName())
                    .containsExactly("before");
            client.configMaps().inNamespace("watch-list").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("after").addToLabels("app", "wl").endMetadata().build()).create();
            client.configMaps().inNamespace("watch-list").withName("before").delete();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(seen).containsExactly("add before", "add after", "delete before"));
        }
        // One watch with the initial events and no list.
        Path audit = data.resolve("logs/audit.log");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.readAllLines(audit))
                .anyMatch(l -> l.contains("/api/v1/namespaces/watch-list/configmaps?")
                        && l.contains("sendInitialEvents=true") && l.contains("\"verb\":\"watch\"")));
        assertThat(Files.readAllLines(audit)).noneMatch(l -> l.contains("/api/v1/namespaces/watch-list/configmaps?")
                && l.contains("\"verb\":\"list\""));
    }

    /** An informer handler that records "add NAME" and "delete NAME" into {@code seen}. */
    static <T extends io.fabric8.kubernetes.api.model.HasMetadata> ResourceEventHandler<T> addsAndDeletes(
            List<String> seen) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                seen.add("add " + object.getMetadata().getName());
            }

            @Override
            public void onUpdate(T oldObject, T newObject) {
            }

            @Override
            public void onDelete(T object, boolean deletedFinalStateUnknown) {
                seen.add("delete " + object.getMetadata().getName());
            }
        };
    }

    static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().addNewContainer()
                .withName("c").withImage("busybox").endContainer().endSpec().build();
    }

    @Test
    void leaderElectionOnALease() throws Exception {
        AtomicBoolean leading = new AtomicBoolean();
        Future<?> election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName("kaji-test").withLock(new LeaseLock("default", "kaji-test-lock", "me"))
                .withLeaseDuration(Duration.ofSeconds(15)).withRenewDeadline(Duration.ofSeconds(10))
                .withRetryPeriod(Duration.ofSeconds(1))
                .withLeaderCallbacks(new LeaderCallbacks(() -> leading.set(true), () -> leading.set(false), id -> { }))
                .build()).build().start();
        try {
            await().atMost(Duration.ofSeconds(20)).untilTrue(leading);
            assertThat(client.leases().inNamespace("default").withName("kaji-test-lock").get().getSpec()
                    .getHolderIdentity()).isEqualTo("me");
        } finally {
            election.cancel(true);
        }
    }
}
