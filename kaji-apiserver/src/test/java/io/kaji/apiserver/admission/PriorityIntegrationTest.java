package io.kaji.apiserver.admission;

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

/** PriorityClasses and the Priority admission plugin in a real API server, with Kubernetes' messages. */
class PriorityIntegrationTest {

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

    private static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    private static String pod(String name, String extraSpec) {
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{" + extraSpec
                + "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}";
    }

    private static String priorityClass(String name, long value, boolean globalDefault, String policy) {
        return "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":{\"name\":\"" + name
                + "\"},\"value\":" + value + ",\"globalDefault\":" + globalDefault
                + (policy == null ? "" : ",\"preemptionPolicy\":\"" + policy + "\"") + "}";
    }

    @Test
    void systemClassesExistAndUserClassesAreBounded() {
        JsonNode critical = json(server.get("/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical"));
        assertThat(critical.get("value").asLong()).isEqualTo(2_000_001_000L);
        assertThat(json(server.get("/apis/scheduling.k8s.io/v1/priorityclasses/system-cluster-critical"))
                .get("value").asLong()).isEqualTo(2_000_000_000L);

        HttpResponse<String> tooHigh = server.post("/apis/scheduling.k8s.io/v1/priorityclasses",
                priorityClass("huge", 1_000_000_001L, false, null));
        assertThat(tooHigh.statusCode()).isEqualTo(422);
        assertThat(json(tooHigh).get("message").asString())
                .contains("value: Forbidden: maximum allowed value of a user defined priority is 1000000000");
        HttpResponse<String> reserved = server.post("/apis/scheduling.k8s.io/v1/priorityclasses",
                priorityClass("system-mine", 10, false, null));
        assertThat(reserved.statusCode()).isEqualTo(422);
        assertThat(json(reserved).get("message").asString())
                .contains("priority class names with 'system-' prefix are reserved for system use only");
    }

    @Test
    void podsGetTheirClassPriorityAndUnknownClassesAreForbidden() {
        assertThat(server.post("/apis/scheduling.k8s.io/v1/priorityclasses",
                priorityClass("batch-low", 100, false, "Never")).statusCode()).isEqualTo(201);
        HttpResponse<String> low = server.post("/api/v1/namespaces/default/pods",
                pod("low", "\"priorityClassName\":\"batch-low\","));
        assertThat(low.statusCode()).as(low.body()).isEqualTo(201);
        JsonNode created = json(low);
        assertThat(created.at("/spec/priority").asLong()).isEqualTo(100);
        assertThat(created.at("/spec/preemptionPolicy").asString()).isEqualTo("Never");

        HttpResponse<String> unknown = server.post("/api/v1/namespaces/default/pods",
                pod("lost", "\"priorityClassName\":\"nope\","));
        assertThat(unknown.statusCode()).isEqualTo(403);
        assertThat(json(unknown).get("message").asString())
                .isEqualTo("pods \"lost\" is forbidden: no PriorityClass with name nope was found");

        HttpResponse<String> mismatch = server.post("/api/v1/namespaces/default/pods",
                pod("cheat", "\"priorityClassName\":\"batch-low\",\"priority\":5000,"));
        assertThat(mismatch.statusCode()).isEqualTo(403);
        assertThat(json(mismatch).get("message").asString()).isEqualTo("pods \"cheat\" is forbidden: the integer "
                + "value of priority (5000) must not be provided in pod spec; priority admission controller computed "
                + "100 from the given PriorityClass name");

        HttpResponse<String> changed = server.put("/apis/scheduling.k8s.io/v1/priorityclasses/batch-low",
                ((tools.jackson.databind.node.ObjectNode) json(server.get("/apis/scheduling.k8s.io/v1/priorityclasses/batch-low")))
                        .put("value", 200).toString());
        assertThat(changed.statusCode()).isEqualTo(422);
        assertThat(json(changed).get("message").asString()).contains("value: Forbidden: may not be changed in an update.");
    }

    @Test
    void oneGlobalDefaultAppliesToPodsWithoutAClass() {
        HttpResponse<String> plain = server.post("/api/v1/namespaces/default/pods", pod("before", ""));
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(201);
        JsonNode before = json(plain);
        assertThat(before.at("/spec/preemptionPolicy").asString()).isEqualTo("PreemptLowerPriority");
        assertThat(before.at("/spec/priority").asLong()).isZero();
        assertThat(server.post("/apis/scheduling.k8s.io/v1/priorityclasses",
                priorityClass("everyone", 1000, true, null)).statusCode()).isEqualTo(201);
        HttpResponse<String> second = server.post("/apis/scheduling.k8s.io/v1/priorityclasses",
                priorityClass("everyone-else", 2000, true, null));
        assertThat(second.statusCode()).isEqualTo(403);
        assertThat(json(second).get("message").asString()).isEqualTo("priorityclasses.scheduling.k8s.io "
                + "\"everyone-else\" is forbidden: PriorityClass everyone is already marked as default. Only one "
                + "default can exist");
        HttpResponse<String> defaulted = server.post("/api/v1/namespaces/default/pods", pod("after", ""));
        assertThat(defaulted.statusCode()).as(defaulted.body()).isEqualTo(201);
        JsonNode after = json(defaulted);
        assertThat(after.at("/spec/priority").asLong()).isEqualTo(1000);
        assertThat(after.at("/spec/priorityClassName").asString()).isEqualTo("everyone");
        assertThat(after.at("/spec/preemptionPolicy").asString()).isEqualTo("PreemptLowerPriority");
        assertThat(server.delete("/apis/scheduling.k8s.io/v1/priorityclasses/everyone").statusCode()).isEqualTo(200);
    }
}
