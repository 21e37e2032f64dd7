package io.kaji.apiserver.table;

import io.kaji.apiserver.serialization.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/** Small cell helpers shared by the column sets: texts with defaults, ages, selectors, container lists. */
public final class Cells {

    public static final String NONE = "<none>";

    private Cells() {
    }

    public static String text(JsonNode o, String path, String fallback) {
        String t = Json.text(o, path);
        return t == null || t.isEmpty() ? fallback : t;
    }

    public static long number(JsonNode o, String path) {
        return Json.longAt(o, path, 0);
    }

    /** The age since the timestamp at {@code path}, or {@code <unknown>} without one. */
    public static String age(JsonNode o, String path, Instant now) {
        Instant t = instant(o, path);
        return t == null ? "<unknown>" : HumanDuration.format(Duration.between(t, now));
    }

    public static Instant instant(JsonNode o, String path) {
        String ts = Json.text(o, path);
        if (ts == null || ts.isEmpty()) {
            return null;
        }
        Instant quick = utcSeconds(ts);
        if (quick != null) {
            return quick;
        }
        try {
            return Instant.parse(ts);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The form Kubernetes writes timestamps in ({@code 2026-11-26T10:00:00Z}, RFC 3339 in UTC to the second) read
     * without a formatter, which a Table of thousands of rows would otherwise spend most of its time in; null for
     * any other form.
     */
    static Instant utcSeconds(String ts) {
        if (ts.length() != 20 || ts.charAt(4) != '-' || ts.charAt(7) != '-' || ts.charAt(10) != 'T'
                || ts.charAt(13) != ':' || ts.charAt(16) != ':' || ts.charAt(19) != 'Z') {
            return null;
        }
        int year = digits(ts, 0, 4);
        int month = digits(ts, 5, 2);
        int day = digits(ts, 8, 2);
        int hour = digits(ts, 11, 2);
        int minute = digits(ts, 14, 2);
        int second = digits(ts, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return null;
        }
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second);
    }

    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** The list at a dotted path, or an empty list. */
    public static List<JsonNode> list(JsonNode o, String path) {
        JsonNode n = Json.at(o, path);
        List<JsonNode> out = new ArrayList<>();
        if (n != null && n.isArray()) {
            n.forEach(out::add);
        }
        return out;
    }

    /** Comma-joined {@code field} of each element of the list at {@code path}, or {@code <none>}. */
    public static String join(JsonNode o, String path, String field) {
        List<String> parts = new ArrayList<>();
        for (JsonNode e : list(o, path)) {
            String t = Json.text(e, field);
            if (t != null) {
                parts.add(t);
            }
        }
        return parts.isEmpty() ? NONE : String.join(",", parts);
    }

    /** A map as {@code k=v,k2=v2} in key order, or {@code <none>}. */
    public static String labels(JsonNode map) {
        if (map == null || !map.isObject() || map.isEmpty()) {
            return NONE;
        }
        Map<String, String> sorted = new TreeMap<>();
        map.forEachEntry((k, v) -> sorted.put(k, v.isString() ? v.stringValue() : v.toString()));
        List<String> parts = new ArrayList<>();
        sorted.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(",", parts);
    }

    /**
     * A metav1.LabelSelector as text, the way {@code metav1.FormatLabelSelector} prints it:
     * {@code app=web,tier in (a,b)}; {@code <none>} for an empty selector.
     */
    public static String selector(JsonNode sel) {
        if (sel == null || !sel.isObject()) {
            return NONE;
        }
        List<String> parts = new ArrayList<>();
        JsonNode ml = sel.get("matchLabels");
        if (ml != null && ml.isObject()) {
            Map<String, String> sorted = new TreeMap<>();
            ml.forEachEntry((k, v) -> sorted.put(k, v.asString()));
            sorted.forEach((k, v) -> parts.add(k + "=" + v));
        }
        JsonNode me = sel.get("matchExpressions");
        if (me != null && me.isArray()) {
            for (JsonNode e : me) {
                String key = text(e, "key", "");
                String op = text(e, "operator", "");
                List<String> values = new ArrayList<>();
                JsonNode vs = e.get("values");
                if (vs != null) {
                    vs.forEach(v -> values.add(v.asString()));
                }
                switch (op) {
                    case "In" -> parts.add(key + " in (" + String.join(",", values) + ")");
                    case "NotIn" -> parts.add(key + " notin (" + String.join(",", values) + ")");
                    case "Exists" -> parts.add(key);
                    case "DoesNotExist" -> parts.add("!" + key);
                    default -> parts.add(key + " " + op);
                }
            }
        }
        return parts.isEmpty() ? NONE : String.join(",", parts);
    }

    /** Container names of a pod template at {@code specPath} (e.g. {@code spec.template.spec}). */
    public static String containerNames(JsonNode o, String specPath) {
        return join(o, specPath + ".containers", "name");
    }

    public static String containerImages(JsonNode o, String specPath) {
        return join(o, specPath + ".containers", "image");
    }
}
