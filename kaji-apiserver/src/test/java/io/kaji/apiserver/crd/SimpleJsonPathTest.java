package io.kaji.apiserver.crd;

import static io.kaji.apiserver.crd.SchemaValidatorTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

class SimpleJsonPathTest {

    private static final String OBJECT = """
            {"spec":{"replicas":3,"ports":[{"name":"http","port":80},{"name":"dns","port":53}],
             "labels":{"app.kubernetes.io/name":"w"}},
             "status":{"conditions":[{"type":"Synced","status":"False"},{"type":"Ready","status":"True"}]}}""";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            ".spec.replicas | 3",
            "{.spec.replicas} | 3",
            ".spec.ports[1].name | dns",
            ".spec.ports[-1].port | 53",
            ".spec.ports[*].port | 80",
            ".spec.labels['app.kubernetes.io/name'] | w",
            ".status.conditions[?(@.type==\"Ready\")].status | True",
            ".status.conditions[?(@.type=='Synced')].status | False",
            ".spec.ports[?(@.port==53)].name | dns",
            ".spec.missing | <null>",
            ".status.conditions[?(@.type==\"Gone\")].status | <null>"})
    void selectsTheFirstMatch(String path, String expected) {
        JsonNode v = SimpleJsonPath.parse(path).first(json(OBJECT));
        assertThat(v == null ? "<null>" : v.isString() ? v.stringValue() : v.toString()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"spec.replicas", ".spec[", ".spec[?(@.a>1)]", ".spec..x"})
    void refusesWhatItCannotEvaluate(String path) {
        assertThatThrownBy(() -> SimpleJsonPath.parse(path)).isInstanceOf(IllegalArgumentException.class);
    }
}
