package io.kaji.controllers.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.controllers.ControllerManager;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Namespace deletion end to end against the real API server with the real controller manager: content of every kind
 * (built-in, workload-owned, a custom resource) is removed, pods gracefully, a finalizer on content holds the
 * namespace in Terminating with Kubernetes' conditions, and the namespace goes once the finalizer is removed.
 */
class NamespaceDeletionIntegrationTest {

    private ApiServerFixture api;
    private KubernetesClient client;
    private ControllerManager manager;

    @BeforeEach
    void start() throws Exception {
        api = new ApiServerFixture();
        client = api.client;
        manager = new ControllerManager(client, ControllerManager.Options.defaults("ns-it"), Clock.systemUTC());
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

    @Test
    void deletingANamespaceRemovesEverythingAndWaitsForContentFinalizers() {
        createWidgetDefinition();
        String ns = "doomed";
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                .create();
        client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder().withNewMetadata().withName("web")
                .endMetadata().withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web")
                .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        // A pod on a node: its deletion is graceful and waits for the node's agent (played here by the test).
        client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("bound").endMetadata()
                .withNewSpec().withNodeName("n1").withTerminationGracePeriodSeconds(4L).addNewContainer()
                .withName("c").withImage("busybox:1").endContainer().endSpec().build()).create();
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("settings")
                .endMetadata().addToData("a", "b").build()).create();
        client.genericKubernetesResources("example.com/v1", "Widget").inNamespace(ns).resource(
                new GenericKubernetesResourceBuilder().withApiVersion("example.com/v1").withKind("Widget")
                        .withNewMetadata().withName("w").withFinalizers("example.com/x").endMetadata().build()).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().inNamespace(ns).list().getItems().size() == 3);

        client.namespaces().withName(ns).delete();

        Namespace terminating = client.namespaces().withName(ns).get();
        assertThat(terminating.getStatus().getPhase()).isEqualTo("Terminating");
        assertThatThrownBy(() -> client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder()
                .withNewMetadata().withName("late").endMetadata().build()).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(403);
                    assertThat(e.getStatus().getMessage()).isEqualTo("configmaps \"late\" is forbidden: unable to "
                            + "create new content in namespace doomed because it is being terminated");
                });

        // Pods go first and gracefully: the bound one is marked and waits for its agent.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Pod bound = client.pods().inNamespace(ns).withName("bound").get();
            assertThat(bound.getMetadata().getDeletionTimestamp()).isNotNull();
            assertThat(condition(ns, "NamespaceContentRemaining").getMessage())
                    .isEqualTo("Some resources are remaining: pods. has 1 resource instances");
        });
        assertThat(client.configMaps().inNamespace(ns).withName("settings").get())
                .as("nothing but pods is deleted while pods remain").isNotNull();
        client.pods().inNamespace(ns).withName("bound").withGracePeriod(0).delete();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            NamespaceCondition finalizers = condition(ns, "NamespaceFinalizersRemaining");
            assertThat(finalizers.getStatus()).isEqualTo("True");
            assertThat(finalizers.getReason()).isEqualTo("SomeFinalizersRemain");
            assertThat(finalizers.getMessage()).isEqualTo(
                    "Some content in the namespace has finalizers remaining: example.com/x in 1 resource instances");
            assertThat(condition(ns, "NamespaceContentRemaining").getMessage())
                    .isEqualTo("Some resources are remaining: widgets.example.com has 1 resource instances");
        });
        assertThat(condition(ns, "NamespaceDeletionDiscoveryFailure").getStatus()).isEqualTo("False");
        assertThat(condition(ns, "NamespaceDeletionContentFailure").getReason()).isEqualTo("ContentDeleted");
        assertThat(client.apps().deployments().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.apps().replicaSets().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.configMaps().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.serviceAccounts().inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.namespaces().withName(ns).get().getSpec().getFinalizers()).containsExactly("kubernetes");

        GenericKubernetesResource widget = client.genericKubernetesResources("example.com/v1", "Widget")
                .inNamespace(ns).withName("w").get();
        assertThat(widget.getMetadata().getDeletionTimestamp()).isNotNull();
        widget.getMetadata().setFinalizers(List.of());
        client.genericKubernetesResources("example.com/v1", "Widget").inNamespace(ns).resource(widget).update();

        await().atMost(Duration.ofSeconds(30)).until(() -> client.namespaces().withName(ns).get() == null);
    }

    @Test
    void anEmptyNamespaceIsGoneSoonAfterDelete() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("brief").endMetadata().build())
                .create();
        long start = System.nanoTime();
        client.namespaces().withName("brief").delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.namespaces().withName("brief").get() == null);
        System.out.printf("empty namespace deleted in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    }

    private NamespaceCondition condition(String ns, String type) {
        Namespace n = client.namespaces().withName(ns).get();
        List<NamespaceCondition> conditions = n.getStatus().getConditions();
        return conditions.stream().filter(c -> c.getType().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no condition " + type + " in " + conditions));
    }

    private void createWidgetDefinition() {
        client.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName("widgets.example.com").endMetadata()
                .withNewSpec().withGroup("example.com").withScope("Namespaced")
                .withNewNames().withPlural("widgets").withSingular("widget").withKind("Widget").endNames()
                .addNewVersion().withName("v1").withServed(true).withStorage(true)
                .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema().endSchema().endVersion().endSpec().build()).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var list = client.getApiResources("example.com/v1");
            return list != null && list.getResources().stream().anyMatch(r -> r.getName().equals("widgets"));
        });
    }
}
