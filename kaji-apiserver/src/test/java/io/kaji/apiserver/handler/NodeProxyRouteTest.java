package io.kaji.apiserver.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** nodes/proxy as a real API server routes and advertises it (the agent side: KubectlExecE2ETest). */
class NodeProxyRouteTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void discoveryListsNodesProxyWithGetOnly() {
        JsonNode proxy = server.discovered("/api/v1", "nodes/proxy");
        assertThat(proxy).isNotNull();
        assertThat(proxy.get("kind").asString()).isEqualTo("NodeProxyOptions");
        assertThat(proxy.get("verbs").toString()).isEqualTo("[\"get\"]");
    }

    @Test
    void unknownNodesAreNotFoundAndOnlyGetIsProxied() {
        HttpResponse<String> r = server.get("/api/v1/nodes/nope/proxy/metrics/resource");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(Json.MAPPER.readTree(r.body()).get("message").asString()).isEqualTo("nodes \"nope\" not found");
        HttpResponse<String> post = server.post("/api/v1/nodes/nope/proxy/run", "{}");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(Json.MAPPER.readTree(post.body()).get("message").asString())
                .isEqualTo("nodes/proxy serves GET only here; POST is not proxied to node agents");
        // Other subresources keep their fixed depth.
        assertThat(server.get("/api/v1/nodes/nope/status/extra").statusCode()).isEqualTo(404);
    }

    @Test
    void aNodeWithoutAnAddressIsUnavailableWithAReason() {
        assertThat(server.post("/api/v1/nodes", """
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"bare"}}""").statusCode()).isEqualTo(201);
        HttpResponse<String> r = server.get("/api/v1/nodes/bare/proxy/stats/summary");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(Json.MAPPER.readTree(r.body()).get("message").asString())
                .isEqualTo("node \"bare\" reports no InternalIP address; its agent has not reported status yet");
    }

    @Test
    void theAgentPathIsWhatFollowsProxy() {
        assertThat(NodeProxy.targetPath("/api/v1/nodes/n1/proxy/metrics/resource", "n1")).isEqualTo("/metrics/resource");
        assertThat(NodeProxy.targetPath("/api/v1/nodes/n1/proxy", "n1")).isEqualTo("/");
        assertThat(NodeProxy.targetPath("/api/v1/nodes/n1/proxy/", "n1")).isEqualTo("/");
        assertThat(RequestInfo.parse("/api/v1/nodes/n1/proxy/stats/summary").subresource()).isEqualTo("proxy");
        assertThatThrownBy(() -> RequestInfo.parse("/api/v1/watch/nodes/n1/proxy/x"))
                .isInstanceOf(ApiException.class);
    }
}
