package io.kaji.controllers.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.controllers.ControllerManager;
import io.kaji.controllers.endpointslice.EndpointSliceController;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EndpointSliceIntegrationTest {

    private ApiServerFixture api;
    private KubernetesClient client;
    private ControllerManager manager;

    @BeforeEach
    void start() throws Exception {
        api = new ApiServerFixture();
        client = api.client;
        manager = new ControllerManager(client, ControllerManager.Options.defaults("it-eps"), Clock.systemUTC());
        manager.start();
        await().atMost(Duration.ofSeconds(30)).until(manager::isLeading);
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
        api.close();
    }

    /** A pod as the node agent would report it: bound, with an IP, Ready or not. */
    private void runningPod(String name, String ip, boolean ready) {
        Pod p = client.pods().inNamespace("default").resource(new PodBuilder()
                .withNewMetadata().withName(name).addToLabels("app", "web").endMetadata()
                .withNewSpec().withNodeName("n1").addNewContainer().withName("c").withImage("busybox:1")
                .addNewPort().withName("http").withContainerPort(8080).endPort().endContainer().endSpec()
                .build()).create();
        setReady(p, ip, ready);
    }

    private void setReady(Pod p, String ip, boolean ready) {
        Pod fresh = client.pods().inNamespace("default").withName(p.getMetadata().getName()).get();
        fresh.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").withPodIP(ip)
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .withLastTransitionTime(Instant.now().toString()).endCondition().build());
        client.pods().inNamespace("default").resource(fresh).updateStatus();
    }

    private List<Endpoint> endpoints() {
        return client.discovery().v1().endpointSlices().inNamespace("default")
                .withLabel(EndpointSliceController.SERVICE_NAME_LABEL, "web").list().getItems().stream()
                .flatMap(s -> s.getEndpoints() == null ? java.util.stream.Stream.empty() : s.getEndpoints().stream())
                .toList();
    }

    @Test
    void slicesFollowTheReadyPodsBehindAService() {
        runningPod("web-a", "100.64.1.10", true);
        runningPod("web-b", "100.64.1.11", false);
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().addToSelector("app", "web")
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                .endSpec().build()).create();

        await().atMost(Duration.ofSeconds(20)).until(() -> endpoints().size() == 2);
        EndpointSlice slice = client.discovery().v1().endpointSlices().inNamespace("default")
                .withLabel(EndpointSliceController.SERVICE_NAME_LABEL, "web").list().getItems().get(0);
        assertThat(slice.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(8080); // the named targetPort resolved against the pod
            assertThat(p.getName()).isEqualTo("http");
        });
        assertThat(slice.getMetadata().getLabels()).containsEntry(EndpointSliceController.MANAGED_BY_LABEL,
                EndpointSliceController.MANAGED_BY);
        assertThat(endpoints()).anySatisfy(e -> {
            assertThat(e.getAddresses()).containsExactly("100.64.1.10");
            assertThat(e.getConditions().getReady()).isTrue();
            assertThat(e.getTargetRef().getName()).isEqualTo("web-a");
        });
        assertThat(endpoints()).anySatisfy(e -> {
            assertThat(e.getAddresses()).containsExactly("100.64.1.11");
            assertThat(e.getConditions().getReady()).isFalse();
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            var ep = client.endpoints().inNamespace("default").withName("web").get();
            return ep != null && ep.getSubsets() != null && ep.getSubsets().size() == 1
                    && ep.getSubsets().get(0).getAddresses().size() == 1
                    && ep.getSubsets().get(0).getNotReadyAddresses().size() == 1;
        });

        // web-b becomes ready; web-a is deleted: the slice follows both.
        java.time.Instant beforeChange = java.time.Instant.now();
        setReady(client.pods().inNamespace("default").withName("web-b").get(), "100.64.1.11", true);
        client.pods().inNamespace("default").withName("web-a").withGracePeriod(0).delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            List<Endpoint> eps = endpoints();
            return eps.size() == 1 && eps.get(0).getAddresses().get(0).equals("100.64.1.11")
                    && Objects.equals(eps.get(0).getConditions().getReady(), true);
        });
        // One slice, kept up to date in place, stamped with when the change that caused the update was seen.
        List<EndpointSlice> slices = client.discovery().v1().endpointSlices().inNamespace("default")
                .withLabel(EndpointSliceController.SERVICE_NAME_LABEL, "web").list().getItems();
        assertThat(slices).hasSize(1);
        String trigger = slices.get(0).getMetadata().getAnnotations().get(EndpointSliceController.TRIGGER_TIME);
        assertThat(trigger).as("last-change-trigger-time").isNotNull();
        assertThat(java.time.Instant.parse(trigger)).isAfterOrEqualTo(beforeChange)
                .isBeforeOrEqualTo(java.time.Instant.now());
    }

    @Test
    void podsWhoseSubdomainIsTheServiceCarryTheirHostnameForDns() {
        for (String name : List.of("db-0", "other")) {
            Pod p = client.pods().inNamespace("default").resource(new PodBuilder()
                    .withNewMetadata().withName(name).addToLabels("app", "web").endMetadata()
                    .withNewSpec().withNodeName("n1").withHostname(name)
                    .withSubdomain(name.equals("db-0") ? "web" : "elsewhere")
                    .addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec().build())
                    .create();
            setReady(p, name.equals("db-0") ? "100.64.1.20" : "100.64.1.21", true);
        }
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("web")
                .endMetadata().withNewSpec().withClusterIP("None").addToSelector("app", "web").addNewPort()
                .withPort(8080).endPort().endSpec().build()).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> endpoints().size() == 2);
        assertThat(endpoints()).anySatisfy(e -> {
            assertThat(e.getAddresses()).containsExactly("100.64.1.20");
            assertThat(e.getHostname()).as("subdomain is the service: <hostname>.web resolves").isEqualTo("db-0");
        });
        assertThat(endpoints()).anySatisfy(e -> {
            assertThat(e.getAddresses()).containsExactly("100.64.1.21");
            assertThat(e.getHostname()).as("another subdomain").isNull();
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.endpoints()
                .inNamespace("default").withName("web").get().getSubsets().get(0).getAddresses())
                .anySatisfy(a -> assertThat(a.getHostname()).isEqualTo("db-0")));
    }

    private List<EndpointSlice> mirrored(String service) {
        return client.discovery().v1().endpointSlices().inNamespace("default")
                .withLabel(EndpointSliceController.SERVICE_NAME_LABEL, service)
                .withLabel(EndpointSliceController.MANAGED_BY_LABEL,
                        io.kaji.controllers.endpointslice.EndpointSliceMirroringController.MANAGED_BY)
                .list().getItems();
    }

    @Test
    void handWrittenEndpointsOfAServiceWithoutSelectorAreMirroredIntoSlices() {
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("db")
                .endMetadata().withNewSpec().addNewPort().withName("pg").withPort(5432)
                .withTargetPort(new IntOrString(5432)).endPort().endSpec().build()).create();
        client.endpoints().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.EndpointsBuilder()
                .withNewMetadata().withName("db").addToLabels("team", "data").endMetadata()
                .addNewSubset().addNewAddress().withIp("100.64.250.10").endAddress()
                .addNewNotReadyAddress().withIp("100.64.250.11").endNotReadyAddress()
                .addNewPort().withName("pg").withPort(5432).withProtocol("TCP").endPort().endSubset().build()).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> mirrored("db").size() == 1
                && mirrored("db").get(0).getEndpoints().size() == 2);
        EndpointSlice slice = mirrored("db").get(0);
        assertThat(slice.getMetadata().getLabels()).containsEntry("team", "data");
        assertThat(slice.getMetadata().getOwnerReferences().get(0).getKind()).isEqualTo("Endpoints");
        assertThat(slice.getAddressType()).isEqualTo("IPv4");
        assertThat(slice.getPorts().get(0).getPort()).isEqualTo(5432);
        assertThat(slice.getEndpoints()).extracting(e -> e.getAddresses().get(0) + "=" + e.getConditions().getReady())
                .containsExactlyInAnyOrder("100.64.250.10=true", "100.64.250.11=false");

        // An update is followed; an opt-out removes the slice.
        var ep = client.endpoints().inNamespace("default").withName("db").get();
        ep.getSubsets().get(0).setNotReadyAddresses(List.of());
        client.endpoints().inNamespace("default").resource(ep).update();
        await().atMost(Duration.ofSeconds(20)).until(() -> mirrored("db").size() == 1
                && mirrored("db").get(0).getEndpoints().size() == 1);
        ep = client.endpoints().inNamespace("default").withName("db").get();
        ep.getMetadata().getLabels().put("endpointslice.kubernetes.io/skip-mirror", "true");
        client.endpoints().inNamespace("default").resource(ep).update();
        await().atMost(Duration.ofSeconds(20)).until(() -> mirrored("db").isEmpty());
    }
}
