package io.kaji.apiserver.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.apiserver.server.ServerPolicies;
import io.kaji.apiserver.server.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The audit log of a real API server with the default policy: lines written, parseable, at the right levels. */
class AuditIntegrationTest {

    @TempDir
    Path dir;

    List<JsonNode> events() {
        Path log = dir.resolve("logs/audit.log");
        if (!Files.exists(log)) {
            return List.of();
        }
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                out.add(Json.MAPPER.readTree(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode event(String verb, String resource, String name) {
        await().atMost(Duration.ofSeconds(10)).until(() -> find(verb, resource, name) != null);
        return find(verb, resource, name);
    }

    JsonNode find(String verb, String resource, String name) {
        for (JsonNode e : events()) {
            if (e.path("verb").asString("").equals(verb) && e.path("objectRef").path("resource").asString("")
                    .equals(resource) && e.path("objectRef").path("name").asString("").equals(name)
                    && e.path("stage").asString("").equals("ResponseComplete")) {
                return e;
            }
        }
        return null;
    }

    @Test
    void requestsAreAuditedAtThePolicyLevels() {
        try (TestServer server = TestServer.start(dir)) {
            server.post("/api/v1/namespaces/default/secrets",
                    "{\"metadata\":{\"name\":\"pw\"},\"data\":{\"k\":\"c2VjcmV0\"}}");
            server.post("/api/v1/namespaces/default/pods",
                    "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}");
            server.post("/api/v1/namespaces/default/pods", "{\"metadata\":{\"name\":\"bad\"},\"spec\":{\"hostPID\":true,"
                    + "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}");
            server.get("/api/v1/namespaces/default/pods?limit=5");
            server.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/namespaces"))
                    .header("User-Agent", "intruder/1.0").GET().build());
            assertThat(server.get("/metrics").body()).contains("apiserver_audit_event_total ")
                    .contains("kaji_audit_events_dropped_total 0");

            JsonNode secret = event("create", "secrets", "pw");
            assertThat(secret.path("level").asString()).isEqualTo("Metadata");
            assertThat(secret.has("requestObject")).isFalse();
            assertThat(secret.path("apiVersion").asString()).isEqualTo("audit.k8s.io/v1");
            assertThat(secret.path("kind").asString()).isEqualTo("Event");
            assertThat(secret.path("responseStatus").path("code").asInt()).isEqualTo(201);
            assertThat(secret.path("sourceIPs").get(0).asString()).isEqualTo("127.0.0.1");
            assertThat(secret.path("auditID").asString()).hasSize(36);
            assertThat(secret.path("requestReceivedTimestamp").asString())
                    .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
            assertThat(secret.path("objectRef").path("namespace").asString()).isEqualTo("default");
            assertThat(secret.path("objectRef").path("apiVersion").asString()).isEqualTo("v1");

            JsonNode pod = event("create", "pods", "web");
            assertThat(pod.path("level").asString()).isEqualTo("Request");
            assertThat(pod.path("requestObject").path("metadata").path("name").asString()).isEqualTo("web");
            assertThat(pod.has("responseObject")).isFalse();
            assertThat(pod.path("annotations").path("pod-security.kubernetes.io/enforce-policy").asString())
                    .isEqualTo("baseline:latest");

            JsonNode rejected = event("create", "pods", "bad");
            assertThat(rejected.path("responseStatus").path("code").asInt()).isEqualTo(403);
            assertThat(rejected.path("responseStatus").path("reason").asString()).isEqualTo("Forbidden");
            assertThat(rejected.path("responseStatus").path("message").asString())
                    .isEqualTo("pods \"bad\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces "
                            + "(hostPID=true)");

            JsonNode list = event("list", "pods", "");
            assertThat(list.path("level").asString()).isEqualTo("Metadata");
            assertThat(list.path("requestURI").asString()).isEqualTo("/api/v1/namespaces/default/pods?limit=5");

            JsonNode anonymous = event("list", "namespaces", "");
            assertThat(anonymous.path("responseStatus").path("code").asInt()).isEqualTo(401);
            assertThat(anonymous.path("user").path("username").asString()).isEqualTo("system:anonymous");
            assertThat(anonymous.path("userAgent").asString()).isEqualTo("intruder/1.0");
        }
        // Health probes are not audited by the default policy, and the policy file was generated.
        assertThat(events()).noneMatch(e -> e.path("requestURI").asString("").startsWith("/readyz"));
        assertThat(dir.resolve("audit-policy.yaml")).exists();
    }

    @Test
    void requestBodiesAreWrittenCompactOnTheEventsLineAndOthersLeftOut() throws IOException {
        try (TestServer server = TestServer.start(dir)) {
            var created = server.post("/api/v1/namespaces/default/pods", """
                    {
                      "metadata": {"name": "pretty", "annotations": {"note": "a\\nb \u00e9"}},
                      "spec": {"terminationGracePeriodSeconds": 7, "enableServiceLinks": false,
                               "containers": [{"name": "c", "image": "nginx", "args": ["1", "2"]}]}
                    }
                    """);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(server.post("/api/v1/namespaces/default/pods",
                    "{\"metadata\":{\"name\":\"broken\"},\"spec\":{\"containers\":[").statusCode()).isEqualTo(400);
            assertThat(server.post("/api/v1/namespaces/default/pods",
                    "{\"metadata\":{\"name\":\"twice\"}} {}").statusCode()).isEqualTo(400);
            // YAML in flow style looks like JSON to a first glance, and is not.
            var yaml = server.send(server.request("/api/v1/namespaces/default/configmaps")
                    .header("Content-Type", "application/yaml")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{metadata: {name: flow}, data: {a: b}}"))
                    .build());
            assertThat(yaml.statusCode()).as(yaml.body()).isEqualTo(201);
            var patched = server.patch("/api/v1/namespaces/default/pods/pretty", "application/merge-patch+json",
                    "{\"metadata\":{\"labels\":{\"patched\":\"yes\"}}}");
            assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);

            JsonNode pretty = event("create", "pods", "pretty");
            JsonNode object = pretty.path("requestObject");
            assertThat(object.path("metadata").path("annotations").path("note").asString()).isEqualTo("a\nb \u00e9");
            assertThat(object.path("spec").toString()).isEqualTo("{\"terminationGracePeriodSeconds\":7,"
                    + "\"enableServiceLinks\":false,\"containers\":[{\"name\":\"c\",\"image\":\"nginx\",\"args\":[\"1\",\"2\"]}]}");
            await().atMost(Duration.ofSeconds(10)).until(() -> events().stream()
                    .filter(e -> e.path("verb").asString("").equals("create")
                            && e.path("responseStatus").path("code").asInt() == 400)
                    .count() == 2);
            assertThat(events()).filteredOn(e -> e.path("responseStatus").path("code").asInt() == 400)
                    .allMatch(e -> !e.has("requestObject"));
            assertThat(event("patch", "pods", "pretty").path("requestObject").toString())
                    .isEqualTo("{\"metadata\":{\"labels\":{\"patched\":\"yes\"}}}");
            assertThat(event("create", "configmaps", "flow").has("requestObject")).isFalse();
        }
        // One event per line, whatever the shape of the body (the reader above parsed each line on its own).
        assertThat(Files.readAllLines(dir.resolve("logs/audit.log"))).allMatch(l -> l.startsWith("{") && l.endsWith("}"));
    }

    @Test
    void everyStageAndBothBodiesWithACustomPolicy() throws IOException {
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(policy, """
                apiVersion: audit.k8s.io/v1
                kind: Policy
                rules:
                  - level: RequestResponse
                    resources:
                      - group: ""
                        resources: ["configmaps"]
                """);
        Path log = dir.resolve("audit/cm.log");
        ApiServerConfig config = ApiServerConfig.defaults(dir).withPort(0).withVersion("test").withPolicies(
                ServerPolicies.defaults().withAudit(new AuditOptions(true, log.toString(), policy, 1, 2, 0)));
        try (TestServer server = TestServer.start(dir, config)) {
            server.post("/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"cm\"},\"data\":{\"a\":\"b\"}}");
            server.get("/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log) && Files.readAllLines(log).size() >= 5);
            List<JsonNode> events = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                events.add(Json.MAPPER.readTree(line));
            }
            assertThat(events).extracting(e -> e.path("verb").asString() + " " + e.path("stage").asString())
                    .containsExactly("create RequestReceived", "create ResponseComplete", "watch RequestReceived",
                            "watch ResponseStarted", "watch ResponseComplete");
            assertThat(events.get(0).path("auditID")).isEqualTo(events.get(1).path("auditID"));
            assertThat(events.get(0).has("responseStatus")).isFalse();
            assertThat(events.get(1).path("requestObject").path("data").path("a").asString()).isEqualTo("b");
            assertThat(events.get(1).path("responseObject").path("metadata").path("uid").asString()).hasSize(36);
            assertThat(events).allMatch(e -> e.path("level").asString().equals("RequestResponse"));
        }
    }
}
