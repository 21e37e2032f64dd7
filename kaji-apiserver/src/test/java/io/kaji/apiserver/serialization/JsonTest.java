package io.kaji.apiserver.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.node.ObjectNode;

class JsonTest {

    /** {@link Json#sameJson} answers what comparing the two trees after a round trip through their text answers. */
    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "{\"a\":1,\"b\":[1,2]}|{\"b\":[1,2],\"a\":1}|true",
            "{\"a\":[1,2]}|{\"a\":[2,1]}|false",
            "{\"a\":1}|{\"a\":1.0}|false",
            "{\"a\":1.5}|{\"a\":1.50}|true",
            "{\"a\":\"1\"}|{\"a\":1}|false",
            "{\"a\":null}|{}|false",
            "{\"m\":{\"x\":{\"y\":true}}}|{\"m\":{\"x\":{\"y\":false}}}|false"})
    void sameJsonIsEqualityOfTheWrittenText(String left, String right, boolean same) {
        ObjectNode a = Json.parseTrusted(left);
        ObjectNode b = Json.parseTrusted(right);
        assertThat(Json.sameJson(a, b)).isEqualTo(same);
        assertThat(Json.sameJson(b, a)).isEqualTo(same);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"0", "1", "2147483647", "2147483648", "-5", "9223372036854775807"})
    void aLongPutByCodeIsTheSameNumberAsTheOneTheParserMade(long n) {
        ObjectNode built = Json.object();
        built.putObject("spec").put("replicas", n);
        ObjectNode parsed = Json.parseTrusted("{\"spec\":{\"replicas\":" + n + "}}");
        if (n <= Integer.MAX_VALUE) {
            assertThat(built.equals(parsed)).as("plain equals tells a LongNode from an IntNode").isFalse();
        }
        assertThat(Json.sameJson(built, parsed)).isTrue();
        ((ObjectNode) built.get("spec")).put("replicas", n - 1);
        assertThat(Json.sameJson(built, parsed)).isFalse();
    }
}
