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

/** core/v1 and events.k8s.io/v1 Events are one stored resource seen through two versions. */
class EventsTest {

    @TempDir
    static Path dir;
    static TestServer server;

    static final String CORE = "/api/v1/namespaces/default/events";
    static final String V1 = "/apis/events.k8s.io/v1/namespaces/default/events";

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void aCoreEventIsReadableAsEventsV1AndBack() {
        HttpResponse<String> created = server.post(CORE, """
                {"metadata":{"name":"e1"},"involvedObject":{"kind":"Pod","name":"web","namespace":"default"},
                 "reason":"Started","message":"Started container","type":"Normal","count":2,
                 "source":{"component":"kubelet"},"firstTimestamp":"2026-01-01T00:00:00Z"}""");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode v1 = json(server.get(V1 + "/e1"));
        assertThat(v1.get("apiVersion").asString()).isEqualTo("events.k8s.io/v1");
        assertThat(v1.get("note").asString()).isEqualTo("Started container");
        assertThat(v1.at("/regarding/name").asString()).isEqualTo("web");
        assertThat(v1.get("deprecatedCount").asInt()).isEqualTo(2);
        assertThat(v1.at("/deprecatedSource/component").asString()).isEqualTo("kubelet");
        assertThat(v1.has("message")).isFalse();

        server.post(V1, """
                {"metadata":{"name":"e2"},"regarding":{"kind":"Node","name":"n1"},"reason":"Ready",
                 "note":"node is ready","type":"Normal","eventTime":"2026-01-01T00:00:00.000000Z",
                 "reportingController":"kaji/node","reportingInstance":"n1","action":"Report"}""");
        JsonNode core = json(server.get(CORE + "/e2"));
        assertThat(core.get("apiVersion").asString()).isEqualTo("v1");
        assertThat(core.get("message").asString()).isEqualTo("node is ready");
        assertThat(core.at("/involvedObject/kind").asString()).isEqualTo("Node");
        assertThat(core.get("reportingComponent").asString()).isEqualTo("kaji/node");

        JsonNode v1List = json(server.get("/apis/events.k8s.io/v1/namespaces/default/events"
                + "?fieldSelector=regarding.name%3Dweb"));
        assertThat(v1List.get("items").valueStream().map(e -> e.get("note").asString()).toList())
                .containsExactly("Started container");
        JsonNode coreList = json(server.get(CORE + "?fieldSelector=involvedObject.name%3Dn1"));
        assertThat(coreList.get("items").valueStream().map(e -> e.at("/metadata/name").asString()).toList())
                .containsExactly("e2");
    }
}
