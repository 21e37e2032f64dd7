package io.kaji.apiserver.serialization;

import io.kaji.apiserver.errors.ApiException;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one JSON mapper of the API server (Jackson 3, the version the fabric8 model classes are built for) and
 * small helpers for reading Kubernetes objects as trees. Thread-safe: the mapper is immutable.
 */
public final class Json {

    /** Shared mapper; objects are written with properties in their declared (Kubernetes) order. */
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(tools.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .build();

    /** A mapper that rejects duplicate keys; used to parse request bodies under strict field validation. */
    public static final JsonMapper STRICT_MAPPER = MAPPER.rebuild()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Json() {
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /**
     * Parses a request body that must be a JSON object.
     *
     * @throws ApiException 400 BadRequest naming the parse problem
     */
    public static ObjectNode parseObject(byte[] body) {
        return parseObject(body, MAPPER);
    }

    /** Like {@link #parseObject(byte[])} with the given mapper (e.g. {@link #STRICT_MAPPER}). */
    public static ObjectNode parseObject(byte[] body, JsonMapper mapper) {
        JsonNode node = parse(body, mapper);
        if (!node.isObject()) {
            throw ApiException.badRequest("the body of the request must be a JSON object, got " + node.getNodeType());
        }
        return (ObjectNode) node;
    }

    /** Parses any JSON value; 400 BadRequest when it is not JSON. */
    public static JsonNode parse(byte[] body, JsonMapper mapper) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("the body of the request is empty; a JSON object is required");
        }
        try {
            JsonNode node = mapper.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiException.badRequest("the body of the request is empty; a JSON object is required");
            }
            return node;
        } catch (JacksonException e) {
            throw ApiException.badRequest("the body of the request is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * {@code metadata.name} of a JSON object, read without building its tree (the audit log names created objects
     * from their request bodies); null when the body is not a JSON object, has no such string, or is malformed.
     */
    public static String metadataName(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try (JsonParser p = MAPPER.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                        String m = p.currentName();
                        JsonToken v = p.nextToken();
                        if (m.equals("name")) {
                            return v == JsonToken.VALUE_STRING ? p.getString() : null;
                        }
                        p.skipChildren();
                    }
                    return null;
                }
                p.skipChildren();
            }
            return null;
        } catch (JacksonException e) {
            return null;
        }
    }

    public static byte[] bytes(JsonNode node) {
        return MAPPER.writeValueAsBytes(node);
    }

    /**
     * Whether two trees are the same JSON: equal, with numbers compared by value whatever their node type (an
     * {@code int} a parser made and a {@code long} code put are the same number once written). What comparing the
     * two after a round trip through their JSON text answers, without writing or parsing either.
     */
    public static boolean sameJson(JsonNode a, JsonNode b) {
        return a.equals(NUMBERS_BY_VALUE, b);
    }

    /** Orders nothing: 0 for leaves that {@link #sameJson} takes as equal, 1 otherwise. */
    private static final java.util.Comparator<JsonNode> NUMBERS_BY_VALUE = (x, y) -> {
        if (x.equals(y)) {
            return 0;
        }
        if (x.isNumber() && y.isNumber()) {
            if (x.isIntegralNumber() && y.isIntegralNumber()) {
                return x.bigIntegerValue().equals(y.bigIntegerValue()) ? 0 : 1;
            }
            if (x.isFloatingPointNumber() && y.isFloatingPointNumber()) {
                return x.decimalValue().compareTo(y.decimalValue()) == 0 ? 0 : 1;
            }
        }
        return 1;
    };

    public static String string(JsonNode node) {
        return MAPPER.writeValueAsString(node);
    }

    public static ObjectNode parseTrusted(byte[] stored) {
        return (ObjectNode) MAPPER.readTree(stored);
    }

    public static ObjectNode parseTrusted(String stored) {
        return (ObjectNode) MAPPER.readTree(stored.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The text at a dotted path ({@code "metadata.name"}), or {@code null} when absent or not a string.
     * Numbers and booleans are rendered as text so that field selectors can compare them.
     */
    public static String text(JsonNode node, String dottedPath) {
        JsonNode n = at(node, dottedPath);
        if (n == null || n.isNull() || n.isMissingNode() || n.isContainer()) {
            return null;
        }
        return n.isString() ? n.stringValue() : n.toString();
    }

    /** The {@code metadata.labels} of an object (or of a pod template) as a map; empty when there are none. */
    public static java.util.Map<String, String> labels(JsonNode object) {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        if (object != null) {
            object.path("metadata").path("labels").properties().forEach(e -> out.put(e.getKey(),
                    e.getValue().asString("")));
        }
        return out;
    }

    /** The node at a dotted path, or {@code null}. */
    public static JsonNode at(JsonNode node, String dottedPath) {
        JsonNode n = node;
        for (String part : pathParts(dottedPath)) {
            if (n == null || !n.isObject()) {
                return null;
            }
            n = n.get(part);
        }
        return n;
    }

    /**
     * The parts of dotted paths, split once: Table cells and selectors look paths up per object and column, and a
     * part split afresh each time also has its hash computed afresh. Paths come from code and from the field
     * selectors a resource allows, so there are few; past {@link #MAX_PATHS} they are split each time.
     */
    private static final java.util.Map<String, String[]> PATHS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_PATHS = 4096;

    private static String[] pathParts(String dottedPath) {
        String[] parts = PATHS.get(dottedPath);
        if (parts == null) {
            parts = dottedPath.split("\\.");
            if (PATHS.size() < MAX_PATHS) {
                PATHS.put(dottedPath, parts);
            }
        }
        return parts;
    }

    /** The object at {@code field}, created when absent or not an object. */
    public static ObjectNode objectAt(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ObjectNode o) {
            return o;
        }
        return parent.putObject(field);
    }

    /** The object's metadata, created when absent. */
    public static ObjectNode metadata(ObjectNode obj) {
        return objectAt(obj, "metadata");
    }

    public static long longAt(JsonNode node, String dottedPath, long fallback) {
        JsonNode n = at(node, dottedPath);
        return n != null && n.isNumber() ? n.longValue() : fallback;
    }
}
