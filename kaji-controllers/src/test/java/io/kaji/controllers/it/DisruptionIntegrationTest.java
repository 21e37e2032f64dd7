package io.kaji.controllers.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.controllers.ControllerManager;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The disruption controller and the eviction API together against a real API server: the budget's status follows
 * the ready pods, an eviction takes a disruption and deletes the pod, and one more is refused with 429 and
 * Kubernetes' message until a pod is ready again.
 */
class DisruptionIntegrationTest {

    private ApiServerFixture api;
    private KubernetesClient client;
    private ControllerManager manager;

    @BeforeEach
    void start() throws Exception {
        api = new ApiServerFixture();
        client = api.client;
        manager = new ControllerManager(client, ControllerManager.Options.defaults("it-pdb"), Clock.systemUTC());
        manager.start();
        await().atMost(Duration.ofSeconds(30)).until(manager::isLeading);
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
        api.close();
    }

    private void readyPod(String name) {
        Pod p = client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName(name)
                .addToLabels("app", "web").endMetadata().withNewSpec().withNodeName("n1")
                .addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec().build()).create();
        p.setStatus(new PodStatusBuilder().withPhase("Running").addNewCondition().withType("Ready")
                .withStatus("True").withLastTransitionTime(Instant.now().toString()).endCondition().build());
        client.pods().inNamespace("default").resource(p).updateStatus();
    }

    private PodDisruptionBudget budget() {
        return client.policy().v1().podDisruptionBudget().inNamespace("default").withName("web").get();
    }

    private HttpResponse<String> evict(String pod) throws IOException, InterruptedException {
        // The raw request kubectl drain sends, to see the Status body fabric8's evict() reduces to a boolean.
        String body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + pod
                + "\",\"namespace\":\"default\"}}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(api.server.url() + "/api/v1/namespaces/default/pods/"
                        + pod + "/eviction"))
                .header("Authorization", "Bearer " + api.server.pki().adminToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HttpClient.newBuilder().sslContext(sslTrusting()).build().send(req, HttpResponse.BodyHandlers.ofString());
    }

    private javax.net.ssl.SSLContext sslTrusting() {
        try {
            var ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("ca", api.server.pki().caCertificate());
            var tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void budgetStatusGatesEvictions() throws Exception {
        for (String p : new String[] {"web-a", "web-b", "web-c"}) {
            readyPod(p);
        }
        client.policy().v1().podDisruptionBudget().inNamespace("default").resource(new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName("web").endMetadata().withNewSpec().withMinAvailable(new IntOrString(2))
                .withNewSelector().addToMatchLabels("app", "web").endSelector().endSpec().build()).create();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            var s = budget().getStatus();
            assertThat(s).isNotNull();
            assertThat(s.getCurrentHealthy()).isEqualTo(3);
            assertThat(s.getDesiredHealthy()).isEqualTo(2);
            assertThat(s.getExpectedPods()).isEqualTo(3);
            assertThat(s.getDisruptionsAllowed()).isEqualTo(1);
            assertThat(s.getConditions()).singleElement().satisfies(c -> {
                assertThat(c.getType()).isEqualTo("DisruptionAllowed");
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getReason()).isEqualTo("SufficientPods");
            });
        });

        HttpResponse<String> first = evict("web-a");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(first.body()).contains("\"status\":\"Success\"");
        assertThat(client.pods().inNamespace("default").withName("web-a").get().getMetadata()
                .getDeletionTimestamp()).isNotNull();

        // The eviction took the one allowed disruption at once; the budget's healthy count is the controller's
        // and follows when it sees web-a terminating. Refused both before and after, with the counts the status
        // holds when the request comes (Kubernetes' message reads them from the status).
        HttpResponse<String> early = evict("web-b");
        assertThat(early.statusCode()).as(early.body()).isEqualTo(429);
        assertThat(early.body()).contains("\"reason\":\"TooManyRequests\"",
                "\"message\":\"Cannot evict pod as it would violate the pod's disruption budget.\"",
                "\"reason\":\"DisruptionBudget\"").containsPattern(
                "The disruption budget web needs 2 healthy pods and has [23] currently");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            var s = budget().getStatus();
            assertThat(s.getCurrentHealthy()).isEqualTo(2);
            assertThat(s.getDisruptionsAllowed()).isZero();
            assertThat(s.getConditions().get(0).getReason()).isEqualTo("InsufficientPods");
        });
        HttpResponse<String> second = evict("web-b");
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.body()).contains("The disruption budget web needs 2 healthy pods and has 2 currently");
        assertThat(client.pods().inNamespace("default").withName("web-b").get().getMetadata().getDeletionTimestamp())
                .isNull();
        // fabric8's evict() sees the same: refused now, allowed once a replacement is ready.
        assertThat(client.pods().inNamespace("default").withName("web-b").evict()).isFalse();
        readyPod("web-d");
        await().atMost(Duration.ofSeconds(20)).until(() -> budget().getStatus().getDisruptionsAllowed() == 1);
        assertThat(client.pods().inNamespace("default").withName("web-b").evict()).isTrue();
    }

    @Test
    void podsWithoutBudgetOrNotRunningAreEvictedAtOnce() throws Exception {
        readyPod("lonely");
        assertThat(evict("lonely").statusCode()).isEqualTo(201);
        assertThat(evict("missing").statusCode()).isEqualTo(404);
    }

    @Test
    void maxUnavailablePercentUsesTheControllersScale() {
        var d = new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder().withNewMetadata().withName("api")
                .endMetadata().withNewSpec().withReplicas(4).withNewSelector().addToMatchLabels("app", "api")
                .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "api").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
                .endTemplate().endSpec().build();
        api.pretendKubelet("default");
        client.apps().deployments().inNamespace("default").resource(d).create();
        client.policy().v1().podDisruptionBudget().inNamespace("default").resource(new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName("api").endMetadata().withNewSpec()
                .withMaxUnavailable(new IntOrString("30%")).withNewSelector().addToMatchLabels("app", "api")
                .endSelector().endSpec().build()).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var s = client.policy().v1().podDisruptionBudget().inNamespace("default").withName("api").get()
                    .getStatus();
            assertThat(s).isNotNull();
            assertThat(s.getExpectedPods()).isEqualTo(4);
            assertThat(s.getDesiredHealthy()).isEqualTo(2); // 4 - ceil(30% of 4 = 1.2) = 2
            assertThat(s.getCurrentHealthy()).isEqualTo(4);
            assertThat(s.getDisruptionsAllowed()).isEqualTo(2);
        });
    }
}
