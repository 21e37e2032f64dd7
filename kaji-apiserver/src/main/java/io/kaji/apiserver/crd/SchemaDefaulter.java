package io.kaji.apiserver.crd;

import java.util.ArrayList;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Structural defaulting: an absent property whose schema has a {@code default} gets a copy of it, recursively
 * (defaults inside a default apply too); a {@code null} in a property that is not {@code nullable} is replaced by
 * the default or, without one, removed, as Kubernetes does before validation. Stateless.
 */
final class SchemaDefaulter {

    private SchemaDefaulter() {
    }

    /** Applies the defaults of {@code schema} to {@code node} in place. */
    static void apply(JsonNode node, StructuralSchema schema) {
        if (node instanceof ObjectNode obj) {
            for (Map.Entry<String, StructuralSchema> p : schema.properties.entrySet()) {
                JsonNode v = obj.get(p.getKey());
                StructuralSchema ps = p.getValue();
                boolean nullNotAllowed = v != null && v.isNull() && !ps.nullable;
                if ((v == null || nullNotAllowed) && ps.defaultValue != null) {
                    obj.set(p.getKey(), ps.defaultValue.deepCopy());
                } else if (nullNotAllowed) {
                    obj.remove(p.getKey());
                }
            }
            for (Map.Entry<String, JsonNode> e : new ArrayList<>(obj.properties())) {
                StructuralSchema s = schema.property(e.getKey());
                if (s != null) {
                    apply(e.getValue(), s);
                }
            }
        } else if (node != null && node.isArray() && schema.items != null) {
            for (JsonNode item : node) {
                apply(item, schema.items);
            }
        }
    }
}
