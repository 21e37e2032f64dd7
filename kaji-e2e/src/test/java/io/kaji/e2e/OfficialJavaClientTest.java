package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.reflect.TypeToken;
import io.kaji.apiserver.server.TestServer;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.kubernetes.client.extended.leaderelection.LeaderElector;
import io.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1Scale;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import io.kubernetes.client.util.PatchUtils;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Kubernetes Java client ({@code io.kubernetes:client-java}, OkHttp and Gson) against an in-process
 * server, unchanged and configured from the server's admin kubeconfig: version, CRUD with a 409 on a stale update,
 * label selectors, a strategic merge patch, the scale subresource, a watch, an informer and leader election on a
 * Lease. (Its exec over WebSocket v5 runs against real containers in {@link KubectlExecE2ETest}.)
 */
class OfficialJavaClientTest {

    @TempDir
    static Path data;
    static TestServer server;
    static ApiClient client;
    static CoreV1Api core;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(data);
        client = ClientBuilder.kubeconfig(KubeConfig.loadKubeConfig(new StringReader(
                Files.readString(server.kubeconfig())))).build();
        core = new CoreV1Api(client);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static V1ConfigMap configMap(String name, Map<String, String> labels) {
        return new V1ConfigMap().metadata(new V1ObjectMeta().name(name).labels(labels)).data(Map.of("k", "v"));
    }

    @Test
    void versionOfTheServer() throws Exception {
        var version = new VersionApi(client).getCode().execute();
        assertThat(version.getMajor()).isEqualTo("1");
        assertThat(version.getMinor()).isEqualTo("32");
    }

