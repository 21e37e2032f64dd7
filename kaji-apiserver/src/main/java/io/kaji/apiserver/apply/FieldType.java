package io.kaji.apiserver.apply;

import io.kaji.apiserver.schema.ModelSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The schema of a value as server-side apply needs it: scalar, struct (named fields), map (arbitrary keys), list
 * (atomic, set, or associative by key fields), or untyped. Built from the fabric8 model classes' shapes
 * ({@link ModelSchema}, read once per class) and {@link ListTypes}; the types of a struct's fields are resolved on
 * first use and then cached, so walking an object costs no reflection. Immutable once resolved; thread-safe.
 *
 * <p>Untyped values (custom resources without a schema, free-form fields) follow structured-merge-diff's
 * "deduced" type: objects are granular maps, lists are atomic.
 */
public final class FieldType {

    /** What kind of value a type describes. */
    public enum Kind { SCALAR, STRUCT, MAP, LIST, UNTYPED }

    /** Any scalar. */
    public static final FieldType SCALAR = new FieldType(Kind.SCALAR, false, null, null, null, null);
    /** A value without schema: granular objects, atomic lists. */
    public static final FieldType UNTYPED = new FieldType(Kind.UNTYPED, false, null, null, null, null);

    private static final Map<Class<?>, FieldType> STRUCTS = new ConcurrentHashMap<>();
    /** Structs held by value in their owner ({@link ListTypes#alwaysPresent}), by owner.field. */
    private static final Map<String, FieldType> VALUE_STRUCTS = new ConcurrentHashMap<>();

    private final Kind kind;
    private final boolean atomic;
    private final ModelSchema.ObjectShape shape;
    private final FieldType elements;
    private final ListTypes.ListType listType;
    private final Map<String, JsonNode> keyDefaults;
    private final List<String> sortedKeys;
    private final Map<String, FieldType> fields;
    private boolean alwaysPresent;

    private FieldType(Kind kind, boolean atomic, ModelSchema.ObjectShape shape, FieldType elements,
            ListTypes.ListType listType, Map<String, JsonNode> keyDefaults) {
        this.kind = kind;
        this.atomic = atomic;
        this.shape = shape;
        this.elements = elements;
        this.listType = listType;
        this.keyDefaults = keyDefaults;
        this.sortedKeys = listType == null ? List.of() : List.copyOf(new java.util.TreeSet<>(listType.keys()));
        this.fields = new ConcurrentHashMap<>();
    }

    /** A copy of a struct type that its owner always holds; shares the resolved field types. */
    private FieldType(FieldType struct) {
        this.kind = struct.kind;
        this.atomic = struct.atomic;
        this.shape = struct.shape;
        this.elements = null;
        this.listType = null;
        this.keyDefaults = null;
        this.sortedKeys = List.of();
        this.fields = struct.fields;
        this.alwaysPresent = true;
    }

    /** The type of objects of a fabric8 model class; {@link #UNTYPED} for a class without known properties. */
    public static FieldType of(Class<?> modelClass) {
        if (modelClass == null) {
            return UNTYPED;
        }
        return STRUCTS.computeIfAbsent(modelClass, c -> {
            ModelSchema.ObjectShape s = ModelSchema.of(c);
            return new FieldType(Kind.STRUCT, ListTypes.atomicStruct(c.getSimpleName()), s, null, null, null);
        });
    }

    /** An atomic list of {@code elements}. */
    static FieldType atomicList(FieldType elements) {
        return new FieldType(Kind.LIST, true, null, elements, null, null);
    }

    /** A set of scalars. */
    static FieldType setList() {
        return new FieldType(Kind.LIST, false, null, SCALAR, new ListTypes.ListType(true, List.of(), Map.of()),
                Map.of());
    }

    /** A list of {@code elements} keyed by {@code keys}. */
    static FieldType mapList(FieldType elements, List<String> keys, Map<String, Object> defaults) {
        Map<String, JsonNode> d = new java.util.HashMap<>();
        defaults.forEach((k, v) -> d.put(k, v instanceof Number n ? JsonNodeFactory.instance.numberNode(n.longValue())
                : JsonNodeFactory.instance.stringNode(String.valueOf(v))));
        return new FieldType(Kind.LIST, false, null, elements, new ListTypes.ListType(false, keys, defaults),
                Map.copyOf(d));
    }

