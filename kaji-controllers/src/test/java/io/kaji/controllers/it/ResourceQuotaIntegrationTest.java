package io.kaji.controllers.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.controllers.ControllerManager;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ResourceQuota controller against the real API server (whose ResourceQuota admission plugin counts creates):
 * status.used follows deletions and finished pods, and a quota created over existing objects counts them.
 */
class ResourceQuotaIntegrationTest {

    private static final String NS = "quota";

    private ApiServerFixture api;
    private KubernetesClient client;
    private ControllerManager manager;

    @BeforeEach
    void start() throws Exception {
        api = new ApiServerFixture();
        client = api.client;
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
    }

    private void startControllers(ControllerManager.Options options) {
        manager = new ControllerManager(client, options, Clock.systemUTC());
        manager.start();
        await().atMost(Duration.ofSeconds(30)).until(manager::isLeading);
    }

    @AfterEach
    void stop() throws Exception {
        if (manager != null) {
            manager.close();
        }
        if (api != null) {
            api.close();
        }
    }

    private Pod pod(String name, String cpu) {
        return client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").withNewResources()
                .addToRequests("cpu", new Quantity(cpu)).addToLimits("cpu", new Quantity(cpu)).endResources()
                .endContainer().endSpec().build()).create();
    }

    private Map<String, String> used(String quota) {
        ResourceQuota q = client.resourceQuotas().inNamespace(NS).withName(quota).get();
        Map<String, String> out = new TreeMap<>();
        if (q.getStatus() != null && q.getStatus().getUsed() != null) {
            q.getStatus().getUsed().forEach((k, v) -> out.put(k, v.toString()));
        }
        return out;
    }

    private void createQuota(String name, Map<String, String> hard) {
        ResourceQuotaBuilder b = new ResourceQuotaBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().endSpec();
        ResourceQuota q = b.build();
        Map<String, Quantity> h = new TreeMap<>();
        hard.forEach((k, v) -> h.put(k, new Quantity(v)));
        q.getSpec().setHard(h);
        client.resourceQuotas().inNamespace(NS).resource(q).create();
    }

    @Test
    void usedDropsWhenPodsAreDeletedOrFinish() {
        startControllers(ControllerManager.Options.defaults("quota-it")); // 5 min resync: events must do it
        createQuota("compute", Map.of("pods", "10", "requests.cpu", "4", "configmaps", "10"));
        pod("a", "500m");
        pod("b", "250m");
        Pod c = pod("c", "1");
        // One ConfigMap besides kube-root-ca.crt, which the controller manager publishes in every namespace.
        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("x")
                .endMetadata().build()).create();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(used("compute"))
                .containsEntry("pods", "3").containsEntry("requests.cpu", "1750m").containsEntry("configmaps", "2"));

        client.pods().inNamespace(NS).withName("a").delete();
        client.configMaps().inNamespace(NS).withName("x").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(used("compute"))
                .containsEntry("pods", "2").containsEntry("requests.cpu", "1250m").containsEntry("configmaps", "1"));

        // A finished pod stops counting although its object stays.
        c.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Succeeded").build());
        c.getMetadata().setResourceVersion(null);
        client.pods().inNamespace(NS).resource(c).updateStatus();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(used("compute"))
                .containsEntry("pods", "1").containsEntry("requests.cpu", "250m"));
    }

    @Test
    void aQuotaCreatedOverExistingObjectsCountsThemAndTheResyncCatchesUnwatchedDeletions() {
        startControllers(ControllerManager.Options.defaults("quota-it").withQuotaResync(Duration.ofSeconds(2)));
        pod("p1", "100m");
        pod("p2", "100m");
        client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata()
                .withName("web").endMetadata().withNewSpec().withReplicas(0).withNewSelector()
                .addToMatchLabels("app", "web").endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer().withName("c")
                .withImage("busybox:1").endContainer().endSpec().endTemplate().endSpec().build()).create();

        createQuota("late", Map.of("pods", "5", "limits.cpu", "2", "count/deployments.apps", "3"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(used("late")).isEqualTo(Map.of(
                "pods", "2", "limits.cpu", "200m", "count/deployments.apps", "1")));
        ResourceQuota q = client.resourceQuotas().inNamespace(NS).withName("late").get();
        assertThat(q.getStatus().getHard()).containsOnlyKeys("pods", "limits.cpu", "count/deployments.apps");

        // Deployments are not watched: their deletion is caught by the periodic recalculation.
        client.apps().deployments().inNamespace(NS).withName("web").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(used("late"))
                .containsEntry("count/deployments.apps", "0"));
    }
}
