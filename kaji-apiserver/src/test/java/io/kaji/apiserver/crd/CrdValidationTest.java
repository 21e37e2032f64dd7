package io.kaji.apiserver.crd;

import static io.kaji.apiserver.crd.SchemaValidatorTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

class CrdValidationTest {

    private static final String VALID = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
             "metadata":{"name":"widgets.example.com"},
             "spec":{"group":"example.com","scope":"Namespaced",
               "names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},
               "versions":[{"name":"v1","served":true,"storage":true,
                 "subresources":{"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas"}},
                 "additionalPrinterColumns":[{"name":"Replicas","type":"integer","jsonPath":".spec.replicas"}],
                 "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object",
                   "properties":{"replicas":{"type":"integer","default":1}}}}}}}]}}""";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("valid", (Consumer<ObjectNode>) crd -> { }, List.of()),
                Arguments.of("name", (Consumer<ObjectNode>) crd -> Json.metadata(crd).put("name", "widget.example.com"),
                        List.of("metadata.name: Invalid value: \"widget.example.com\": must be "
                                + "spec.names.plural+\".\"+spec.group")),
                Arguments.of("group without a dot", (Consumer<ObjectNode>) crd -> {
                    Json.metadata(crd).put("name", "widgets.example");
                    Json.objectAt(crd, "spec").put("group", "example");
                }, List.of("spec.group: Invalid value: \"example\": should be a domain with at least one dot")),
                Arguments.of("scope", (Consumer<ObjectNode>) crd -> Json.objectAt(crd, "spec").put("scope", "Global"),
                        List.of("spec.scope: Unsupported value: \"Global\": supported values: \"Cluster\", "
                                + "\"Namespaced\"")),
                Arguments.of("no storage version", (Consumer<ObjectNode>) crd -> version(crd).put("storage", false),
                        List.of("spec.versions: Invalid value: \"0 storage versions\": must have exactly one version "
                                + "marked as storage version")),
                Arguments.of("no schema", (Consumer<ObjectNode>) crd -> version(crd).remove("schema"),
                        List.of("spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required")),
                Arguments.of("untyped property", (Consumer<ObjectNode>) crd -> ((ObjectNode) version(crd)
                        .at("/schema/openAPIV3Schema/properties/spec/properties/replicas")).remove("type"),
                        List.of("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[replicas].type: "
                                + "Required value: must not be empty for specified object fields")),
                Arguments.of("bad default", (Consumer<ObjectNode>) crd -> ((ObjectNode) version(crd)
                        .at("/schema/openAPIV3Schema/properties/spec/properties/replicas")).put("default", "one"),
                        List.of("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[replicas]."
                                + "default: Invalid value: \"string\": spec.versions[0].schema.openAPIV3Schema."
                                + "properties[spec].properties[replicas].default in body must be of type integer: "
                                + "\"string\"")),
                Arguments.of("scale path", (Consumer<ObjectNode>) crd -> ((ObjectNode) version(crd)
                        .at("/subresources/scale")).put("specReplicasPath", ".status.replicas"),
                        List.of("spec.versions[0].subresources.scale.specReplicasPath: Invalid value: "
                                + "\".status.replicas\": should be a json path under .spec")),
                Arguments.of("column type", (Consumer<ObjectNode>) crd -> ((ObjectNode) version(crd)
                        .at("/additionalPrinterColumns/0")).put("type", "time"),
                        List.of("spec.versions[0].additionalPrinterColumns[0].type: Unsupported value: \"time\": "
                                + "supported values: \"integer\", \"number\", \"string\", \"boolean\", \"date\"")),
                Arguments.of("webhook conversion", (Consumer<ObjectNode>) crd -> Json.objectAt(crd, "spec")
                        .putObject("conversion").put("strategy", "Webhook"),
                        List.of("spec.conversion.strategy: Forbidden: Kaji serves only the None conversion strategy "
                                + "(versions share one schema-less storage form); webhook conversion is not "
                                + "supported")));
    }

    private static ObjectNode version(ObjectNode crd) {
        return (ObjectNode) crd.at("/spec/versions/0");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("cases")
    void reportsWhatKubernetesReports(String name, Consumer<ObjectNode> change, List<String> expected) {
        ObjectNode crd = json(VALID);
        change.accept(crd);
        assertThat(CrdValidation.validate(crd)).extracting(StatusCause::describe).containsExactlyElementsOf(expected);
    }
}
