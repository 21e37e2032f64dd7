package io.kaji.apiserver.patch;

import io.kaji.apiserver.errors.ApiException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * RFC 6902 JSON patch ({@code application/json-patch+json}): add, remove, replace, move, copy, test. A failing
 * operation fails the whole patch with a 422-style message naming the operation, as Kubernetes does.
 */
public final class JsonPatch {

    private JsonPatch() {
    }

    /** Returns {@code target} with every operation of {@code patch} applied; {@code target} is not modified. */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!patch.isArray()) {
            throw ApiException.badRequest("json patch must be a JSON array of operations");
        }
        JsonNode doc = target.deepCopy();
        for (JsonNode op : patch) {
            String name = text(op, "op");
            String path = text(op, "path");
            if (name == null || path == null) {
                throw ApiException.badRequest("json patch operation " + op + " needs \"op\" and \"path\"");
            }
            switch (name) {
                case "add" -> doc = add(doc, path, value(op));
                case "remove" -> doc = remove(doc, path);
                case "replace" -> {
                    doc = remove(doc, path);
                    doc = add(doc, path, value(op));
                }
                case "move" -> {
                    String from = requireFrom(op);
                    JsonNode v = get(doc, from);
                    doc = add(remove(doc, from), path, v);
                }
                case "copy" -> doc = add(doc, path, get(doc, requireFrom(op)).deepCopy());
                case "test" -> {
                    if (!get(doc, path).equals(value(op))) {
                        throw invalid("testing value " + path + " failed");
                    }
                }
                default -> throw ApiException.badRequest("json patch: unknown operation \"" + name + "\"");
            }
        }
        return doc;
    }

    private static String text(JsonNode op, String field) {
        JsonNode n = op.get(field);
        return n != null && n.isString() ? n.stringValue() : null;
    }

    private static JsonNode value(JsonNode op) {
        if (!op.has("value")) {
            throw ApiException.badRequest("json patch operation " + op + " needs a \"value\"");
        }
        return op.get("value").deepCopy();
    }

    private static String requireFrom(JsonNode op) {
        String from = text(op, "from");
        if (from == null) {
            throw ApiException.badRequest("json patch operation " + op + " needs \"from\"");
        }
        return from;
    }

    private static String[] tokens(String pointer) {
        if (pointer.isEmpty()) {
            return new String[0];
        }
        if (!pointer.startsWith("/")) {
            throw ApiException.badRequest("json patch: path \"" + pointer + "\" must start with '/'");
        }
        String[] parts = pointer.substring(1).split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].replace("~1", "/").replace("~0", "~");
        }
        return parts;
    }

    private static JsonNode get(JsonNode doc, String pointer) {
        JsonNode n = doc;
        for (String t : tokens(pointer)) {
            n = child(n, t);
            if (n == null) {
                throw invalid("doc is missing path: \"" + pointer + "\"");
            }
        }
        return n;
    }

    private static JsonNode child(JsonNode n, String token) {
        if (n instanceof ObjectNode o) {
            return o.get(token);
        }
        if (n instanceof ArrayNode a) {
            int i = index(token, a.size() - 1);
            return a.get(i);
        }
        return null;
    }

    private static JsonNode parentOf(JsonNode doc, String[] t, String pointer) {
        JsonNode n = doc;
        for (int i = 0; i < t.length - 1; i++) {
            n = child(n, t[i]);
            if (n == null) {
                throw invalid("doc is missing path: \"" + pointer + "\"");
            }
        }
        return n;
    }

    private static JsonNode add(JsonNode doc, String pointer, JsonNode value) {
        String[] t = tokens(pointer);
        if (t.length == 0) {
            return value;
        }
        JsonNode parent = parentOf(doc, t, pointer);
        String last = t[t.length - 1];
        if (parent instanceof ObjectNode o) {
            o.set(last, value);
        } else if (parent instanceof ArrayNode a) {
            if (last.equals("-")) {
                a.add(value);
            } else {
                a.insert(index(last, a.size()), value);
            }
        } else {
            throw invalid("doc is missing path: \"" + pointer + "\"");
        }
        return doc;
    }

    private static JsonNode remove(JsonNode doc, String pointer) {
        String[] t = tokens(pointer);
        if (t.length == 0) {
            throw invalid("cannot remove the whole document");
        }
        JsonNode parent = parentOf(doc, t, pointer);
        String last = t[t.length - 1];
        if (parent instanceof ObjectNode o) {
            if (!o.has(last)) {
                throw invalid("Unable to remove nonexistent key: " + last + ": missing value");
            }
            o.remove(last);
        } else if (parent instanceof ArrayNode a) {
            a.remove(index(last, a.size() - 1));
        } else {
            throw invalid("doc is missing path: \"" + pointer + "\"");
        }
        return doc;
    }

    private static int index(String token, int max) {
        try {
            int i = Integer.parseInt(token);
            if (i < 0 || i > max) {
                throw invalid("Unable to access invalid index: " + i);
            }
            return i;
        } catch (NumberFormatException e) {
            throw invalid("Unable to access invalid index: " + token);
        }
    }

    private static ApiException invalid(String why) {
        return new ApiException(422, "Invalid", "the server rejected our request due to an error in our request: "
                + why, null);
    }
}
