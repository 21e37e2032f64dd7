package io.kaji.apiserver.schema;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of a fabric8 model class, read by reflection from its {@code @JsonProperty} fields: which properties an
 * object has and what type each one is. Used to find unknown fields (strict field validation) and to generate
 * OpenAPI schemas. Thread-safe; shapes are computed once per class and published only when complete.
 */
public final class ModelSchema {

    /** What a JSON value of a property is. */
    public sealed interface Shape {
    }

    /** A model object with named properties (in declaration order). */
    public record ObjectShape(Class<?> type, Map<String, Shape> properties) implements Shape {
    }

    /** A JSON array of {@code items}. */
    public record ArrayShape(Shape items) implements Shape {
    }

    /** A JSON object with arbitrary keys and values of {@code values}. */
    public record MapShape(Shape values) implements Shape {
    }

    /** A scalar: string, integer, number, boolean, or int-or-string / quantity. */
    public record ScalarShape(String type, String format) implements Shape {
    }

    /** Anything goes (free-form JSON, raw extensions). */
    public record AnyShape() implements Shape {
    }

    /**
     * Shapes by class, guarded by the class lock: a shape is registered before its properties are filled (so
     * that recursive types terminate), and only the thread building it may see it until it is complete.
     */
    private static final Map<Class<?>, ObjectShape> SHAPES = new HashMap<>();
    /** Complete shapes, read without the lock: {@link #of} runs for every request body. */
    private static final Map<Class<?>, ObjectShape> COMPLETE = new java.util.concurrent.ConcurrentHashMap<>();

    private ModelSchema() {
    }

    /** The shape of a model class, complete (thread-safe: built once, under a lock). */
    public static ObjectShape of(Class<?> modelClass) {
        ObjectShape complete = COMPLETE.get(modelClass);
        if (complete != null) {
            return complete;
        }
        ObjectShape built = build(modelClass);
        COMPLETE.put(modelClass, built);
        return built;
    }

    private static synchronized ObjectShape build(Class<?> modelClass) {
        ObjectShape cached = SHAPES.get(modelClass);
        if (cached != null) {
            return cached;
        }
        // Recursive types (JSONSchemaProps) refer back to themselves: register a placeholder first. Other threads
        // cannot see it before it is filled, because they wait for this lock.
        Map<String, Shape> props = new LinkedHashMap<>();
        ObjectShape shape = new ObjectShape(modelClass, Collections.unmodifiableMap(props));
        SHAPES.put(modelClass, shape);
        for (Class<?> c = modelClass; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.isAnnotationPresent(JsonIgnore.class)) {
                    continue;
                }
                JsonProperty p = f.getAnnotation(JsonProperty.class);
                if (p == null) {
                    continue;
                }
                String name = p.value().isEmpty() ? f.getName() : p.value();
                props.putIfAbsent(name, shapeOf(f.getGenericType()));
            }
        }
        return shape;
    }

    static Shape shapeOf(Type type) {
        if (type instanceof ParameterizedType pt) {
            Class<?> raw = (Class<?>) pt.getRawType();
            Type[] args = pt.getActualTypeArguments();
            if (List.class.isAssignableFrom(raw) || java.util.Set.class.isAssignableFrom(raw)) {
                return new ArrayShape(shapeOf(args[0]));
            }
            if (Map.class.isAssignableFrom(raw)) {
                return new MapShape(shapeOf(args[1]));
            }
            return new AnyShape();
        }
        if (!(type instanceof Class<?> c)) {
            return new AnyShape();
        }
        if (c == String.class) {
            return new ScalarShape("string", "");
        }
        if (c == Integer.class || c == int.class) {
            return new ScalarShape("integer", "int32");
        }
        if (c == Long.class || c == long.class) {
            return new ScalarShape("integer", "int64");
        }
        if (c == Double.class || c == double.class || c == Float.class || c == float.class) {
            return new ScalarShape("number", "double");
        }
        if (c == Boolean.class || c == boolean.class) {
            return new ScalarShape("boolean", "");
        }
        if (c.getSimpleName().equals("IntOrString")) {
            return new ScalarShape("int-or-string", "int-or-string");
        }
        if (c.getSimpleName().equals("Quantity")) {
            return new ScalarShape("int-or-string", "quantity");
        }
        if (c.getName().startsWith("io.fabric8.kubernetes.api.model") && !c.isInterface()
                && !Modifier.isAbstract(c.getModifiers()) && !c.isEnum() && hasJsonProperties(c)) {
            return build(c);
        }
        return new AnyShape();
    }

    private static boolean hasJsonProperties(Class<?> c) {
        for (Field f : c.getDeclaredFields()) {
            if (f.isAnnotationPresent(JsonProperty.class)) {
                return true;
            }
        }
        return false;
    }
}
