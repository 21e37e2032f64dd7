package io.kaji.apiserver.schema;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Finds and drops fields a model class does not have, the way Kubernetes' strict decoding reports them
 * ({@code unknown field "spec.template.spec.containers[0].imagex"}).
 */
public final class FieldValidation {

    /** The {@code fieldValidation} query parameter. */
    public enum Mode {
        STRICT, WARN, IGNORE;

        /** Parses the parameter; Kubernetes' default is Warn. Unknown values are a 400 at the caller. */
        public static Mode parse(String value) {
            if (value == null || value.isEmpty()) {
                return WARN;
            }
            return switch (value) {
                case "Strict" -> STRICT;
                case "Warn" -> WARN;
                case "Ignore" -> IGNORE;
                default -> null;
            };
        }
    }

    private FieldValidation() {
    }

    /**
     * Removes every field of {@code object} unknown to {@code modelClass} and returns their paths in document
     * order. {@code metadata} keys and top-level {@code apiVersion}/{@code kind} are known by every kind.
     */
    public static List<String> dropUnknown(ObjectNode object, Class<?> modelClass) {
        List<String> unknown = new ArrayList<>();
        walk(object, ModelSchema.of(modelClass), "", unknown);
        return unknown;
    }

    private static void walk(JsonNode node, ModelSchema.Shape shape, String path, List<String> unknown) {
        switch (shape) {
            case ModelSchema.ObjectShape os -> {
                if (!(node instanceof ObjectNode obj)) {
                    return;
                }
                Map<String, ModelSchema.Shape> props = os.properties();
                Iterator<Map.Entry<String, JsonNode>> it = obj.properties().iterator();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                    ModelSchema.Shape s = props.get(e.getKey());
                    if (s == null) {
                        unknown.add(child);
                        it.remove();
                    } else {
                        walk(e.getValue(), s, child, unknown);
                    }
                }
            }
            case ModelSchema.ArrayShape as -> {
                if (node != null && node.isArray()) {
                    for (int i = 0; i < node.size(); i++) {
                        walk(node.get(i), as.items(), path + "[" + i + "]", unknown);
                    }
                }
            }
            case ModelSchema.MapShape ms -> {
                if (node instanceof ObjectNode obj) {
                    for (Map.Entry<String, JsonNode> e : obj.properties()) {
                        walk(e.getValue(), ms.values(), path + "[" + e.getKey() + "]", unknown);
                    }
                }
            }
            default -> { }
        }
    }

    /** Removes JSON nulls from objects, recursively: Go decoding treats a null like an absent field. */
    public static void dropNulls(JsonNode node) {
        if (node instanceof ObjectNode obj) {
            obj.properties().removeIf(e -> e.getValue().isNull());
            for (Map.Entry<String, JsonNode> e : obj.properties()) {
                dropNulls(e.getValue());
            }
        } else if (node != null && node.isArray()) {
            for (JsonNode n : node) {
                dropNulls(n);
            }
        }
    }
}
