package io.kaji.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentServerTest {

    @TempDir
    Path dir;

    private TestCa ca;
    private AgentServer server;
    private PodLogs podLogs;
    private final Map<String, Boolean> writing = new ConcurrentHashMap<>();
    private final PodRef web = new PodRef("default", "web", "uid-1");

    @BeforeEach
    void start() throws Exception {
        ca = new TestCa("test-ca");
        podLogs = new PodLogs(dir);
        Pod pod = new PodBuilder().withNewMetadata().withNamespace("default").withName("web").withUid("uid-1")
                .endMetadata().withNewSpec().addNewContainer().withName("app").endContainer()
                .addNewContainer().withName("sidecar").endContainer().endSpec().build();
        ContainerLogs logs = new ContainerLogs(podLogs,
                (ns, name) -> ns.equals("default") && name.equals("web") ? pod : null,
                (p, c, attempt) -> writing.getOrDefault(c + "/" + attempt, false));
        server = AgentServer.start(AgentTls.context("n1", List.of("127.0.0.1"), List.of(ca.cert)), logs,
                new AgentServer.Options("127.0.0.1", 0, false, Duration.ofMillis(20)), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void log(String container, int attempt, String... lines) throws Exception {
        Path f = podLogs.file(web, container, attempt);
        Files.createDirectories(f.getParent());
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append("2026-01-01T00:00:01Z stdout F ").append(l).append('\n');
        }
        Files.writeString(f, sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private HttpResponse<String> get(SSLContext ssl, String pathAndQuery) throws Exception {
        HttpClient c = HttpClient.newBuilder().sslContext(ssl).build();
        return c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + pathAndQuery))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private SSLContext apiServer() throws Exception {
        return ca.client("CN=" + AgentServer.API_SERVER_CLIENT);
    }

    @Test
    void anonymousCallersGet401() throws Exception {
        log("app", 0, "hello");
        HttpResponse<String> r = get(TestCa.anonymous(), "/containerLogs/default/web/app");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).isEqualTo("Unauthorized\n");
    }

    @Test
    void otherUsersOfTheCaGet403AndAdminsAreAllowed() throws Exception {
        log("app", 0, "hello");
        HttpResponse<String> r = get(ca.client("CN=alice"), "/containerLogs/default/web/app");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).as("container logs are the kubelet's proxy subresource")
                .contains("Forbidden (user=alice, verb=get, resource=nodes, subresource=proxy)");
        assertThat(get(ca.client("CN=admin,O=system:masters"), "/containerLogs/default/web/app").statusCode())
                .isEqualTo(200);
    }

    @Test
    void certificatesOfAnotherCaAreNotAccepted() throws Exception {
        // The server names its trusted CAs in the handshake, so a JDK client holding only another CA's
        // certificate sends none: anonymous.
        TestCa other = new TestCa("other-ca");
        assertThat(get(other.client("CN=" + AgentServer.API_SERVER_CLIENT), "/containerLogs/default/web/app")
                .statusCode()).isEqualTo(401);
    }

    @Test
    void servesTheCurrentAttemptWithOptions() throws Exception {
        log("app", 0, "old");
        log("app", 1, "a", "b", "c");
        HttpResponse<String> r = get(apiServer(), "/containerLogs/default/web/app");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("text/plain; charset=utf-8");
        assertThat(r.body()).isEqualTo("a\nb\nc\n");
        assertThat(get(apiServer(), "/containerLogs/default/web/app?tailLines=2&timestamps=true").body())
                .isEqualTo("2026-01-01T00:00:01.000000000Z b\n2026-01-01T00:00:01.000000000Z c\n");
        assertThat(get(apiServer(), "/containerLogs/default/web/app?limitBytes=3").body()).isEqualTo("a\nb");
        assertThat(get(apiServer(), "/containerLogs/default/web/app?previous=true").body()).isEqualTo("old\n");
        assertThat(get(apiServer(), "/containerLogs/default/web/app?sinceTime=2026-01-01T00:00:02Z").body())
                .isEmpty();
    }

    @Test
    void errorsNameWhatIsMissing() throws Exception {
        log("app", 0, "x");
        HttpResponse<String> r = get(apiServer(), "/containerLogs/default/nope/app");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("pod \"nope\" in namespace \"default\" is not running on this node");
        r = get(apiServer(), "/containerLogs/default/web/db");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("container \"db\" not found in pod \"web\" (its containers: [app, sidecar])");
        r = get(apiServer(), "/containerLogs/default/web/sidecar");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("container \"sidecar\" in pod \"web\" is waiting to start: ContainerCreating");
        r = get(apiServer(), "/containerLogs/default/web/app?previous=true");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("previous terminated container \"app\" in pod \"web\" not found");
        r = get(apiServer(), "/containerLogs/default/web/app?tailLines=-1");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("tailLines: Invalid value: -1");
        assertThat(get(apiServer(), "/stats/summary").statusCode()).isEqualTo(404);
        assertThat(get(apiServer(), "/metrics/resource").statusCode()).as("until served").isEqualTo(404);
    }

    @Test
    void servesTheSummaryAndTheResourceMetricsOnceGiven() throws Exception {
        server.serveStats(() -> "{\"node\":{\"nodeName\":\"n1\"}}".getBytes(StandardCharsets.UTF_8));
        server.serveResourceMetrics(() -> "# TYPE resource_scrape_error gauge\nresource_scrape_error 0\n");

        HttpResponse<String> summary = get(apiServer(), "/stats/summary");
        assertThat(summary.statusCode()).isEqualTo(200);
        assertThat(summary.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(summary.body()).isEqualTo("{\"node\":{\"nodeName\":\"n1\"}}");
        HttpResponse<String> metrics = get(apiServer(), "/metrics/resource");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
        assertThat(metrics.body()).isEqualTo("# TYPE resource_scrape_error gauge\nresource_scrape_error 0\n");

        HttpResponse<String> other = get(ca.client("CN=alice"), "/metrics/resource");
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(other.body()).contains("Forbidden (user=alice, verb=get, resource=nodes, subresource=metrics)");
        HttpClient c = HttpClient.newBuilder().sslContext(apiServer()).build();
        HttpResponse<String> post = c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port()
                + "/metrics/resource")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void servesTheKubeletsOwnAndTheCadvisorMetricsOnceGiven() throws Exception {
        assertThat(get(apiServer(), "/metrics").statusCode()).as("until served").isEqualTo(404);
        assertThat(get(apiServer(), "/metrics/cadvisor").statusCode()).as("until served").isEqualTo(404);
        server.serveKubeletMetrics(() -> "kubelet_running_pods 3\n");
        server.serveCadvisorMetrics(() -> "machine_cpu_cores 2\n");
        HttpResponse<String> kubelet = get(apiServer(), "/metrics");
        assertThat(kubelet.statusCode()).isEqualTo(200);
        assertThat(kubelet.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
        assertThat(kubelet.body()).isEqualTo("kubelet_running_pods 3\n");
        assertThat(get(apiServer(), "/metrics/cadvisor").body()).isEqualTo("machine_cpu_cores 2\n");
        assertThat(get(ca.client("CN=alice"), "/metrics/cadvisor").body())
                .contains("Forbidden (user=alice, verb=get, resource=nodes, subresource=metrics)");
    }

    @Test
    void answersTheHealthCheckAndListsItsPodsAsTheKubeletDoes() throws Exception {
        HttpResponse<String> health = get(apiServer(), "/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok");
        assertThat(get(apiServer(), "/pods").statusCode()).as("until served").isEqualTo(404);
        server.servePods(() -> "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[]}"
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> pods = get(apiServer(), "/pods");
        assertThat(pods.statusCode()).isEqualTo(200);
        assertThat(pods.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(pods.body()).contains("\"kind\":\"PodList\"");
        assertThat(get(ca.client("CN=alice"), "/healthz").statusCode()).as("authorized like the rest").isEqualTo(403);
    }

    @Test
    void followStreamsNewLinesUntilTheAttemptEnds() throws Exception {
        log("app", 0, "first");
        writing.put("app/0", true);
        HttpClient c = HttpClient.newBuilder().sslContext(apiServer()).build();
        HttpResponse<InputStream> r = c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port()
                + "/containerLogs/default/web/app?follow=true")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            assertThat(in.readLine()).isEqualTo("first");
            log("app", 0, "second");
            assertThat(in.readLine()).isEqualTo("second");
            // The container restarts: attempt 1 starts, so attempt 0's stream ends.
            log("app", 1, "next attempt");
            assertThat(in.readLine()).isNull();
        }
    }

    @Test
    void upgradeRequestsAreReAddressedToTheRuntimeWithTheirProtocolHeaders() {
        var headers = new io.netty.handler.codec.http.DefaultHttpHeaders();
        headers.add("Host", "10.0.0.1:10250");
        headers.add("Connection", "Upgrade");
        headers.add("Upgrade", "SPDY/3.1");
        headers.add("X-Stream-Protocol-Version", "v4.channel.k8s.io");
        headers.add("X-Stream-Protocol-Version", "channel.k8s.io");
        headers.add("Authorization", "Bearer secret");
        headers.add("Content-Length", "0");
        String head = AgentServer.requestHead(new AgentServer.Request("POST",
                "/exec/default/web/app?command=sh&stdout=1", headers, null),
                java.net.URI.create("http://127.0.0.1:41234/exec/Xyz-token"));
        assertThat(head).isEqualTo("POST /exec/Xyz-token HTTP/1.1\r\nHost: 127.0.0.1:41234\r\n"
                + "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n"
                + "X-Stream-Protocol-Version: channel.k8s.io\r\nContent-Length: 0\r\n\r\n");
    }
}
