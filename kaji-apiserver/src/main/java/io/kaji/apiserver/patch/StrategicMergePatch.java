package io.kaji.apiserver.patch;

import io.kaji.apiserver.errors.ApiException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Strategic merge patch ({@code application/strategic-merge-patch+json}) for the built-in kinds: a merge patch
 * whose lists with a merge key ({@link MergeKeys}) merge element by element, plus the directives {@code $patch}
 * (replace, delete, merge), {@code $retainKeys}, {@code $setElementOrder/<list>} and
 * {@code $deleteFromPrimitiveList/<list>}.
 */
public final class StrategicMergePatch {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String PATCH = "$patch";
    private static final String RETAIN_KEYS = "$retainKeys";
    private static final String ORDER = "$setElementOrder/";
    private static final String DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

    private StrategicMergePatch() {
    }

    /** Returns {@code original} patched; neither argument is modified. */
    public static JsonNode apply(JsonNode original, JsonNode patch) {
        if (!patch.isObject()) {
            throw ApiException.badRequest("strategic merge patch must be a JSON object");
        }
        ObjectNode orig = original != null && original.isObject() ? (ObjectNode) original.deepCopy() : F.objectNode();
        JsonNode merged = mergeObject(orig, (ObjectNode) patch, false);
        return merged == null ? F.objectNode() : merged;
    }

