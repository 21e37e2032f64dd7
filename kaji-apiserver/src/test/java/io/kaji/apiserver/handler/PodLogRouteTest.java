package io.kaji.apiserver.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** pods/log as a real API server routes and advertises it. */
class PodLogRouteTest {

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
    void discoveryListsPodsLogWithGetOnly() {
        JsonNode log = server.discovered("/api/v1", "pods/log");
        assertThat(log).isNotNull();
        assertThat(log.get("kind").asString()).isEqualTo("Pod");
        assertThat(log.get("verbs").toString()).isEqualTo("[\"get\"]");
    }

    @Test
    void unknownPodsAreNotFoundAndOnlyGetIsAllowed() {
        HttpResponse<String> r = server.get("/api/v1/namespaces/default/pods/nope/log");
        assertThat(r.statusCode()).isEqualTo(404);
        JsonNode status = Json.MAPPER.readTree(r.body());
        assertThat(status.get("kind").asString()).isEqualTo("Status");
        assertThat(status.get("message").asString()).isEqualTo("pods \"nope\" not found");
        assertThat(server.delete("/api/v1/namespaces/default/pods/nope/log").statusCode()).isEqualTo(405);
        assertThat(server.put("/api/v1/namespaces/default/pods/nope/log", "{}").statusCode()).isEqualTo(405);
        assertThat(server.patch("/api/v1/namespaces/default/pods/nope/log", "application/merge-patch+json", "{}")
                .statusCode()).isEqualTo(405);
    }

    @Test
    void aPendingPodsLogIsUnavailableWithAReason() {
        assertThat(server.post("/api/v1/namespaces/default/pods", """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"waiting"},
                 "spec":{"containers":[{"name":"app","image":"busybox"}]}}""").statusCode()).isEqualTo(201);
        HttpResponse<String> r = server.get("/api/v1/namespaces/default/pods/waiting/log");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(Json.MAPPER.readTree(r.body()).get("message").asString())
                .startsWith("pod waiting is not scheduled to a node yet");
    }
}
