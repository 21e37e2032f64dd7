package io.kaji.apiserver.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.apiserver.server.TestServer;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * CustomResourceDefinitions through the real HTTPS server with the fabric8 client, as operators use it: a CRD is
 * accepted and Established, its custom resources are served (CRUD, validation, pruning, defaults, watch, patches,
 * status and scale, tables, discovery, OpenAPI, RBAC), survive a restart, and go with their CRD.
 */
class CustomResourcesIntegrationTest {

    static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [all]}
              versions:
              - name: v1
                served: true
                storage: true
                subresources:
                  status: {}
                  scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas,
                          labelSelectorPath: .status.selector}
                additionalPrinterColumns:
                - {name: Replicas, type: integer, jsonPath: .spec.replicas}
                - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
                - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        required: [size]
                        properties:
                          replicas: {type: integer, minimum: 0, default: 1}
                          size: {type: string, enum: [small, large]}
                          color: {type: string, default: blue}
                          extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
                          labels: {type: object, additionalProperties: {type: string}}
                      status:
                        type: object
                        properties:
                          replicas: {type: integer}
                          selector: {type: string}
                          conditions:
                            type: array
                            items:
                              type: object
                              properties: {type: {type: string}, status: {type: string}}
              - name: v1beta1
                served: true
                storage: false
                schema:
                  openAPIV3Schema:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
            """;

    static final ResourceDefinitionContext WIDGETS = new ResourceDefinitionContext.Builder().withGroup("example.com")
            .withVersion("v1").withKind("Widget").withPlural("widgets").withNamespaced(true).build();

    @TempDir
    Path dir;
    TestServer server;
    KubernetesClient client;

    @BeforeEach
    void start() throws Exception {
        Path tokens = dir.resolve("tokens.csv");
        Files.writeString(tokens, "viewer-token,viewer,uid-viewer\n");
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        server = TestServer.start(data, ApiServerConfig.defaults(data).withPort(0).withVersion("test")
                .withTokenAuthFile(tokens));
        client = newClient();
    }

    KubernetesClient newClient() throws Exception {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(null,
                Files.readString(server.kubeconfig()), null)).build();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    CustomResourceDefinition createCrd() {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                .load(new ByteArrayInputStream(CRD.getBytes(StandardCharsets.UTF_8))).item();
        long start = System.nanoTime();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        CustomResourceDefinition established = client.apiextensions().v1().customResourceDefinitions().withName("widgets.example.com")
                .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions().stream()
                        .anyMatch(k -> k.getType().equals("Established") && k.getStatus().equals("True")),
                        10, java.util.concurrent.TimeUnit.SECONDS);
        System.out.printf("CRD widgets.example.com created and Established in %d ms%n",
                (System.nanoTime() - start) / 1_000_000);
        return established;
    }

    static GenericKubernetesResource widget(String name, Map<String, Object> spec) {
        GenericKubernetesResource w = new GenericKubernetesResource();
        w.setApiVersion("example.com/v1");
        w.setKind("Widget");
        w.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name)
                .addToLabels("app", "demo").build());
        w.setAdditionalProperty("spec", spec);
        return w;
    }

    ObjectNode json(HttpResponse<String> r) {
        return Json.parseObject(r.body().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void crdIsAcceptedEstablishedAndDiscoverable() {
        CustomResourceDefinition crd = createCrd();
        assertThat(crd.getStatus().getAcceptedNames().getKind()).isEqualTo("Widget");
        assertThat(crd.getStatus().getStoredVersions()).containsExactly("v1");
        assertThat(crd.getSpec().getNames().getListKind()).isEqualTo("WidgetList");
        assertThat(crd.getStatus().getConditions()).extracting(c -> c.getType() + "=" + c.getStatus())
                .contains("NamesAccepted=True", "Established=True");

        ObjectNode v1 = json(server.get("/apis/example.com/v1"));
        assertThat(v1.get("resources").findValuesAsString("name")).containsExactly("widgets", "widgets/scale",
                "widgets/status");
        assertThat(v1.get("resources").get(0).get("shortNames").get(0).asString()).isEqualTo("wd");
        assertThat(server.get("/apis").body()).contains("\"example.com\"");
        String aggregated = server.send(server.request("/apis").header("Accept",
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList").GET().build()).body();
        assertThat(aggregated).contains("\"resource\":\"widgets\"").contains("\"subresource\":\"scale\"");
        assertThat(client.supports("example.com/v1", "Widget")).isTrue();
    }

    @Test
    void customResourcesArePrunedDefaultedAndValidated() {
        createCrd();
        var widgets = client.genericKubernetesResources(WIDGETS).inNamespace("default");
        GenericKubernetesResource w = widget("w1", Map.of("size", "small", "unknown", 1,
                "extra", Map.of("free", "form"), "labels", Map.of("tier", "gold")));
        w.setAdditionalProperty("status", Map.of("replicas", 7));
        GenericKubernetesResource created = widgets.resource(w).create();
        Map<String, Object> spec = created.get("spec");
        assertThat(spec).containsEntry("replicas", 1).containsEntry("color", "blue")
                .containsEntry("extra", Map.of("free", "form")).containsEntry("labels", Map.of("tier", "gold"))
                .doesNotContainKey("unknown");
        assertThat(created.getAdditionalProperties()).doesNotContainKey("status");
        assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);

        assertThatThrownBy(() -> widgets.resource(widget("bad", Map.of("size", "huge", "replicas", "three")))
                .create()).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getStatus().getMessage()).isEqualTo("Widget.example.com \"bad\" is invalid: ["
                            + "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type "
                            + "integer: \"string\", spec.size: Unsupported value: \"huge\": supported values: "
                            + "\"small\", \"large\"]");
                    assertThat(e.getStatus().getDetails().getCauses()).hasSize(2);
                });
        HttpResponse<String> missing = server.post("/apis/example.com/v1/namespaces/default/widgets",
                "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"m\"},\"spec\":{}}");
        assertThat(missing.statusCode()).isEqualTo(422);
        assertThat(json(missing).get("message").asString()).isEqualTo(
                "Widget.example.com \"m\" is invalid: spec.size: Required value");

        HttpResponse<String> strict = server.post("/apis/example.com/v1/namespaces/default/widgets"
                + "?fieldValidation=Strict", "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
                + "\"metadata\":{\"name\":\"s\"},\"spec\":{\"size\":\"small\",\"bogus\":true}}");
        assertThat(strict.statusCode()).isEqualTo(400);
        assertThat(json(strict).get("message").asString()).isEqualTo("Widget in version \"v1\" cannot be handled "
                + "as a Widget: strict decoding error: unknown field \"spec.bogus\"");
        HttpResponse<String> warn = server.post("/apis/example.com/v1/namespaces/default/widgets",
                "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"warned\"},"
                + "\"spec\":{\"size\":\"small\",\"bogus\":true}}");
        assertThat(warn.statusCode()).isEqualTo(201);
        assertThat(warn.headers().allValues("Warning")).anyMatch(h -> h.contains("unknown field \\\"spec.bogus\\\"")
                || h.contains("unknown field \"spec.bogus\""));
    }

    @Test
    void listWatchPatchAndVersions() throws Exception {
        createCrd();
        var widgets = client.genericKubernetesResources(WIDGETS).inNamespace("default");
        List<String> events = new CopyOnWriteArrayList<>();
        try (Watch watch = widgets.watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, GenericKubernetesResource resource) {
                events.add(action + " " + resource.getMetadata().getName());
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            for (int i = 0; i < 3; i++) {
                widgets.resource(widget("w" + i, Map.of("size", "small"))).create();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 3);
        }
        assertThat(events).containsExactly("ADDED w0", "ADDED w1", "ADDED w2");

        GenericKubernetesResourceList page = widgets.withLabel("app", "demo").list(
                new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(2L).build());
        assertThat(page.getItems()).hasSize(2);
        assertThat(page.getMetadata().getContinue()).isNotBlank();
        assertThat(widgets.withLabel("app", "other").list().getItems()).isEmpty();

        GenericKubernetesResource merged = widgets.withName("w0").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"color\":\"red\"}}");
        assertThat((Map<String, Object>) merged.get("spec")).containsEntry("color", "red");
        assertThat(merged.getMetadata().getGeneration()).isEqualTo(2L);
        GenericKubernetesResource patched = widgets.withName("w0").patch(PatchContext.of(PatchType.JSON),
                "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":4}]");
        assertThat((Map<String, Object>) patched.get("spec")).containsEntry("replicas", 4);
        HttpResponse<String> smp = server.patch("/apis/example.com/v1/namespaces/default/widgets/w0",
                "application/strategic-merge-patch+json", "{\"spec\":{\"color\":\"green\"}}");
        assertThat(smp.statusCode()).isEqualTo(415);
        assertThat(json(smp).get("reason").asString()).isEqualTo("UnsupportedMediaType");
        HttpResponse<String> dry = server.send(server.request(
                "/apis/example.com/v1/namespaces/default/widgets/w1?dryRun=All").header("Content-Type",
                "application/merge-patch+json").method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(
                "{\"spec\":{\"color\":\"pink\"}}")).build());
        assertThat(dry.statusCode()).isEqualTo(200);
        assertThat(widgets.withName("w1").get().<String>get("spec", "color")).isEqualTo("blue");

        // v1beta1 has no status subresource: there, a status change is a change of the object (generation 4).
        HttpResponse<String> betaStatus = server.patch("/apis/example.com/v1beta1/namespaces/default/widgets/w0",
                "application/merge-patch+json", "{\"status\":{\"replicas\":1}}");
        assertThat(json(betaStatus).at("/metadata/generation").asLong()).isEqualTo(4);
        ObjectNode beta = json(server.get("/apis/example.com/v1beta1/namespaces/default/widgets/w0"));
        assertThat(beta.get("apiVersion").asString()).isEqualTo("example.com/v1beta1");
        assertThat(beta.at("/spec/color").asString()).isEqualTo("red");

        ObjectNode table = json(server.send(server.request("/apis/example.com/v1/namespaces/default/widgets")
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").GET().build()));
        assertThat(table.get("columnDefinitions").findValuesAsString("name")).containsExactly("Name", "Replicas",
                "Ready", "Age");
        JsonNode firstRow = table.get("rows").get(0).get("cells");
        assertThat(firstRow.get(0).asString()).isEqualTo("w0");
        assertThat(firstRow.get(1).asLong()).isEqualTo(4);
        assertThat(firstRow.get(2).asString()).isEqualTo("<none>");
    }

    @Test
    void statusAndScaleSubresources() {
        createCrd();
        var widgets = client.genericKubernetesResources(WIDGETS).inNamespace("default");
        widgets.resource(widget("s1", Map.of("size", "large", "replicas", 2))).create();
        GenericKubernetesResource current = widgets.withName("s1").get();
        current.setAdditionalProperty("status", Map.of("replicas", 2, "selector", "app=demo",
                "conditions", List.of(Map.of("type", "Ready", "status", "True"))));
        ((Map<String, Object>) current.get("spec")).put("color", "ignored-by-status");
        GenericKubernetesResource withStatus = widgets.resource(current).updateStatus();
        assertThat(withStatus.<Integer>get("status", "replicas")).isEqualTo(2);
        assertThat(withStatus.<String>get("spec", "color")).isEqualTo("blue");
        assertThat(withStatus.getMetadata().getGeneration()).isEqualTo(1L);

        GenericKubernetesResource main = widgets.withName("s1").get();
        main.setAdditionalProperty("status", Map.of("replicas", 99));
        ((Map<String, Object>) main.get("spec")).put("color", "green");
        GenericKubernetesResource updated = widgets.resource(main).update();
        assertThat(updated.<Integer>get("status", "replicas")).isEqualTo(2);
        assertThat(updated.getMetadata().getGeneration()).isEqualTo(2L);

        HttpResponse<String> badStatus = server.put("/apis/example.com/v1/namespaces/default/widgets/s1/status",
                Json.string(statusWith(json(server.get("/apis/example.com/v1/namespaces/default/widgets/s1")),
                        "\"many\"")));
        assertThat(badStatus.statusCode()).isEqualTo(422);
        assertThat(badStatus.body()).contains("status.replicas in body must be of type integer");

        ObjectNode scale = json(server.get("/apis/example.com/v1/namespaces/default/widgets/s1/scale"));
        assertThat(scale.get("kind").asString()).isEqualTo("Scale");
        assertThat(scale.at("/spec/replicas").asLong()).isEqualTo(2);
        assertThat(scale.at("/status/replicas").asLong()).isEqualTo(2);
        assertThat(scale.at("/status/selector").asString()).isEqualTo("app=demo");
        HttpResponse<String> scaled = server.patch("/apis/example.com/v1/namespaces/default/widgets/s1/scale",
                "application/merge-patch+json", "{\"spec\":{\"replicas\":5}}");
        assertThat(scaled.statusCode()).isEqualTo(200);
        GenericKubernetesResource after = widgets.withName("s1").get();
        assertThat(after.<Integer>get("spec", "replicas")).isEqualTo(5);
        assertThat(after.getMetadata().getGeneration()).isEqualTo(3L);
        HttpResponse<String> negative = server.patch("/apis/example.com/v1/namespaces/default/widgets/s1/scale",
                "application/merge-patch+json", "{\"spec\":{\"replicas\":-1}}");
        assertThat(negative.statusCode()).isEqualTo(422);
    }

    private static ObjectNode statusWith(ObjectNode object, String replicasJson) {
        object.set("status", Json.parseObject(("{\"replicas\":" + replicasJson + "}").getBytes(StandardCharsets.UTF_8)));
        return object;
    }

    @Test
    void openApiCarriesTheSchema() {
        createCrd();
        ObjectNode index = json(server.get("/openapi/v3"));
        String url = index.at("/paths/apis~1example.com~1v1/serverRelativeURL").asString();
        assertThat(url).startsWith("/openapi/v3/apis/example.com/v1?hash=");
        ObjectNode doc = json(server.get(url));
        JsonNode schema = doc.at("/components/schemas/com.example.v1.Widget");
        assertThat(schema.at("/properties/spec/properties/size/enum/1").asString()).isEqualTo("large");
        assertThat(schema.at("/x-kubernetes-group-version-kind/0/kind").asString()).isEqualTo("Widget");
        assertThat(doc.at("/paths/~1apis~1example.com~1v1~1namespaces~1{namespace}~1widgets~1{name}/patch/parameters")
                .findValuesAsString("name")).contains("fieldValidation");
    }

    @Test
    void rbacCoversCustomResourcesThroughAggregation() {
        createCrd();
        server.post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "{\"metadata\":{\"name\":\"viewer\"},"
                + "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"view\"},"
                + "\"subjects\":[{\"kind\":\"User\",\"name\":\"viewer\",\"apiGroup\":\"rbac.authorization.k8s.io\"}]}");
        String path = "/apis/example.com/v1/namespaces/default/widgets";
        await().atMost(Duration.ofSeconds(10)).until(() -> asViewer("/api/v1/namespaces/default/pods") == 200);
        assertThat(asViewer(path)).isEqualTo(403);
        HttpResponse<String> role = server.post("/apis/rbac.authorization.k8s.io/v1/clusterroles",
                "{\"metadata\":{\"name\":\"widget-viewer\",\"labels\":{\"rbac.authorization.k8s.io/aggregate-to-view\":"
                + "\"true\"}},\"rules\":[{\"apiGroups\":[\"example.com\"],\"resources\":[\"widgets\"],"
                + "\"verbs\":[\"get\",\"list\",\"watch\"]}]}");
        assertThat(role.statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> asViewer(path) == 200);
        assertThat(server.get(path).statusCode()).isEqualTo(200);
    }

    private int asViewer(String path) {
        return server.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + path))
                .header("Authorization", "Bearer viewer-token").GET().build()).statusCode();
    }

    @Test
    void crdsAreServedAgainAfterARestart() throws Exception {
        createCrd();
        client.genericKubernetesResources(WIDGETS).inNamespace("default")
                .resource(widget("kept", Map.of("size", "small"))).create();
        client.close();
        server.close();
        Path data = dir.resolve("data");
        server = TestServer.start(data, ApiServerConfig.defaults(data).withPort(0).withVersion("test"));
        client = newClient();
        // No waiting: the server serves stored CRDs before it listens.
        HttpResponse<String> r = server.get("/apis/example.com/v1/namespaces/default/widgets/kept");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).at("/spec/color").asString()).isEqualTo("blue");
    }

    @Test
    void deletingTheCrdRemovesItsResources() {
        createCrd();
        var widgets = client.genericKubernetesResources(WIDGETS).inNamespace("default");
        widgets.resource(widget("d1", Map.of("size", "small"))).create();
        widgets.resource(widget("d2", Map.of("size", "small"))).create();
        client.apiextensions().v1().customResourceDefinitions().withName("widgets.example.com").delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.get(
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").statusCode() == 404);
        assertThat(server.get("/apis/example.com/v1/namespaces/default/widgets").statusCode()).isEqualTo(404);
        assertThat(server.get("/apis/example.com/v1").statusCode()).isEqualTo(404);
        assertThat(server.store().range(io.kaji.store.RangeRequest.prefix("/registry/example.com/")).kvs()).isEmpty();

        // A new CRD of the same name starts empty.
        createCrd();
        assertThat(client.genericKubernetesResources(WIDGETS).inNamespace("default").list().getItems()).isEmpty();
    }

    @Test
    void aStoredCrdThatCannotBeServedIsReportedNotRetried() {
        // As if written by an older version with laxer validation: a printer column Kaji cannot evaluate.
        String crd = CRD_JSON.replace(".spec.replicas\"}", ".spec[?(@.a>1)]\"}");
        server.store().create("/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com",
                crd.getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> json(server.get(
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")).at("/status/conditions")
                .toString().contains("InstallationFailure"));
        assertThat(server.get("/apis/example.com/v1/namespaces/default/widgets").statusCode()).isEqualTo(404);
        assertThat(server.get("/api/v1/namespaces/default/configmaps").statusCode()).isEqualTo(200);
    }

    static final String CRD_JSON = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
             "metadata":{"name":"widgets.example.com","uid":"u1","creationTimestamp":"2026-01-01T00:00:00Z"},
             "spec":{"group":"example.com","scope":"Namespaced","conversion":{"strategy":"None"},
               "names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},
               "versions":[{"name":"v1","served":true,"storage":true,
                 "additionalPrinterColumns":[{"name":"Replicas","type":"integer","jsonPath":".spec.replicas"}],
                 "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]},
             "status":{"storedVersions":["v1"]}}""";

    @Test
    void createLatency() {
        createCrd();
        var widgets = client.genericKubernetesResources(WIDGETS).inNamespace("default");
        int n = 200;
        // ConfigMaps first, so that the custom resources do not pay for the warm-up.
        long baselineStart = System.nanoTime();
        for (int i = 0; i < n; i++) {
            client.configMaps().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                    .withNewMetadata().withName("load-" + i).endMetadata().addToData("i", "" + i).build()).create();
        }
        long baselineMicros = (System.nanoTime() - baselineStart) / 1000;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            widgets.resource(widget("load-" + i, Map.of("size", "small", "replicas", i))).create();
        }
        long micros = (System.nanoTime() - start) / 1000;
        System.out.printf("%d sequential creates: custom resources %.2f ms each (schema pruning, defaulting, "
                + "validation), ConfigMaps %.2f ms each%n", n, micros / 1000.0 / n, baselineMicros / 1000.0 / n);
        assertThat(widgets.list().getItems()).hasSize(n);
    }

    @Test
    void aCrdWaitsForTheFinalizersOfItsResources() {
        createCrd();
        var widgets = client.genericKubernetesResources(WIDGETS).inNamespace("default");
        GenericKubernetesResource held = widget("held", Map.of("size", "small"));
        held.getMetadata().setFinalizers(List.of("example.com/hold"));
        widgets.resource(held).create();
        client.apiextensions().v1().customResourceDefinitions().withName("widgets.example.com").delete();
        String crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com";
        await().atMost(Duration.ofSeconds(10)).until(() -> json(server.get(crdPath)).at("/status/conditions")
                .toString().contains("InstanceDeletionInProgress"));
        assertThat(widgets.withName("held").get().getMetadata().getDeletionTimestamp()).isNotBlank();
        HttpResponse<String> create = server.post("/apis/example.com/v1/namespaces/default/widgets",
                "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"late\"},"
                + "\"spec\":{\"size\":\"small\"}}");
        assertThat(create.statusCode()).isEqualTo(405);
        assertThat(json(create).get("message").asString())
                .isEqualTo("create not allowed while custom resource definition is terminating");
        widgets.withName("held").edit(w -> {
            w.getMetadata().setFinalizers(List.of());
            return w;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> server.get(crdPath).statusCode() == 404);
    }

    @Test
    void conflictingNamesAreNotAccepted() {
        createCrd();
        HttpResponse<String> r = server.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                CRD_JSON.replace("widgets", "gizmos").replace("\"singular\":\"widget\"", "\"singular\":\"gizmo\"")
                        .replace(",\"uid\":\"u1\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"", ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.example.com";
        await().atMost(Duration.ofSeconds(10)).until(() -> json(server.get(path)).at("/status/conditions")
                .toString().contains("NameConflict"));
        JsonNode conditions = json(server.get(path)).at("/status/conditions");
        assertThat(conditions.toString()).contains("\"message\":\"\\\"Widget\\\" is already in use\"")
                .contains("\"type\":\"Established\",\"status\":\"False\"");
        assertThat(server.get("/apis/example.com/v1/namespaces/default/gizmos").statusCode()).isEqualTo(404);
        assertThat(server.get("/apis/example.com/v1/namespaces/default/widgets").statusCode()).isEqualTo(200);
    }

    @Test
    void invalidCrdsAreRefusedWithFieldCauses() {
        HttpResponse<String> r = server.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", """
                {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
                 "metadata":{"name":"gadgets.example.com"},
                 "spec":{"group":"example.com","scope":"Everywhere","names":{"plural":"things","kind":"Gadget"},
                   "versions":[{"name":"v1","served":true,"storage":false,
                     "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"properties":{}}}}}}]}}""");
        assertThat(r.statusCode()).isEqualTo(422);
        List<String> fields = json(r).get("details").get("causes").findValuesAsString("field");
        assertThat(fields).contains("metadata.name", "spec.scope", "spec.versions",
                "spec.versions[0].schema.openAPIV3Schema.properties[spec].type");
    }
}
