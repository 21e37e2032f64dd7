package io.kaji.apiserver.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

class SchemaValidatorTest {

    /** The schema of {@code spec.x} is {@code xSchema}; the object is {@code {"spec":{"x": value}}}. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("{\"type\":\"integer\"}", "\"three\"",
                        List.of("spec.x: Invalid value: \"string\": spec.x in body must be of type integer: \"string\"")),
                Arguments.of("{\"type\":\"integer\"}", "3", List.of()),
                Arguments.of("{\"type\":\"integer\"}", "3.0", List.of()),
                Arguments.of("{\"type\":\"integer\"}", "3.5",
                        List.of("spec.x: Invalid value: \"number\": spec.x in body must be of type integer: \"number\"")),
                Arguments.of("{\"type\":\"string\"}", "null",
                        List.of("spec.x: Invalid value: \"null\": spec.x in body must be of type string: \"null\"")),
                Arguments.of("{\"type\":\"string\",\"nullable\":true}", "null", List.of()),
                Arguments.of("{\"type\":\"string\",\"enum\":[\"a\",\"b\"]}", "\"c\"",
                        List.of("spec.x: Unsupported value: \"c\": supported values: \"a\", \"b\"")),
                Arguments.of("{\"type\":\"string\",\"pattern\":\"^[0-9]+$\"}", "\"12a\"",
                        List.of("spec.x: Invalid value: \"12a\": spec.x in body should match '^[0-9]+$'")),
                Arguments.of("{\"type\":\"string\",\"pattern\":\"[0-9]\"}", "\"a1b\"", List.of()),
                Arguments.of("{\"type\":\"integer\",\"minimum\":0}", "-1",
                        List.of("spec.x: Invalid value: -1: spec.x in body should be greater than or equal to 0")),
                Arguments.of("{\"type\":\"integer\",\"minimum\":0,\"exclusiveMinimum\":true}", "0",
                        List.of("spec.x: Invalid value: 0: spec.x in body should be greater than 0")),
                Arguments.of("{\"type\":\"number\",\"maximum\":1.5}", "2",
                        List.of("spec.x: Invalid value: 2: spec.x in body should be less than or equal to 1.5")),
                Arguments.of("{\"type\":\"integer\",\"maximum\":10,\"exclusiveMaximum\":true}", "10",
                        List.of("spec.x: Invalid value: 10: spec.x in body should be less than 10")),
                Arguments.of("{\"type\":\"string\",\"minLength\":2}", "\"a\"",
                        List.of("spec.x: Invalid value: \"a\": spec.x in body should be at least 2 chars long")),
                Arguments.of("{\"type\":\"string\",\"maxLength\":2}", "\"abc\"",
                        List.of("spec.x: Too long: may not be more than 2 bytes")),
                Arguments.of("{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":1}", "[\"a\",\"b\"]",
                        List.of("spec.x: Too many: 2: must have at most 1 items")),
                Arguments.of("{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":2}", "[\"a\"]",
                        List.of("spec.x: Invalid value: [\"a\"]: spec.x in body should have at least 2 items")),
                Arguments.of("{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"uniqueItems\":true}",
                        "[\"a\",\"a\"]", List.of("spec.x[1]: Duplicate value: \"a\"")),
                Arguments.of("{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}", "[1,\"b\"]",
                        List.of("spec.x[1]: Invalid value: \"string\": spec.x[1] in body must be of type integer: "
                                + "\"string\"")),
                Arguments.of("{\"type\":\"object\",\"required\":[\"name\"],\"properties\":{\"name\":{\"type\":"
                        + "\"string\"}}}", "{}", List.of("spec.x.name: Required value")),
                Arguments.of("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}", "{\"a\":\"1\"}",
                        List.of("spec.x.a: Invalid value: \"string\": spec.x.a in body must be of type integer: "
                                + "\"string\"")),
                Arguments.of("{\"x-kubernetes-int-or-string\":true}", "\"80%\"", List.of()),
                Arguments.of("{\"x-kubernetes-int-or-string\":true}", "80", List.of()),
                Arguments.of("{\"x-kubernetes-int-or-string\":true}", "true",
                        List.of("spec.x: Invalid value: \"boolean\": spec.x in body must be of type integer,string: "
                                + "\"boolean\"")),
                Arguments.of("{\"type\":\"object\",\"x-kubernetes-embedded-resource\":true,"
                        + "\"x-kubernetes-preserve-unknown-fields\":true}", "{\"kind\":\"Pod\"}",
                        List.of("spec.x.apiVersion: Required value: must not be empty")),
                Arguments.of("{\"type\":\"string\",\"format\":\"date-time\"}", "\"yesterday\"",
                        List.of("spec.x: Invalid value: \"yesterday\": spec.x in body must be of type date-time: "
                                + "\"yesterday\"")),
                Arguments.of("{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-05-01T10:00:00Z\"", List.of()),
                Arguments.of("{\"type\":\"string\",\"format\":\"uuid\"}", "\"nope\"",
                        List.of("spec.x: Invalid value: \"nope\": spec.x in body must be of type uuid: \"nope\"")),
                Arguments.of("{\"type\":\"string\",\"format\":\"ipv4\"}", "\"10.0.0.300\"",
                        List.of("spec.x: Invalid value: \"10.0.0.300\": spec.x in body must be of type ipv4: "
                                + "\"10.0.0.300\"")),
                Arguments.of("{\"type\":\"string\",\"format\":\"ipv6\"}", "\"fd00::1\"", List.of()),
                Arguments.of("{\"type\":\"boolean\"}", "\"true\"",
                        List.of("spec.x: Invalid value: \"string\": spec.x in body must be of type boolean: "
                                + "\"string\"")));
    }

    @ParameterizedTest(name = "[{index}] {0} with {1}")
    @MethodSource("cases")
    void reportsViolationsInKubernetesWords(String xSchema, String value, List<String> expected) {
        StructuralSchema schema = StructuralSchema.parse(json("{\"type\":\"object\",\"properties\":{\"spec\":{"
                + "\"type\":\"object\",\"properties\":{\"x\":" + xSchema + "}}}}"));
        ObjectNode object = json("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":"
                + "\"w\"},\"spec\":{\"x\":" + value + "}}");
        assertThat(SchemaValidator.validate(object, schema)).extracting(StatusCause::describe)
                .containsExactlyElementsOf(expected);
    }

    static ObjectNode json(String text) {
        return Json.parseObject(text.getBytes(StandardCharsets.UTF_8));
    }
}
