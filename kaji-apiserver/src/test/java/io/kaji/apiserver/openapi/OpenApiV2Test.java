package io.kaji.apiserver.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.openapi.gnostic.Document;
import io.kaji.apiserver.openapi.gnostic.NamedAny;
import io.kaji.apiserver.openapi.gnostic.NamedPathItem;
import io.kaji.apiserver.openapi.gnostic.NamedSchema;
import io.kaji.apiserver.openapi.gnostic.Schema;
import io.kaji.apiserver.registry.BuiltinResources;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class OpenApiV2Test {

    static final ResourceRegistry REGISTRY =
            BuiltinResources.registry(io.kaji.apiserver.registry.ServiceAllocations.none());

    static final ObjectNode DOC = new OpenApiV2Document(REGISTRY).build();

    static List<ResourceDefinition> allResources() {
        List<ResourceDefinition> all = new ArrayList<>();
        REGISTRY.groupVersions().forEach((g, versions) -> versions.forEach(v -> all.addAll(REGISTRY.resources(g, v))));
        return all;
    }

    @Test
    void isSwagger2WithKubernetesDefinitionNames() {
        assertThat(DOC.get("swagger").asString()).isEqualTo("2.0");
        assertThat(DOC.get("definitions").propertyNames()).contains("io.k8s.api.apps.v1.Deployment",
                "io.k8s.api.apps.v1.DeploymentSpec", "io.k8s.api.core.v1.Pod", "io.k8s.api.core.v1.Container",
                "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "io.k8s.api.batch.v1.Job",
                "io.k8s.api.rbac.v1.ClusterRole", "io.k8s.api.coordination.v1.Lease",
                "io.k8s.api.autoscaling.v1.Scale");
        assertThat(DOC.get("definitions").propertyNames()).noneMatch(n -> n.startsWith("io.fabric8"));
    }

    @Test
    void everyRegistryKindHasADefinitionWithItsGroupVersionKind() {
        Set<String> gvks = new HashSet<>();
        for (JsonNode def : DOC.get("definitions")) {
            for (JsonNode gvk : def.path("x-kubernetes-group-version-kind")) {
                gvks.add(gvk.path("group").asString() + "/" + gvk.path("version").asString() + "/"
                        + gvk.path("kind").asString());
            }
        }
        List<ResourceDefinition> all = allResources();
        assertThat(all).hasSizeGreaterThan(20);
        for (ResourceDefinition d : all) {
            assertThat(gvks).as("definition of %s", d.kind()).contains(d.group() + "/" + d.version() + "/" + d.kind());
        }
    }

    @Test
    void kubernetesNamesAreDistinctForDistinctModelClasses() {
        Map<String, String> byKubeName = new HashMap<>();
        REGISTRY.groupVersions().forEach((g, versions) -> versions.forEach(v -> {
            JsonNode schemas = new OpenApiV3Document(REGISTRY.resources(g, v)).build().at("/components/schemas");
            for (String v3Name : schemas.propertyNames()) {
                String previous = byKubeName.putIfAbsent(KubeNames.of(v3Name), v3Name);
                assertThat(previous == null || previous.equals(v3Name))
                        .as("%s and %s both named %s", previous, v3Name, KubeNames.of(v3Name)).isTrue();
            }
        }));
        assertThat(KubeNames.of("io.fabric8.kubernetes.api.model.ObjectMeta"))
                .isEqualTo("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        assertThat(KubeNames.of("io.fabric8.kubernetes.api.model.PodSpec")).isEqualTo("io.k8s.api.core.v1.PodSpec");
        assertThat(KubeNames.of("io.fabric8.kubernetes.api.model.apps.Deployment"))
                .isEqualTo("io.k8s.api.apps.v1.Deployment");
        assertThat(KubeNames.of("io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler"))
                .isEqualTo("io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler");
        assertThat(KubeNames.of("io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition"))
                .isEqualTo("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition");
        assertThat(KubeNames.of("com.example.v1.Widget")).isEqualTo("com.example.v1.Widget");
    }

    @Test
    void everyReferenceResolves() {
        List<String> refs = new ArrayList<>();
        collectRefs(DOC, refs);
        assertThat(refs).hasSizeGreaterThan(100);
        for (String ref : refs) {
            assertThat(ref).startsWith("#/definitions/");
            assertThat(DOC.get("definitions").has(ref.substring("#/definitions/".length()))).as(ref).isTrue();
        }
    }

    @Test
    void noV3OnlyConstructsAndEveryArrayHasItems() {
        List<String> problems = new ArrayList<>();
        checkV2(DOC.get("definitions"), "", problems);
        assertThat(problems).isEmpty();
    }

    @Test
    void propertyReferencesAreBareRefsWithTheirDescription() {
        JsonNode spec = DOC.at("/definitions/io.k8s.api.apps.v1.DeploymentSpec");
        assertThat(spec.at("/properties/template/$ref").asString()).isEqualTo("#/definitions/io.k8s.api.core.v1.PodTemplateSpec");
        assertThat(spec.at("/properties/template/description").asString()).contains("pod template");
        assertThat(spec.at("/properties/replicas/type").asString()).isEqualTo("integer");
        assertThat(spec.at("/properties/replicas/description").asString()).contains("number of pods");
        JsonNode rolling = DOC.at("/definitions/io.k8s.api.apps.v1.RollingUpdateDeployment/properties/maxSurge");
        assertThat(rolling.get("type").asString()).isEqualTo("string");
        assertThat(rolling.get("format").asString()).isEqualTo("int-or-string");
    }

    @Test
    void listsCarryThePatchExtensionsOfTheServersMergeKeys() {
        JsonNode pod = DOC.at("/definitions/io.k8s.api.core.v1.PodSpec/properties");
        assertThat(pod.at("/containers/x-kubernetes-patch-merge-key").asString()).isEqualTo("name");
        assertThat(pod.at("/containers/x-kubernetes-patch-strategy").asString()).isEqualTo("merge");
        JsonNode container = DOC.at("/definitions/io.k8s.api.core.v1.Container/properties");
        assertThat(container.at("/ports/x-kubernetes-patch-merge-key").asString()).isEqualTo("containerPort");
        assertThat(container.at("/volumeMounts/x-kubernetes-patch-merge-key").asString()).isEqualTo("mountPath");
        assertThat(container.has("args") && container.get("args").has("x-kubernetes-patch-strategy")).isFalse();
        JsonNode service = DOC.at("/definitions/io.k8s.api.core.v1.ServiceSpec/properties");
        assertThat(service.at("/ports/x-kubernetes-patch-merge-key").asString()).isEqualTo("port");
        assertThat(DOC.at("/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta/properties/finalizers"
                + "/x-kubernetes-patch-strategy").asString()).isEqualTo("merge");
    }

    @Test
    void writeOperationsHaveAFieldValidationQueryParameterAndTheKind() {
        JsonNode item = DOC.at("/paths/~1apis~1apps~1v1~1namespaces~1{namespace}~1deployments~1{name}");
        for (String method : List.of("put", "patch")) {
            JsonNode op = item.get(method);
            assertThat(op.at("/x-kubernetes-group-version-kind/kind").asString()).isEqualTo("Deployment");
            assertThat(op.get("x-kubernetes-action").asString()).isEqualTo(method);
            assertThat(op.get("parameters").valueStream()
                    .filter(p -> p.get("name").asString().equals("fieldValidation"))
                    .map(p -> p.get("in").asString())).containsExactly("query");
            assertThat(op.get("parameters").valueStream().filter(p -> p.get("in").asString().equals("body"))).hasSize(1);
        }
        JsonNode post = DOC.at("/paths/~1apis~1apps~1v1~1namespaces~1{namespace}~1deployments/post");
        assertThat(post.get("parameters").valueStream().map(p -> p.get("name").asString())).contains("fieldValidation");
        assertThat(post.at("/parameters/0/schema/$ref").asString()).isEqualTo("#/definitions/io.k8s.api.apps.v1.Deployment");
        assertThat(item.at("/patch/consumes").valueStream().map(JsonNode::asString))
                .contains("application/merge-patch+json").doesNotContain("application/strategic-merge-patch+json");
    }

    @Test
    void protobufRoundTripsTheKeyFields() throws Exception {
        byte[] bytes = GnosticProtobuf.document(DOC).toByteArray();
        Document parsed = Document.parseFrom(bytes);
        assertThat(parsed.getSwagger()).isEqualTo("2.0");
        assertThat(parsed.getDefinitions().getAdditionalPropertiesCount()).isEqualTo(DOC.get("definitions").size());
        assertThat(parsed.getPaths().getPathCount()).isEqualTo(DOC.get("paths").size());
        Map<String, Schema> defs = new HashMap<>();
        for (NamedSchema ns : parsed.getDefinitions().getAdditionalPropertiesList()) {
            defs.put(ns.getName(), ns.getValue());
        }
        Schema deployment = defs.get("io.k8s.api.apps.v1.Deployment");
        assertThat(deployment.getType().getValueList()).containsExactly("object");
        NamedAny gvk = deployment.getVendorExtensionList().stream()
                .filter(a -> a.getName().equals("x-kubernetes-group-version-kind")).findFirst().orElseThrow();
        JsonNode gvkValue = Json.MAPPER.readTree(gvk.getValue().getYaml());
        assertThat(gvkValue.at("/0/kind").asString()).isEqualTo("Deployment");
        assertThat(gvkValue.at("/0/group").asString()).isEqualTo("apps");
        Schema spec = defs.get("io.k8s.api.apps.v1.DeploymentSpec");
        Schema replicas = property(spec, "replicas");
        assertThat(replicas.getType().getValueList()).containsExactly("integer");
        assertThat(replicas.getFormat()).isEqualTo("int32");
        assertThat(replicas.getDescription()).contains("number of pods");
        assertThat(property(spec, "template").getRef()).isEqualTo("#/definitions/io.k8s.api.core.v1.PodTemplateSpec");
        Schema containers = property(defs.get("io.k8s.api.core.v1.PodSpec"), "containers");
        assertThat(containers.getItems().getSchemaCount()).isEqualTo(1);
        assertThat(containers.getItems().getSchema(0).getRef()).isEqualTo("#/definitions/io.k8s.api.core.v1.Container");
        Schema labels = property(defs.get("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), "labels");
        assertThat(labels.getAdditionalProperties().getSchema().getType().getValueList()).containsExactly("string");

        NamedPathItem item = parsed.getPaths().getPathList().stream()
                .filter(p -> p.getName().equals("/apis/apps/v1/namespaces/{namespace}/deployments/{name}"))
                .findFirst().orElseThrow();
        var patch = item.getValue().getPatch();
        assertThat(patch.getVendorExtensionList()).anySatisfy(a -> {
            assertThat(a.getName()).isEqualTo("x-kubernetes-group-version-kind");
            assertThat(Json.MAPPER.readTree(a.getValue().getYaml()).get("kind").asString()).isEqualTo("Deployment");
        });
        assertThat(patch.getParametersList()).anySatisfy(p -> assertThat(
                p.getParameter().getNonBodyParameter().getQueryParameterSubSchema().getName())
                .isEqualTo("fieldValidation"));
    }

    @Test
    void servesProtobufOrJsonByAcceptWithETagsAnd304() {
        OpenApi openApi = new OpenApi(REGISTRY);
        ApiResponse proto = openApi.serve("/openapi/v2",
                request(Map.of("Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")));
        assertThat(proto.status()).isEqualTo(200);
        assertThat(proto.contentType()).isEqualTo("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
        String etag = proto.headers().get("ETag");
        assertThat(etag).matches("\"[0-9A-F]+\"");
        ApiResponse json = openApi.serve("/openapi/v2", request(Map.of("Accept", "application/json")));
        assertThat(json.contentType()).startsWith("application/json");
        assertThat(Json.MAPPER.readTree(json.body()).get("swagger").asString()).isEqualTo("2.0");
        assertThat(json.headers().get("ETag")).isNotEqualTo(etag);
        ApiResponse again = openApi.serve("/openapi/v2", request(Map.of(
                "Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf", "If-None-Match", etag)));
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        ApiResponse stale = openApi.serve("/openapi/v2", request(Map.of(
                "Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf", "If-None-Match", "\"OLD\"")));
        assertThat(stale.status()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(proto.body());
    }

    static Schema property(Schema s, String name) {
        return s.getProperties().getAdditionalPropertiesList().stream().filter(p -> p.getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no property " + name)).getValue();
    }

    static ApiRequest request(Map<String, String> headers) {
        Map<String, String> lower = new HashMap<>();
        headers.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
        return new ApiRequest("GET", "/openapi/v2", Map.of(), name -> lower.get(name.toLowerCase(java.util.Locale.ROOT)),
                new byte[0]);
    }

    private static void collectRefs(JsonNode n, List<String> refs) {
        if (n.isObject()) {
            if (n.has("$ref")) {
                refs.add(n.get("$ref").asString());
            }
            n.forEach(c -> collectRefs(c, refs));
        } else if (n.isArray()) {
            n.forEach(c -> collectRefs(c, refs));
        }
    }

    private static void checkV2(JsonNode n, String at, List<String> problems) {
        if (!n.isObject()) {
            return;
        }
        for (String v3Only : List.of("nullable", "anyOf", "oneOf", "not", "components")) {
            if (n.has(v3Only) && !at.endsWith("/properties")) {
                problems.add(at + " has " + v3Only);
            }
        }
        if (n.path("type").asString("").equals("array") && !n.has("items") && !at.endsWith("/properties")) {
            problems.add(at + " is an array without items");
        }
        if (n.has("allOf") && !at.endsWith("/properties")) {
            problems.add(at + " has allOf");
        }
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            checkV2(e.getValue(), at + "/" + e.getKey(), problems);
        }
    }
}