    @Test
    void crudWithOptimisticConcurrencyAndSelectors() throws Exception {
        V1ConfigMap created = core.createNamespacedConfigMap("default", configMap("oj", Map.of("app", "oj")))
                .execute();
        assertThat(created.getMetadata().getUid()).isNotBlank();
        assertThat(created.getMetadata().getResourceVersion()).isNotBlank();

        V1ConfigMap changed = core.readNamespacedConfigMap("oj", "default").execute();
        changed.getData().put("k2", "v2");
        V1ConfigMap replaced = core.replaceNamespacedConfigMap("oj", "default", changed).execute();
        assertThat(replaced.getData()).containsEntry("k2", "v2");

        created.getData().put("k3", "v3");
        assertThatThrownBy(() -> core.replaceNamespacedConfigMap("oj", "default", created).execute())
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getResponseBody()).contains("\"reason\":\"Conflict\"");
                });

        V1ConfigMap patched = PatchUtils.patch(V1ConfigMap.class,
                () -> core.patchNamespacedConfigMap("oj", "default",
                        new V1Patch("{\"metadata\":{\"labels\":{\"patched\":\"yes\"}}}")).buildCall(null),
                V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH, client);
        assertThat(patched.getMetadata().getLabels()).containsEntry("patched", "yes").containsEntry("app", "oj");

        assertThat(core.listNamespacedConfigMap("default").labelSelector("app=oj,patched in (yes)").execute()
                .getItems()).extracting(cm -> cm.getMetadata().getName()).containsExactly("oj");
        core.deleteNamespacedConfigMap("oj", "default").execute();
        assertThatThrownBy(() -> core.readNamespacedConfigMap("oj", "default").execute())
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    }

    @Test
    void scaleADeploymentThroughItsSubresource() throws Exception {
        AppsV1Api apps = new AppsV1Api(client);
        apps.createNamespacedDeployment("default", new V1Deployment()
                .metadata(new V1ObjectMeta().name("oj-web"))
                .spec(new V1DeploymentSpec().replicas(1)
                        .selector(new V1LabelSelector().matchLabels(Map.of("app", "oj-web")))
                        .template(new V1PodTemplateSpec().metadata(new V1ObjectMeta().labels(Map.of("app", "oj-web")))
                                .spec(new V1PodSpec().containers(List.of(new V1Container().name("c")
                                        .image("nginx")))))))
                .execute();
        V1Scale scale = apps.readNamespacedDeploymentScale("oj-web", "default").execute();
        assertThat(scale.getSpec().getReplicas()).isEqualTo(1);
        scale.getSpec().setReplicas(3);
        apps.replaceNamespacedDeploymentScale("oj-web", "default", scale).execute();
        assertThat(apps.readNamespacedDeployment("oj-web", "default").execute().getSpec().getReplicas())
                .isEqualTo(3);
    }

    @Test
    void watchReceivesEveryChange() throws Exception {
        ApiClient watching = ClientBuilder.kubeconfig(KubeConfig.loadKubeConfig(new StringReader(
                Files.readString(server.kubeconfig())))).setReadTimeout(Duration.ZERO).build();
        List<String> events = new CopyOnWriteArrayList<>();
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try (Watch<V1ConfigMap> watch = Watch.createWatch(watching,
                new CoreV1Api(watching).listNamespacedConfigMap("default").labelSelector("watch=oj").watch(true)
                        .buildCall(null),
                new TypeToken<Watch.Response<V1ConfigMap>>() { }.getType())) {
            reader.submit(() -> {
                for (Watch.Response<V1ConfigMap> e : watch) {
                    events.add(e.type + " " + e.object.getMetadata().getName());
                }
                return null;
            });
            core.createNamespacedConfigMap("default", configMap("w1", Map.of("watch", "oj"))).execute();
            V1ConfigMap cm = core.readNamespacedConfigMap("w1", "default").execute();
            cm.getData().put("a", "b");
            core.replaceNamespacedConfigMap("w1", "default", cm).execute();
            core.deleteNamespacedConfigMap("w1", "default").execute();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(events).containsExactly("ADDED w1", "MODIFIED w1", "DELETED w1"));
        } finally {
            reader.shutdownNow();
        }
    }

    @Test
    void informerListsThenWatches() throws Exception {
        core.createNamespacedPod("default", pod("oj-before")).execute();
        SharedInformerFactory factory = new SharedInformerFactory(client);
        SharedIndexInformer<V1Pod> informer = factory.sharedIndexInformerFor(
                new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", client), V1Pod.class, 0);
        List<String> seen = new CopyOnWriteArrayList<>();
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1Pod pod) {
                seen.add("add " + pod.getMetadata().getName());
            }

            @Override
            public void onUpdate(V1Pod oldPod, V1Pod newPod) {
            }

            @Override
            public void onDelete(V1Pod pod, boolean deletedFinalStateUnknown) {
                seen.add("delete " + pod.getMetadata().getName());
            }
        });
        factory.startAllRegisteredInformers();
        try {
            await().atMost(Duration.ofSeconds(20)).until(informer::hasSynced);
            core.createNamespacedPod("default", pod("oj-after")).execute();
            core.deleteNamespacedPod("oj-before", "default").execute();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(seen).contains("add oj-before", "add oj-after", "delete oj-before"));
            assertThat(informer.getIndexer().list()).extracting(p -> p.getMetadata().getName())
                    .contains("oj-after").doesNotContain("oj-before");
        } finally {
            factory.stopAllRegisteredInformers();
        }
    }

    private static V1Pod pod(String name) {
        return new V1Pod().metadata(new V1ObjectMeta().name(name))
                .spec(new V1PodSpec().containers(List.of(new V1Container().name("c").image("busybox"))));
    }

    @Test
    void leaderElectionOnALease() throws Exception {
        AtomicBoolean leading = new AtomicBoolean();
        LeaderElector elector = new LeaderElector(new LeaderElectionConfig(
                new LeaseLock("default", "oj-lock", "official-java", client),
                Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(1)));
        ExecutorService runner = Executors.newSingleThreadExecutor();
        runner.submit(() -> elector.run(() -> leading.set(true), () -> leading.set(false)));
        try {
            await().atMost(Duration.ofSeconds(20)).untilTrue(leading);
            assertThat(new CoordinationV1Api(client).readNamespacedLease("oj-lock", "default").execute().getSpec()
                    .getHolderIdentity()).isEqualTo("official-java");
        } finally {
            elector.close();
            runner.shutdownNow();
            runner.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
