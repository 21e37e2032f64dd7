package io.kaji.apiserver.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.serialization.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class FieldSetTest {

    static JsonNode json(String s) {
        return Json.parseTrusted(s.replace('\'', '"'));
    }

    static FieldSet set(String fieldsV1) {
        return FieldSet.fromFieldsV1(json(fieldsV1));
    }

    @Test
    void fieldsV1RoundTripsWithTheDotForMembersThatHaveChildren() {
        String v1 = "{'f:metadata':{'f:labels':{'.':{},'f:app':{}}},'f:spec':{'f:replicas':{}}}";
        FieldSet s = set(v1);
        assertThat(s.has(List.of("f:metadata", "f:labels"))).isTrue();
        assertThat(s.has(List.of("f:metadata"))).isFalse();
        assertThat(s.has(List.of("f:spec", "f:replicas"))).isTrue();
        assertThat(s.toFieldsV1()).isEqualTo(json(v1));
    }

    @Test
    void setOperations() {
        FieldSet a = set("{'f:a':{},'f:b':{'.':{},'f:c':{}}}");
        FieldSet b = set("{'f:b':{'f:c':{}},'f:d':{}}");
        assertThat(a.union(b).toFieldsV1()).isEqualTo(json("{'f:a':{},'f:b':{'.':{},'f:c':{}},'f:d':{}}"));
        assertThat(a.difference(b).toFieldsV1()).isEqualTo(json("{'f:a':{},'f:b':{}}"));
        assertThat(a.intersection(b).toFieldsV1()).isEqualTo(json("{'f:b':{'f:c':{}}}"));
        assertThat(a.intersects(b)).isTrue();
        assertThat(a.intersects(set("{'f:x':{}}"))).isFalse();
        assertThat(a.withoutSubtrees(set("{'f:b':{}}")).toFieldsV1()).isEqualTo(json("{'f:a':{}}"));
        assertThat(a.difference(a).isEmpty()).isTrue();
    }

    @Test
    void badFieldsV1IsRefused() {
        assertThatThrownBy(() -> set("{'x:y':{}}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FieldSet.fromFieldsV1(json("{'f:a':1}"))).isInstanceOf(IllegalArgumentException.class);
    }
}
