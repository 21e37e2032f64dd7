package io.kaji.apiserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The server end to end over HTTPS on a real SqliteStore: PKI, auth, health, version, discovery, errors. */
class ApiServerTest {

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

    static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void writesPkiAndKubeconfigWithOwnerOnlyPermissions() throws Exception {
        for (String f : new String[] {"pki/ca.key", "pki/apiserver.key", "pki/admin.token", "kubeconfig",
                "pki/super-admin.conf", "pki/controller-manager.conf", "pki/scheduler.conf"}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))))
                    .as(f).isEqualTo("rw-------");
        }
        for (String f : new String[] {"pki/ca.crt", "pki/apiserver.crt"}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))))
                    .as(f).isEqualTo("rw-r--r--");
        }
        String kubeconfig = Files.readString(dir.resolve("kubeconfig"));
        // The admin kubeconfig authenticates with a client certificate (user kaji-admin), not the admin token.
        assertThat(kubeconfig).contains("server: " + server.url())
                .contains("certificate-authority-data: ")
                .contains("client-certificate-data: ").contains("client-key-data: ").contains("name: kaji-admin")
                .doesNotContain(server.server().pki().adminToken());
    }

    @Test
    void healthAndVersionNeedNoToken() {
        for (String p : new String[] {"/healthz", "/livez", "/readyz"}) {
            HttpResponse<String> r = server.send(HttpRequest.newBuilder(java.net.URI.create(server.url() + p)).build());
            assertThat(r.statusCode()).as(p).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok");
        }
        HttpResponse<String> v = server.send(HttpRequest.newBuilder(java.net.URI.create(server.url() + "/version"))
                .build());
        assertThat(json(v).get("major").asString()).isEqualTo("1");
        assertThat(json(v).get("minor").asString()).isEqualTo("32");
    }

    @Test
    void everythingElseNeedsTheToken() {
        HttpResponse<String> r = server.send(HttpRequest.newBuilder(java.net.URI.create(server.url()
                + "/api/v1/namespaces")).header("Authorization", "Bearer wrong").build());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(json(r).get("reason").asString()).isEqualTo("Unauthorized");
        assertThat(json(r).get("kind").asString()).isEqualTo("Status");
    }

    @Test
    void systemNamespacesExist() {
        JsonNode list = json(server.get("/api/v1/namespaces"));
        assertThat(list.get("kind").asString()).isEqualTo("NamespaceList");
        assertThat(list.get("items").valueStream().map(n -> n.at("/metadata/name").asString()).toList())
                .containsExactly("default", "kube-node-lease", "kube-public", "kube-system");
        assertThat(list.at("/items/0/status/phase").asString()).isEqualTo("Active");
    }

    @Test
    void legacyAndAggregatedDiscovery() {
        JsonNode api = json(server.get("/api"));
        assertThat(api.get("kind").asString()).isEqualTo("APIVersions");
        JsonNode apps = json(server.get("/apis/apps/v1"));
        assertThat(apps.get("groupVersion").asString()).isEqualTo("apps/v1");
        assertThat(apps.toString()).contains("\"name\":\"deployments/scale\"").contains("\"kind\":\"Scale\"")
                .contains("\"shortNames\":[\"deploy\"]");
        HttpResponse<String> agg = server.send(server.request("/apis").header("Accept",
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                        + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
                .build());
        assertThat(agg.headers().firstValue("Content-Type")).contains(
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        assertThat(json(agg).get("apiVersion").asString()).isEqualTo("apidiscovery.k8s.io/v2");
        HttpResponse<String> beta = server.send(server.request("/api").header("Accept",
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json").build());
        assertThat(json(beta).get("apiVersion").asString()).isEqualTo("apidiscovery.k8s.io/v2beta1");
        assertThat(json(beta).at("/items/0/metadata/name").asString()).isEmpty();
        assertThat(server.get("/apis/nothing.example.com/v1").statusCode()).isEqualTo(404);
    }

    @Test
    void unknownPathsAreNotFoundStatuses() {
        HttpResponse<String> r = server.get("/api/v1/namespaces/default/widgets");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).get("message").asString()).isEqualTo("the server could not find the requested resource");
    }

    @Test
    void oversizedBodiesGet413() {
        String big = "{\"metadata\":{\"name\":\"big\"},\"data\":{\"k\":\"" + "x".repeat(4 * 1024 * 1024) + "\"}}";
        HttpResponse<String> r = server.post("/api/v1/namespaces/default/configmaps", big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).get("message").asString()).isEqualTo("Request entity too large: limit is 3145728");
        assertThat(server.get("/healthz").statusCode()).as("still serving").isEqualTo(200);
    }

    @Test
    void restartKeepsObjectsCredentialsAndServesConsistentListsAfterWritesOutsideTheRegistry(@TempDir Path other) {
        String token;
        try (TestServer first = TestServer.start(other)) {
            token = first.server().pki().adminToken();
            assertThat(first.post("/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"kept\"}}")
                    .statusCode()).isEqualTo(201);
        }
        try (TestServer second = TestServer.start(other)) {
            assertThat(second.server().pki().adminToken()).isEqualTo(token);
            assertThat(second.get("/api/v1/namespaces/default/configmaps/kept").statusCode()).isEqualTo(200);
            long written = second.store().create("/not-registry/anything", new byte[] {1}).revision();
            HttpResponse<String> list = second.get("/api/v1/namespaces/default/configmaps");
            long after = second.store().currentRevision();
            assertThat(list.statusCode()).isEqualTo(200);
            // The list is at least as new as the write outside the registry; the server's own background writes
            // (its start-up objects) may land between the list and the read of the store's revision.
            assertThat(Long.parseLong(json(list).at("/metadata/resourceVersion").asString()))
                    .isBetween(written, after);
        }
    }

    @Test
    void metricsCountAndTimeRequestsWithKubernetesLabels() {
        server.get("/api/v1/namespaces");
        server.get("/api/v1/namespaces/nope");
        HttpResponse<String> r = server.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        String labels404 = "component=\"apiserver\",dry_run=\"\",group=\"\",resource=\"namespaces\","
                + "scope=\"resource\",subresource=\"\",verb=\"GET\",version=\"v1\"";
        assertThat(r.body()).contains("# TYPE apiserver_request_total counter")
                .containsPattern("apiserver_request_total\\{code=\"200\",component=\"apiserver\",dry_run=\"\","
                        + "group=\"\",resource=\"namespaces\",scope=\"cluster\",subresource=\"\",verb=\"LIST\","
                        + "version=\"v1\"} [1-9]")
                .containsPattern("apiserver_request_total\\{code=\"404\"," + java.util.regex.Pattern.quote(labels404)
                        + "} [1-9]")
                .contains("# TYPE apiserver_request_duration_seconds histogram")
                .containsPattern("apiserver_request_duration_seconds_bucket\\{"
                        + java.util.regex.Pattern.quote(labels404) + ",le=\"60\"} [1-9]")
                .containsPattern("apiserver_request_duration_seconds_bucket\\{"
                        + java.util.regex.Pattern.quote(labels404) + ",le=\"\\+Inf\"} [1-9]")
                .containsPattern("apiserver_request_duration_seconds_count\\{"
                        + java.util.regex.Pattern.quote(labels404) + "} [1-9]")
                .contains("apiserver_storage_objects{resource=\"namespaces\"} 4");
    }

    @Test
    void anUpdateThatChangesNothingWritesNothingAndARealOneIsServedAsWritten() {
        String path = "/api/v1/namespaces/default/configmaps";
        assertThat(server.post(path, "{\"metadata\":{\"name\":\"same\"},\"data\":{\"a\":\"1\",\"b\":\"2\"}}")
                .statusCode()).isEqualTo(201);
        String rv = json(server.get(path + "/same")).at("/metadata/resourceVersion").asString();
        long revision = server.store().currentRevision();
        // The same object, its fields in another order: no write, the same resourceVersion (as kube-apiserver).
        var same = server.put(path + "/same", "{\"data\":{\"b\":\"2\",\"a\":\"1\"},\"metadata\":{\"name\":\"same\","
                + "\"resourceVersion\":\"" + rv + "\"},\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\"}");
        assertThat(same.statusCode()).as(same.body()).isEqualTo(200);
        assertThat(json(same).at("/metadata/resourceVersion").asString()).isEqualTo(rv);
        assertThat(server.store().currentRevision()).isEqualTo(revision);
        // A change: written once, answered with its new resourceVersion, and read back the same from the cache.
        var changed = server.put(path + "/same", "{\"metadata\":{\"name\":\"same\",\"resourceVersion\":\"" + rv
                + "\"},\"data\":{\"a\":\"1\",\"b\":\"3\"}}");
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(server.store().currentRevision()).isEqualTo(revision + 1);
        assertThat(json(changed).at("/metadata/resourceVersion").asString()).isEqualTo(Long.toString(revision + 1));
        assertThat(json(changed).at("/data/b").asString()).isEqualTo("3");
        var read = json(server.get(path + "/same"));
        assertThat(read.at("/metadata/resourceVersion").asString()).isEqualTo(Long.toString(revision + 1));
        assertThat(read.at("/data")).isEqualTo(json(changed).at("/data"));
        assertThat(read.at("/metadata/uid")).isEqualTo(json(changed).at("/metadata/uid"));
    }

    @Test
    void unknownContentTypesGet415() {
        HttpResponse<String> r = server.send(server.request("/api/v1/namespaces/default/configmaps")
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("x")).build());
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(json(r).get("reason").asString()).isEqualTo("UnsupportedMediaType");
        assertThat(json(r).get("message").asString()).isEqualTo("the body of the request was in an unknown format - "
                + "accepted media types include: application/json, application/yaml, "
                + "application/vnd.kubernetes.protobuf (got text/plain)");
    }

    @Test
    void yamlInAndOutAndBadYamlGets400() {
        HttpResponse<String> created = server.send(server.request("/api/v1/namespaces/default/configmaps")
                .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString("""
                        apiVersion: v1
                        kind: ConfigMap
                        metadata:
                          name: from-yaml
                          labels: {app: web}
                        data:
                          port: "8080"
                          script: |
                            echo one
                            echo two
                        """)).build());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode cm = json(created);
        assertThat(cm.path("data").path("script").asString()).isEqualTo("echo one\necho two\n");
        assertThat(cm.path("metadata").path("labels").path("app").asString()).isEqualTo("web");

        HttpResponse<String> updated = server.send(server.request("/api/v1/namespaces/default/configmaps/from-yaml")
                .header("Content-Type", "application/yaml").PUT(HttpRequest.BodyPublishers.ofString(
                        "{apiVersion: v1, kind: ConfigMap, metadata: {name: from-yaml}, data: {port: '9090'}}"))
                .build());
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        assertThat(json(updated).path("data").path("port").asString()).isEqualTo("9090");

        HttpResponse<String> asYaml = server.send(server.request("/api/v1/namespaces/default/configmaps/from-yaml")
                .header("Accept", "application/yaml").GET().build());
        assertThat(asYaml.statusCode()).isEqualTo(200);
        assertThat(asYaml.headers().firstValue("Content-Type")).hasValue("application/yaml");
        HttpResponse<String> asJson = server.get("/api/v1/namespaces/default/configmaps/from-yaml");
        assertThat(tools.jackson.dataformat.yaml.YAMLMapper.builder().build().readTree(asYaml.body()))
                .isEqualTo(json(asJson));
        assertThat(asYaml.body()).contains("\ndata:\n  port: \"9090\"\n")
                .containsPattern("\n  creationTimestamp: \"[0-9T:-]+Z\"\n");
        HttpResponse<String> missing = server.send(server.request("/api/v1/namespaces/default/configmaps/none")
                .header("Accept", "application/yaml, application/json").GET().build());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("kind: \"Status\"\n").contains("reason: \"NotFound\"\n");
        HttpResponse<String> jsonFirst = server.send(server.request("/api/v1/namespaces/default/configmaps/from-yaml")
                .header("Accept", "application/json, application/yaml").GET().build());
        assertThat(jsonFirst.headers().firstValue("Content-Type")).hasValue("application/json");

        HttpResponse<String> bad = server.send(server.request("/api/v1/namespaces/default/configmaps")
                .header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString("metadata:\n  name: [unclosed\n")).build());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("message").asString()).startsWith("error converting YAML to JSON: ");
        HttpResponse<String> list = server.send(server.request("/api/v1/namespaces/default/configmaps")
                .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString("- a\n- b\n"))
                .build());
        assertThat(list.statusCode()).isEqualTo(400);
        assertThat(json(list).get("message").asString()).isEqualTo(
                "the body of the request must be a YAML object, got ARRAY");
    }
}