    /** Merges {@code patch} into {@code orig} (modified); returns null when the object is to be deleted. */
    private static ObjectNode mergeObject(ObjectNode orig, ObjectNode patch, boolean inContainer) {
        JsonNode directive = patch.get(PATCH);
        if (directive != null) {
            switch (directive.asString()) {
                case "replace" -> {
                    ObjectNode replaced = patch.deepCopy();
                    stripDirectives(replaced);
                    return replaced;
                }
                case "delete" -> {
                    return null;
                }
                case "merge" -> { }
                default -> throw ApiException.badRequest("strategic merge patch: unknown $patch directive \""
                        + directive.asString() + "\"");
            }
        }
        Map<String, JsonNode> orders = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.equals(PATCH) || key.equals(RETAIN_KEYS)) {
                continue;
            }
            if (key.startsWith(ORDER)) {
                orders.put(key.substring(ORDER.length()), value);
                continue;
            }
            if (key.startsWith(DELETE_PRIMITIVE)) {
                String field = key.substring(DELETE_PRIMITIVE.length());
                JsonNode list = orig.get(field);
                if (list instanceof ArrayNode arr && value.isArray()) {
                    Set<JsonNode> drop = new HashSet<>();
                    value.forEach(drop::add);
                    ArrayNode kept = F.arrayNode();
                    arr.forEach(v -> {
                        if (!drop.contains(v)) {
                            kept.add(v);
                        }
                    });
                    orig.set(field, kept);
                }
                continue;
            }
            if (value.isNull()) {
                orig.remove(key);
            } else if (value.isObject()) {
                JsonNode current = orig.get(key);
                boolean container = inContainer || key.equals("containers") || key.equals("initContainers");
                ObjectNode merged = mergeObject(current instanceof ObjectNode o ? o : F.objectNode(),
                        (ObjectNode) value, container);
                if (merged == null) {
                    orig.remove(key);
                } else {
                    orig.set(key, merged);
                }
            } else if (value.isArray()) {
                orig.set(key, mergeList(key, orig.get(key), (ArrayNode) value, inContainer));
            } else {
                orig.set(key, value.deepCopy());
            }
        }
        for (Map.Entry<String, JsonNode> e : orders.entrySet()) {
            if (orig.get(e.getKey()) instanceof ArrayNode list && e.getValue().isArray()) {
                orig.set(e.getKey(), reorder(e.getKey(), list, (ArrayNode) e.getValue(), inContainer));
            }
        }
        JsonNode retain = patch.get(RETAIN_KEYS);
        if (retain != null && retain.isArray()) {
            Set<String> keep = new HashSet<>();
            retain.forEach(k -> keep.add(k.asString()));
            orig.properties().removeIf(en -> !keep.contains(en.getKey()));
        }
        return orig;
    }

    private static JsonNode mergeList(String field, JsonNode current, ArrayNode patch, boolean inContainer) {
        boolean containerList = field.equals("containers") || field.equals("initContainers")
                || field.equals("ephemeralContainers");
        String key = MergeKeys.mergeKey(field, inContainer);
        for (JsonNode element : patch) {
            if (element.isObject() && "replace".equals(element.path(PATCH).asString(""))) {
                ArrayNode replaced = F.arrayNode();
                for (JsonNode el : patch) {
                    if (!(el.isObject() && el.has(PATCH))) {
                        replaced.add(stripped(el));
                    }
                }
                return replaced;
            }
        }
        if (MergeKeys.mergesPrimitives(field)) {
            ArrayNode out = current instanceof ArrayNode a ? a.deepCopy() : F.arrayNode();
            Set<JsonNode> seen = new HashSet<>();
            out.forEach(seen::add);
            for (JsonNode v : patch) {
                if (seen.add(v)) {
                    out.add(v.deepCopy());
                }
            }
            return out;
        }
        if (key == null || !(current instanceof ArrayNode)) {
            ArrayNode out = F.arrayNode();
            for (JsonNode el : patch) {
                if (!(el.isObject() && "delete".equals(el.path(PATCH).asString("")))) {
                    out.add(stripped(el));
                }
            }
            return out;
        }
        ArrayNode out = ((ArrayNode) current).deepCopy();
        for (JsonNode el : patch) {
            if (!el.isObject()) {
                out.add(el.deepCopy());
                continue;
            }
            JsonNode keyValue = el.get(key);
            int at = indexOf(out, key, keyValue);
            boolean delete = "delete".equals(el.path(PATCH).asString(""));
            if (delete) {
                if (at >= 0) {
                    out.remove(at);
                }
            } else if (at >= 0) {
                ObjectNode merged = mergeObject((ObjectNode) out.get(at), (ObjectNode) el, inContainer || containerList);
                if (merged == null) {
                    out.remove(at);
                } else {
                    out.set(at, merged);
                }
            } else {
                out.add(stripped(el));
            }
        }
        return out;
    }

    private static int indexOf(ArrayNode list, String key, JsonNode value) {
        if (value == null) {
            return -1;
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode v = list.get(i).get(key);
            if (v != null && sameKey(v, value)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean sameKey(JsonNode a, JsonNode b) {
        return a.equals(b) || a.asString("").equals(b.asString(""));
    }

    /** Orders {@code list} as {@code order} says; elements the order does not name keep their place after them. */
    private static ArrayNode reorder(String field, ArrayNode list, ArrayNode order, boolean inContainer) {
        String key = MergeKeys.mergeKey(field, inContainer);
        List<JsonNode> remaining = new ArrayList<>();
        list.forEach(remaining::add);
        ArrayNode out = F.arrayNode();
        for (JsonNode o : order) {
            for (int i = 0; i < remaining.size(); i++) {
                JsonNode el = remaining.get(i);
                boolean match = key == null ? el.equals(o) : el.isObject() && o.isObject() && o.get(key) != null
                        && el.get(key) != null && sameKey(el.get(key), o.get(key));
                if (match) {
                    out.add(el);
                    remaining.remove(i);
                    break;
                }
            }
        }
        remaining.forEach(out::add);
        return out;
    }

    private static JsonNode stripped(JsonNode el) {
        JsonNode copy = el.deepCopy();
        stripDirectives(copy);
        return copy;
    }

    private static void stripDirectives(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.properties().removeIf(e -> e.getKey().startsWith("$"));
            o.forEach(StrategicMergePatch::stripDirectives);
        } else if (node instanceof ArrayNode a) {
            a.forEach(StrategicMergePatch::stripDirectives);
        }
    }
}
