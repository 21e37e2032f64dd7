package io.kaji.apiserver.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.store.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class StoredObjectsTest {

    /** What the served JSON used to be: the object serialized with its resourceVersion put last in its metadata. */
    private static byte[] servedTheSlowWay(String json, long revision) {
        ObjectNode o = Json.parseTrusted(json);
        Json.metadata(o).remove("resourceVersion");
        Json.metadata(o).put("resourceVersion", Long.toString(revision));
        return Json.bytes(o);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\","
                    + "\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
            // resourceVersion in the middle of the metadata (a client sent one): dropped, then served last
            "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"17\",\"uid\":\"u\"},"
                    + "\"data\":{\"k\":\"caf\\u00e9 \\\"quoted\\\" \\u2603\"}}",
            // the metadata is not the first field, and a nested metadata comes before it
            "{\"spec\":{\"template\":{\"metadata\":{\"name\":\"inner\"}}},\"metadata\":{\"name\":\"outer\"},"
                    + "\"n\":1.5,\"big\":12345678901234,\"t\":true,\"z\":null,\"arr\":[1,[2],{}]}",
            // only a resourceVersion: the served metadata then holds it alone (no comma)
            "{\"metadata\":{\"resourceVersion\":\"3\"},\"kind\":\"X\"}",
            "{\"kind\":\"X\",\"metadata\":{}}"})
    void servedBytesAreTheObjectsJsonWithItsResourceVersion(String json) {
        ObjectNode object = Json.parseTrusted(json);
        StoredObjects.Encoded encoded = StoredObjects.encodeWithRevisionSlot(object);

        assertThat(new String(encoded.stored(), StandardCharsets.UTF_8))
                .isEqualTo(new String(StoredObjects.encode(object), StandardCharsets.UTF_8));
        assertThat(new String(encoded.served(42), StandardCharsets.UTF_8))
                .isEqualTo(new String(servedTheSlowWay(json, 42), StandardCharsets.UTF_8));
        // ... and what reading the stored bytes back at that revision gives
        assertThat(Json.bytes(StoredObjects.decode(new KeyValue("/k", encoded.stored(), 1, 42, 1), 42)))
                .isEqualTo(encoded.served(42));
        assertThat(Json.parseTrusted(json)).as("the object is not changed").isEqualTo(object);
    }

    @Test
    void anObjectWithoutMetadataCannotBeStored() {
        assertThatThrownBy(() -> StoredObjects.encodeWithRevisionSlot(Json.parseTrusted("{\"kind\":\"X\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs metadata");
    }

    @Test
    void metadataNameIsReadWithoutTheTree() {
        record Case(String body, String name) {
        }
        for (Case c : List.of(
                new Case("{\"apiVersion\":\"v1\",\"metadata\":{\"labels\":{\"name\":\"no\"},\"name\":\"web-1\"}}",
                        "web-1"),
                new Case("{\"spec\":{\"metadata\":{\"name\":\"inner\"}},\"metadata\":{\"name\":\"outer\"}}",
                        "outer"),
                new Case("{\"metadata\":{\"generateName\":\"web-\"}}", null),
                new Case("{\"metadata\":{\"name\":7}}", null),
                new Case("{\"metadata\":\"x\",\"kind\":\"Pod\"}", null),
                new Case("[{\"metadata\":{\"name\":\"a\"}}]", null),
                new Case("{\"metadata\":{\"name\":", null),
                new Case("k8s\u0000\n\u0002v1", null),
                new Case("", null))) {
            assertThat(Json.metadataName(c.body().getBytes(StandardCharsets.UTF_8))).as(c.body()).isEqualTo(c.name());
        }
        assertThat(Json.metadataName(null)).isNull();
    }
}
