package io.kaji.apiserver.openapi;

import io.kaji.apiserver.schema.ModelSchema;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns fabric8 model classes into OpenAPI v3 component schemas (by reflection, through {@link ModelSchema}):
 * objects with properties, arrays, maps, scalars with formats, and int-or-string. Collects every class a schema
 * refers to. Not thread-safe: one generator per document.
 */
final class SchemaGenerator {

    static final String REF_PREFIX = "#/components/schemas/";

    private final Map<Class<?>, ObjectNode> schemas = new LinkedHashMap<>();
    private final Deque<Class<?>> pending = new ArrayDeque<>();

    /** The component name of a model class. */
    static String name(Class<?> c) {
        return c.getName();
    }

    /** A reference to {@code c}'s schema, generating it (and its dependencies) when {@link #drain()} runs. */
    ObjectNode ref(Class<?> c) {
        if (!schemas.containsKey(c) && !pending.contains(c)) {
            pending.add(c);
        }
        ObjectNode ref = Json.object();
        ref.put("$ref", REF_PREFIX + name(c));
        return ref;
    }

    /** Generates every pending schema; returns name to schema. */
    Map<String, ObjectNode> drain() {
        while (!pending.isEmpty()) {
            Class<?> c = pending.removeFirst();
            if (schemas.containsKey(c)) {
                continue;
            }
            ObjectNode s = Json.object();
            schemas.put(c, s);
            s.put("type", "object");
            ObjectNode props = s.putObject("properties");
            String kindDescription = Descriptions.ofKind(c);
            if (kindDescription != null) {
                s.put("description", kindDescription);
            }
            ModelSchema.of(c).properties().forEach((prop, shape) -> {
                ObjectNode p = schema(shape, true);
                String description = Descriptions.of(c, prop);
                if (description != null && !p.has("$ref")) {
                    p.put("description", description);
                }
                props.set(prop, p);
            });
        }
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        schemas.forEach((c, s) -> out.put(name(c), s));
        return out;
    }

    /** The schema of {@code c} once drained (for adding extensions), or null. */
    ObjectNode generated(Class<?> c) {
        return schemas.get(c);
    }

    private ObjectNode schema(ModelSchema.Shape shape, boolean property) {
        ObjectNode s = Json.object();
        switch (shape) {
            case ModelSchema.ObjectShape os -> {
                if (property) {
                    // Kubernetes wraps property references in allOf so that descriptions can sit beside them.
                    s.putArray("allOf").add(ref(os.type()));
                } else {
                    return ref(os.type());
                }
            }
            case ModelSchema.ArrayShape as -> {
                s.put("type", "array");
                s.set("items", schema(as.items(), false));
            }
            case ModelSchema.MapShape ms -> {
                s.put("type", "object");
                s.set("additionalProperties", schema(ms.values(), false));
            }
            case ModelSchema.ScalarShape sc -> {
                switch (sc.type()) {
                    case "int-or-string" -> s.put("x-kubernetes-int-or-string", true);
                    default -> {
                        s.put("type", sc.type());
                        if (!sc.format().isEmpty()) {
                            s.put("format", sc.format());
                        }
                    }
                }
            }
            case ModelSchema.AnyShape any -> s.put("x-kubernetes-preserve-unknown-fields", true);
        }
        return s;
    }
}
