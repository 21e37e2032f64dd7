package io.kaji.apiserver.crd;

import static io.kaji.apiserver.crd.SchemaValidatorTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

class SchemaDefaulterTest {

    private static final String SCHEMA = """
            {"type":"object","properties":{"spec":{"type":"object","default":{},"properties":{
              "replicas":{"type":"integer","default":1},
              "mode":{"type":"string","default":"fast"},
              "note":{"type":"string","nullable":true},
              "extra":{"type":"string"},
              "ports":{"type":"array","items":{"type":"object","properties":{
                 "protocol":{"type":"string","default":"TCP"}}}},
              "limits":{"type":"object","properties":{"cpu":{"type":"string","default":"1"}}}}}}}""";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("{}", "{\"spec\":{\"replicas\":1,\"mode\":\"fast\"}}"),
                Arguments.of("{\"spec\":{\"replicas\":3}}", "{\"spec\":{\"replicas\":3,\"mode\":\"fast\"}}"),
                Arguments.of("{\"spec\":{\"replicas\":null,\"mode\":\"slow\"}}",
                        "{\"spec\":{\"replicas\":1,\"mode\":\"slow\"}}"),
                Arguments.of("{\"spec\":{\"note\":null,\"extra\":null}}",
                        "{\"spec\":{\"note\":null,\"replicas\":1,\"mode\":\"fast\"}}"),
                Arguments.of("{\"spec\":{\"ports\":[{},{\"protocol\":\"UDP\"}]}}",
                        "{\"spec\":{\"ports\":[{\"protocol\":\"TCP\"},{\"protocol\":\"UDP\"}],\"replicas\":1,"
                        + "\"mode\":\"fast\"}}"),
                Arguments.of("{\"spec\":{\"limits\":{}}}",
                        "{\"spec\":{\"limits\":{\"cpu\":\"1\"},\"replicas\":1,\"mode\":\"fast\"}}"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("cases")
    void appliesDefaults(String input, String defaulted) {
        ObjectNode object = json(input);
        SchemaDefaulter.apply(object, StructuralSchema.parse(json(SCHEMA)));
        assertThat(object).isEqualTo(json(defaulted));
    }
}
