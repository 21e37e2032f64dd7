package io.kaji.apiserver.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.apiserver.openapi.gnostic.Document;
import io.kaji.apiserver.openapi.gnostic.NamedSchema;
import io.kaji.apiserver.openapi.gnostic.Schema;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code /openapi/v2} through the real HTTPS server: JSON and gnostic protobuf by Accept, ETag and 304, and a new
 * CustomResourceDefinition showing up (with its GVK, descriptions, and v3-only constructs mapped) under a new ETag.
 */
class OpenApiV2IntegrationTest {

    static final String PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    static final String CRD = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
             "metadata":{"name":"gadgets.example.com"},
             "spec":{"group":"example.com","scope":"Namespaced",
              "names":{"plural":"gadgets","singular":"gadget","kind":"Gadget"},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{
                "type":"object","description":"A Gadget is a thing.",
                "properties":{"spec":{"type":"object","description":"What the gadget should be.",
                  "properties":{
                    "size":{"type":"string","enum":["small","large"],"default":"small"},
                    "port":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]},
                    "tags":{"type":"array","items":{"type":"string"}},
                    "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}}}]}}
            """;

    @TempDir
    Path dir;
    TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    HttpResponse<byte[]> get(String accept, String ifNoneMatch) throws Exception {
        var req = server.request("/openapi/v2").header("Accept", accept);
        if (ifNoneMatch != null) {
            req.header("If-None-Match", ifNoneMatch);
        }
        return server.client().send(req.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void servesBothFormsAndACustomResourceAppearsUnderANewETag() throws Exception {
        HttpResponse<byte[]> proto = get(PROTOBUF, null);
        assertThat(proto.statusCode()).isEqualTo(200);
        assertThat(proto.headers().firstValue("Content-Type")).hasValue(OpenApi.PROTOBUF_V2);
        String etag = proto.headers().firstValue("ETag").orElseThrow();
        assertThat(get(PROTOBUF, etag).statusCode()).isEqualTo(304);
        Document before = Document.parseFrom(proto.body());
        assertThat(before.getDefinitions().getAdditionalPropertiesList()).extracting(NamedSchema::getName)
                .contains("io.k8s.api.apps.v1.Deployment").doesNotContain("com.example.v1.Gadget");

        HttpResponse<String> created = server.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(Document.parseFrom(get(PROTOBUF, null)
                .body()).getDefinitions().getAdditionalPropertiesList()).extracting(NamedSchema::getName)
                .contains("com.example.v1.Gadget"));

        HttpResponse<byte[]> after = get(PROTOBUF, etag);
        assertThat(after.statusCode()).as("the old ETag no longer matches").isEqualTo(200);
        assertThat(after.headers().firstValue("ETag")).isNotEqualTo(java.util.Optional.of(etag));
        Schema gadget = Document.parseFrom(after.body()).getDefinitions().getAdditionalPropertiesList().stream()
                .filter(n -> n.getName().equals("com.example.v1.Gadget")).findFirst().orElseThrow().getValue();
        assertThat(gadget.getDescription()).isEqualTo("A Gadget is a thing.");
        assertThat(gadget.getVendorExtensionList()).anySatisfy(a -> {
            assertThat(a.getName()).isEqualTo("x-kubernetes-group-version-kind");
            assertThat(Json.MAPPER.readTree(a.getValue().getYaml()).at("/0/kind").asString()).isEqualTo("Gadget");
        });
        assertThat(OpenApiV2Test.property(gadget, "metadata").getRef())
                .isEqualTo("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");

        HttpResponse<byte[]> json = get("application/json", null);
        assertThat(json.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        JsonNode doc = Json.MAPPER.readTree(json.body());
        JsonNode spec = doc.at("/definitions/com.example.v1.Gadget/properties/spec");
        assertThat(spec.get("description").asString()).isEqualTo("What the gadget should be.");
        assertThat(spec.at("/properties/size/default").asString()).isEqualTo("small");
        JsonNode port = spec.at("/properties/port");
        assertThat(port.has("anyOf")).as("v2 has no anyOf").isFalse();
        assertThat(port.get("format").asString()).isEqualTo("int-or-string");
        JsonNode patch = doc.at("/paths/~1apis~1example.com~1v1~1namespaces~1{namespace}~1gadgets~1{name}/patch");
        assertThat(patch.at("/x-kubernetes-group-version-kind/kind").asString()).isEqualTo("Gadget");
        assertThat(patch.get("parameters").valueStream().map(p -> p.get("name").asString()))
                .contains("fieldValidation");
    }
}
