package io.kaji.apiserver.apply;

import io.kaji.apiserver.serialization.Json;
import java.util.List;
import java.util.Map;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.databind.JsonNode;

/**
 * Path elements in their FieldsV1 spelling, and their rendering in structured-merge-diff's path syntax (the one
 * conflict messages use: {@code .spec.template.spec.containers[name="web"].image}).
 */
public final class PathElements {

    private PathElements() {
    }

    /** {@code f:<name>}: a field of a struct or a key of a map. */
    public static String field(String name) {
        return "f:" + name;
    }

    /**
     * {@code k:{"a":1,"b":"x"}}: an associative list element by its key fields; {@code names} sorted, each with its
     * scalar value at the same index.
     */
    public static String key(List<String> names, JsonNode[] values) {
        StringBuilder sb = new StringBuilder(16 * names.size() + 4).append("k:{");
        for (int i = 0; i < names.size(); i++) {
            sb.append(i == 0 ? "" : ",");
            appendString(sb, names.get(i));
            sb.append(':');
            appendScalar(sb, values[i]);
        }
        return sb.append('}').toString();
    }

    /** Compact JSON of a scalar, written by hand: this runs for every list element of every write. */
    private static void appendScalar(StringBuilder sb, JsonNode v) {
        if (v.isString()) {
            appendString(sb, v.stringValue());
        } else if (v.isIntegralNumber() || v.isBoolean() || v.isNull()) {
            sb.append(v.toString());
        } else {
            sb.append(Json.string(v));
        }
    }

    private static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        JsonStringEncoder.getInstance().quoteAsString(s, sb);
        sb.append('"');
    }

    /** {@code v:"x"}: an element of a set list, by its value. */
    public static String value(JsonNode scalar) {
        return "v:" + Json.string(scalar);
    }

    /** {@code i:3}: a list element by position. */
    public static String index(int i) {
        return "i:" + i;
    }

    /** A whole path in structured-merge-diff syntax: {@code .spec.ports[port=80,protocol="TCP"].name}. */
    public static String render(List<String> path) {
        StringBuilder sb = new StringBuilder();
        for (String pe : path) {
            sb.append(render(pe));
        }
        return sb.toString();
    }

    /** One path element in structured-merge-diff syntax. */
    public static String render(String pe) {
        String body = pe.substring(2);
        return switch (pe.charAt(0)) {
            case 'f' -> "." + body;
            case 'v' -> "[=" + body + "]";
            case 'i' -> "[" + body + "]";
            case 'k' -> {
                StringBuilder sb = new StringBuilder("[");
                try {
                    JsonNode keys = Json.parseTrusted(body);
                    boolean first = true;
                    for (Map.Entry<String, JsonNode> e : keys.properties()) {
                        sb.append(first ? "" : ",").append(e.getKey()).append('=').append(Json.string(e.getValue()));
                        first = false;
                    }
                } catch (RuntimeException e) {
                    sb.append(body);
                }
                yield sb.append(']').toString();
            }
            default -> pe;
        };
    }
}
