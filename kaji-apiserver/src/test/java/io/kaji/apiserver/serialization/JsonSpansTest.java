package io.kaji.apiserver.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonSpansTest {

    private static String valueOf(String json, String field) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        long span = JsonSpans.topLevelValue(b, field);
        return span == JsonSpans.NONE ? null
                : new String(b, JsonSpans.start(span), JsonSpans.end(span) - JsonSpans.start(span),
                        StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"}\"}},\"spec\":{}}|metadata|"
                    + "{\"name\":\"a\",\"labels\":{\"x\":\"}\"}}",
            // a nested field of the same name and braces and escaped quotes inside strings do not confuse it
            "{\"spec\":{\"metadata\":{\"name\":\"inner\"}},\"s\":\"a\\\"{[\",\"metadata\":{\"n\":[1,{\"b\":2}]}}|"
                    + "metadata|{\"n\":[1,{\"b\":2}]}",
            "{ \"a\" : 12.5e3 , \"metadata\" :\t{ } }|metadata|{ }",
            "{\"a\":true,\"b\":null,\"c\":[[],{}],\"d\":-1}|d|-1",
            "{\"a\":true,\"b\":null}|b|null",
            "{\"a\":\"x\"}|metadata|NULL",
            "{}|metadata|NULL",
            "[{\"metadata\":{}}]|metadata|NULL",
            "{\"metadata\":{\"name\":|metadata|NULL",
            "{\"metadata\"|metadata|NULL",
            "{\"metadatax\":1,\"metadat\":2}|metadata|NULL"})
    void findsTheValueOfATopLevelField(String json, String field, String expected) {
        assertThat(valueOf(json, field)).isEqualTo(expected);
    }
}
