package io.kaji.apiserver.crd;

import static io.kaji.apiserver.crd.SchemaValidatorTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

class SchemaPrunerTest {

    private static final String SCHEMA = """
            {"type":"object","properties":{
              "spec":{"type":"object","properties":{
                "name":{"type":"string"},
                "items":{"type":"array","items":{"type":"object","properties":{"a":{"type":"integer"}}}},
                "labels":{"type":"object","additionalProperties":{"type":"string"}},
                "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true,
                        "properties":{"known":{"type":"object","properties":{"k":{"type":"string"}}}}},
                "template":{"type":"object","x-kubernetes-embedded-resource":true,
                            "properties":{"spec":{"type":"object","properties":{"image":{"type":"string"}}}}}}},
              "status":{"type":"object","properties":{"ready":{"type":"boolean"}}}}}""";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("{\"spec\":{\"name\":\"a\",\"extra\":1}}", "{\"spec\":{\"name\":\"a\"}}",
                        List.of("spec.extra")),
                Arguments.of("{\"spec\":{\"items\":[{\"a\":1,\"b\":2}]}}", "{\"spec\":{\"items\":[{\"a\":1}]}}",
                        List.of("spec.items[0].b")),
                Arguments.of("{\"spec\":{\"labels\":{\"x\":\"y\"}}}", "{\"spec\":{\"labels\":{\"x\":\"y\"}}}",
                        List.of()),
                Arguments.of("{\"spec\":{\"free\":{\"anything\":{\"deep\":1},\"known\":{\"k\":\"v\",\"z\":1}}}}",
                        "{\"spec\":{\"free\":{\"anything\":{\"deep\":1},\"known\":{\"k\":\"v\"}}}}",
                        List.of("spec.free.known.z")),
                Arguments.of("{\"spec\":{\"template\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
                        + "\"p\",\"bogus\":1},\"spec\":{\"image\":\"i\",\"x\":1}}}}",
                        "{\"spec\":{\"template\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
                        + "\"spec\":{\"image\":\"i\"}}}}",
                        List.of("spec.template.metadata.bogus", "spec.template.spec.x")),
                Arguments.of("{\"metadata\":{\"name\":\"w\",\"bogus\":true},\"top\":1}", "{\"metadata\":{\"name\":"
                        + "\"w\"}}", List.of("metadata.bogus", "top")),
                Arguments.of("{\"status\":{\"ready\":true,\"phase\":\"x\"}}", "{\"status\":{\"ready\":true}}",
                        List.of("status.phase")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("cases")
    void dropsWhatTheSchemaDoesNotSpecify(String input, String pruned, List<String> dropped) {
        ObjectNode object = json(input);
        object.put("apiVersion", "example.com/v1");
        object.put("kind", "Widget");
        ObjectNode expected = json(pruned);
        expected.put("apiVersion", "example.com/v1");
        expected.put("kind", "Widget");
        assertThat(SchemaPruner.prune(object, StructuralSchema.parse(json(SCHEMA)))).containsExactlyElementsOf(dropped);
        assertThat(object).isEqualTo(expected);
    }
}
