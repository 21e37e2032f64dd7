package io.kaji.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.pki.ClusterPki;
import io.kaji.apiserver.server.TestServer;
import io.kaji.node.runtime.PodLogs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent endpoint with the kubelet's webhook modes against a real API server: a service account's token is
 * authenticated by a TokenReview and its requests authorized by SubjectAccessReviews, both asked with a node's own
 * credentials, so that what RBAC grants on {@code nodes/metrics} is what the endpoint lets through.
 */
class AgentWebhookAuthIntegrationTest {

    @TempDir
    static Path dir;

    static TestServer api;
    static KubernetesClient admin;
    static KubernetesClient node;
    static AgentServer endpoint;
    static String scraperToken;
    static String idleToken;

    @BeforeAll
    static void start() {
        api = TestServer.start(dir.resolve("server"));
        admin = api.newKubernetesClient();
        ClusterPki pki = api.server().pki();
        ClusterPki.ClientCredentials n1 = pki.issueClient("system:node:n1", List.of("system:nodes"),
                Duration.ofHours(1));
        Base64.Encoder b64 = Base64.getEncoder();
        Config nodeConfig = new ConfigBuilder().withMasterUrl(api.url()).withCaCertData(pki.caPemBase64())
                .withClientCertData(b64.encodeToString(n1.certificatePem().getBytes(StandardCharsets.UTF_8)))
                .withClientKeyData(b64.encodeToString(n1.keyPem().getBytes(StandardCharsets.UTF_8)))
                .withClientKeyAlgo("EC").build();
        node = new KubernetesClientBuilder().withConfig(nodeConfig).build();

        // A monitoring account that may read the node's metrics and stats, and one with no rights on nodes.
        for (String sa : List.of("scraper", "idle")) {
            admin.serviceAccounts().inNamespace("default").resource(new ServiceAccountBuilder().withNewMetadata()
                    .withName(sa).endMetadata().build()).create();
        }
        admin.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName("node-scraper")
                .endMetadata().addNewRule().withApiGroups("").withResources("nodes/metrics", "nodes/stats")
                .withVerbs("get").endRule().build()).create();
        admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
                .withName("node-scraper").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
                .withKind("ClusterRole").withName("node-scraper").endRoleRef().addNewSubject()
                .withKind("ServiceAccount").withName("scraper").withNamespace("default").endSubject().build())
                .create();
        scraperToken = token("scraper");
        idleToken = token("idle");

        endpoint = AgentServer.start(AgentTls.context("n1", List.of("127.0.0.1"), List.of(pki.caCertificate())),
                new ContainerLogs(new PodLogs(dir.resolve("logs")), (ns, name) -> null, (p, c, attempt) -> false),
                new AgentServer.Options("127.0.0.1", 0, false, Duration.ofMillis(20)), Clock.systemUTC());
        endpoint.serveResourceMetrics(() -> "node_cpu_usage_seconds_total 1\n");
        endpoint.serveStats(() -> "{\"node\":{\"nodeName\":\"n1\"}}".getBytes(StandardCharsets.UTF_8));
        endpoint.servePods(() -> "{\"kind\":\"PodList\",\"items\":[]}".getBytes(StandardCharsets.UTF_8));
        endpoint.delegateAuth(new AgentAuth(new ApiReviews(node), "n1", Clock.systemUTC()));
    }

    @AfterAll
    static void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (node != null) {
            node.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (api != null) {
            api.close();
        }
    }

    private static String token(String serviceAccount) {
        return admin.serviceAccounts().inNamespace("default").withName(serviceAccount)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
                .getStatus().getToken();
    }

    private static HttpResponse<String> get(String path, String bearer) throws Exception {
        SSLContext ssl = TestCa.anonymous();
        try (HttpClient c = HttpClient.newBuilder().sslContext(ssl).build()) {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + endpoint.port() + path));
            if (bearer != null) {
                r.header("Authorization", "Bearer " + bearer);
            }
            return c.send(r.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void aServiceAccountGetsWhatRbacGrantsItOnTheNode() throws Exception {
        HttpResponse<String> metrics = get("/metrics/resource", scraperToken);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).isEqualTo("node_cpu_usage_seconds_total 1\n");
        assertThat(get("/stats/summary", scraperToken).statusCode()).isEqualTo(200);

        HttpResponse<String> pods = get("/pods", scraperToken);
        assertThat(pods.statusCode()).as("/pods is the proxy subresource, not granted").isEqualTo(403);
        assertThat(pods.body()).isEqualTo("Forbidden (user=system:serviceaccount:default:scraper, verb=get,"
                + " resource=nodes, subresource=proxy)\n");
    }

    @Test
    void anAccountWithoutRightsIsRefusedAndUnknownTokensAreUnauthenticated() throws Exception {
        HttpResponse<String> idle = get("/metrics/resource", idleToken);
        assertThat(idle.statusCode()).isEqualTo(403);
        assertThat(idle.body()).contains("user=system:serviceaccount:default:idle, verb=get, resource=nodes,"
                + " subresource=metrics");
        assertThat(get("/metrics/resource", "not-a-token").statusCode()).isEqualTo(401);
        assertThat(get("/metrics/resource", null).statusCode()).isEqualTo(401);
        String tampered = scraperToken.substring(0, scraperToken.length() - 4) + "AAAA";
        assertThat(get("/metrics/resource", tampered).statusCode()).isEqualTo(401);
    }
}