    /** A map with arbitrary keys and values of {@code elements}. */
    static FieldType map(FieldType elements, boolean atomic) {
        return new FieldType(Kind.MAP, atomic, null, elements, null, null);
    }

    /** A struct with the named fields given (for tests and hand-built schemas). */
    static FieldType struct(Map<String, FieldType> namedFields, boolean atomic) {
        FieldType t = new FieldType(Kind.STRUCT, atomic, null, null, null, null);
        t.fields.putAll(namedFields);
        return t;
    }

    public Kind kind() {
        return kind;
    }

    /** True for atomic lists, maps and structs: replaced and owned as a whole. */
    public boolean atomic() {
        return atomic;
    }

    /**
     * True for a field the Go object always holds (a struct held by value, a list without omitempty), which
     * Kubernetes therefore never sees added or removed as a whole.
     */
    boolean alwaysPresent() {
        return alwaysPresent;
    }

    /** True for a list of scalars merged as a set. */
    boolean isSet() {
        return listType != null && listType.set();
    }

    /** True for a list keyed by fields. */
    boolean isKeyed() {
        return listType != null && !listType.set();
    }

    List<String> keys() {
        return listType == null ? List.of() : listType.keys();
    }

    /** The key fields sorted by name, as a list element's {@code k:} path element names them. */
    List<String> sortedKeys() {
        return sortedKeys;
    }

    /** The value a missing key field takes, or null. */
    JsonNode keyDefault(String key) {
        return keyDefaults == null ? null : keyDefaults.get(key);
    }

    /** Element type of lists, value type of maps. */
    FieldType elements() {
        return elements == null ? UNTYPED : elements;
    }

    /** True when {@code name} is a named field of this struct (not an arbitrary map key). */
    boolean hasField(String name) {
        return kind == Kind.STRUCT && (fields.containsKey(name) || shape != null && shape.properties().containsKey(name));
    }

    /** The type of the value under {@code name}: a struct's field, a map's value; untyped when unknown. */
    FieldType child(String name) {
        return switch (kind) {
            case MAP -> elements();
            case STRUCT -> {
                FieldType t = fields.get(name);
                if (t == null && shape != null) {
                    ModelSchema.Shape s = shape.properties().get(name);
                    if (s == null) {
                        yield UNTYPED;
                    }
                    t = fields.computeIfAbsent(name, n -> fromShape(s, shape.type().getSimpleName(), n));
                }
                yield t == null ? UNTYPED : t;
            }
            default -> UNTYPED;
        };
    }

    private static FieldType fromShape(ModelSchema.Shape s, String owner, String field) {
        return switch (s) {
            case ModelSchema.ObjectShape o -> ListTypes.alwaysPresent(owner, field)
                    ? VALUE_STRUCTS.computeIfAbsent(owner + "." + field, k -> new FieldType(of(o.type())))
                    : of(o.type());
            case ModelSchema.ScalarShape sc -> SCALAR;
            case ModelSchema.AnyShape a -> UNTYPED;
            case ModelSchema.MapShape m -> map(fromShape(m.values(), owner, field + "[]"),
                    ListTypes.atomicMap(owner, field));
            case ModelSchema.ArrayShape a -> {
                FieldType items = fromShape(a.items(), owner, field + "[]");
                ListTypes.ListType lt = ListTypes.listType(owner, field);
                FieldType list = lt == null ? atomicList(items)
                        : lt.set() ? setList() : mapList(items, lt.keys(), lt.defaults());
                list.alwaysPresent = ListTypes.alwaysPresent(owner, field);
                yield list;
            }
        };
    }

    @Override
    public String toString() {
        return kind + (atomic ? "(atomic)" : "") + (shape != null ? "<" + shape.type().getSimpleName() + ">" : "")
                + (listType != null ? listType.toString() : "");
    }
}
