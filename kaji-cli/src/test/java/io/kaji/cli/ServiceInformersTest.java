package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import io.kaji.node.agent.EnvResolver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent process's shared Service and EndpointSlice informers against a real in-process API server. */
class ServiceInformersTest {

    @TempDir
    Path dir;

    @Test
    void cachesWithoutManagedFieldsAndServesTheServiceVariables() throws Exception {
        try (TestServer server = TestServer.start(dir); KubernetesClient client = server.newKubernetesClient()) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata()
                    .build()).create();
            Service created = client.services().inNamespace("shop").resource(new ServiceBuilder().withNewMetadata()
                    .withName("web").endMetadata().withNewSpec().addNewPort().withName("http").withPort(80).endPort()
                    .endSpec().build()).create();
            assertThat(created.getMetadata().getManagedFields()).as("the server records the writer").isNotEmpty();
            EndpointSlice slice = client.discovery().v1().endpointSlices().inNamespace("shop").resource(
                    new EndpointSliceBuilder().withNewMetadata().withName("web-1")
                            .addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                            .addNewEndpoint().withAddresses("100.64.30.5").endEndpoint().build()).create();
            assertThat(slice.getMetadata().getManagedFields()).isNotEmpty();

            try (ServiceInformers informers = ServiceInformers.start(client)) {
                await().atMost(Duration.ofSeconds(30)).until(informers::hasSynced);
                await().atMost(Duration.ofSeconds(30)).until(() -> informers.endpointSlices().hasSynced());

                assertThat(informers.list("shop")).singleElement().satisfies(s -> {
                    assertThat(s.getMetadata().getName()).isEqualTo("web");
                    assertThat(s.getMetadata().getManagedFields()).isNull();
                });
                assertThat(informers.list("default")).extracting(s -> s.getMetadata().getName()).contains("kubernetes");
                assertThat(informers.list("nowhere")).isEmpty();
                assertThat(informers.endpointSlices().getStore().getByKey("shop/web-1").getMetadata()
                        .getManagedFields()).isNull();

                // The node agent's service variables, from the cache only (no client).
                Pod pod = new PodBuilder().withNewMetadata().withName("p").withNamespace("shop").endMetadata()
                        .withNewSpec().endSpec().build();
                Map<String, String> env = new EnvResolver(null, informers)
                        .resolve(pod, new ContainerBuilder().withName("c").build(), "", "");
                String masterIp = client.services().inNamespace("default").withName("kubernetes").get().getSpec()
                        .getClusterIP();
                assertThat(env).containsEntry("WEB_SERVICE_HOST", created.getSpec().getClusterIP())
                        .containsEntry("WEB_SERVICE_PORT_HTTP", "80")
                        .containsEntry("KUBERNETES_SERVICE_HOST", masterIp);

                // A watch event reaches the cache too.
                client.services().inNamespace("shop").resource(new ServiceBuilder().withNewMetadata()
                        .withName("api").endMetadata().withNewSpec().addNewPort().withPort(8080).endPort().endSpec()
                        .build()).create();
                await().atMost(Duration.ofSeconds(10)).until(() -> informers.list("shop").size() == 2);
                assertThat(informers.list("shop")).allSatisfy(s -> assertThat(s.getMetadata().getManagedFields())
                        .isNull());

                informers.close();
                assertThat(informers.services().isRunning()).isFalse();
                assertThat(informers.endpointSlices().isRunning()).isFalse();
            }
        }
    }
}
