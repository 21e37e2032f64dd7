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
        return check(object, modelClass).unknown();
    }

    /**
     * The outcome of {@link #check}.
     *
     * @param unknown     the paths of the unknown fields removed, in document order
     * @param typesProven true when every remaining value has exactly the JSON type its property declares (objects,
     *                    arrays, maps, strings, integers within range, numbers, booleans, int-or-string) and no
     *                    free-form value occurs: binding such an object to the model class cannot fail, so the
     *                    caller may skip that (costly) decode. False means "not proven", not "wrong".
     */
    public record Checked(List<String> unknown, boolean typesProven) {
    }

    /** Like {@link #dropUnknown}, and also tells whether the value types are proven (see {@link Checked}). */
    public static Checked check(ObjectNode object, Class<?> modelClass) {
        Walk w = new Walk();
        w.walk(object, ModelSchema.of(modelClass), null);
        return new Checked(w.unknown, w.typesProven);
    }

    /** A path from the root, rendered only when a field is unknown (most bodies have none). */
    private record Path(Path parent, String field, int index, String key) {
        String render() {
            String up = parent == null ? "" : parent.render();
            if (field != null) {
                return up.isEmpty() ? field : up + "." + field;
            }
            return up + "[" + (key != null ? key : Integer.toString(index)) + "]";
        }
    }

    private static final class Walk {
        private final List<String> unknown = new ArrayList<>();
        private boolean typesProven = true;

        void walk(JsonNode node, ModelSchema.Shape shape, Path path) {
            switch (shape) {
                case ModelSchema.ObjectShape os -> {
                    if (!(node instanceof ObjectNode obj)) {
                        typesProven = false;
                        return;
                    }
                    if (CUSTOM_DECODING.get(os.type())) {
                        typesProven = false;
                    }
                    Map<String, ModelSchema.Shape> props = os.properties();
                    Iterator<Map.Entry<String, JsonNode>> it = obj.properties().iterator();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        ModelSchema.Shape s = props.get(e.getKey());
                        if (s == null) {
                            unknown.add(new Path(path, e.getKey(), -1, null).render());
                            it.remove();
                        } else {
                            walk(e.getValue(), s, new Path(path, e.getKey(), -1, null));
                        }
                    }
                }
                case ModelSchema.ArrayShape as -> {
                    if (node != null && node.isArray()) {
                        for (int i = 0; i < node.size(); i++) {
                            walk(node.get(i), as.items(), new Path(path, null, i, null));
                        }
                    } else {
                        typesProven = false;
                    }
                }
                case ModelSchema.MapShape ms -> {
                    if (node instanceof ObjectNode obj) {
                        for (Map.Entry<String, JsonNode> e : obj.properties()) {
                            walk(e.getValue(), ms.values(), new Path(path, null, -1, e.getKey()));
                        }
                    } else {
                        typesProven = false;
                    }
                }
                case ModelSchema.ScalarShape ss -> {
                    if (typesProven && !scalarFits(node, ss)) {
                        typesProven = false;
                    }
                }
                case ModelSchema.AnyShape any -> typesProven = false;
            }
        }

        private static boolean scalarFits(JsonNode node, ModelSchema.ScalarShape s) {
            if (node == null) {
                return false;
            }
            return switch (s.type()) {
                case "string" -> node.isString();
                case "integer" -> node.isIntegralNumber()
                        && (s.format().equals("int32") ? node.canConvertToInt() : node.canConvertToLong());
                case "number" -> node.isNumber();
                case "boolean" -> node.isBoolean();
                case "int-or-string" -> s.format().equals("quantity")
                        ? node.isNumber() || node.isString() && isQuantity(node.stringValue())
                        : node.isString() || node.isIntegralNumber() && node.canConvertToInt();
                default -> false;
            };
        }

        /** The model's Quantity deserializer parses strings and rejects malformed ones; so does this check. */
        private static boolean isQuantity(String text) {
            try {
                io.fabric8.kubernetes.api.model.Quantity.parse(text);
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }
    }

    /**
     * Model classes whose binding runs code of their own: a class-level or field-level {@code @JsonDeserialize}
     * naming a deserializer. Their values are never "proven" by the type walk.
     */
    private static final ClassValue<Boolean> CUSTOM_DECODING = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                if (custom(c.getAnnotation(tools.jackson.databind.annotation.JsonDeserialize.class))) {
                    return true;
                }
                for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                    if (custom(f.getAnnotation(tools.jackson.databind.annotation.JsonDeserialize.class))) {
                        return true;
                    }
                }
                for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
                    if (custom(m.getAnnotation(tools.jackson.databind.annotation.JsonDeserialize.class))) {
                        return true;
                    }
                }
            }
            return false;
        }

        private boolean custom(tools.jackson.databind.annotation.JsonDeserialize d) {
            return d != null && (d.using() != tools.jackson.databind.ValueDeserializer.None.class
                    || d.contentUsing() != tools.jackson.databind.ValueDeserializer.None.class
                    || d.keyUsing() != tools.jackson.databind.KeyDeserializer.None.class);
        }
    };

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
