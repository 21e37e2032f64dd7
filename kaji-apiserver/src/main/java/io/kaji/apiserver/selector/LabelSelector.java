package io.kaji.apiserver.selector;

import io.kaji.apiserver.errors.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed {@code labelSelector} query parameter: equality ({@code a=b}, {@code a==b}, {@code a!=b}) and set-based
 * ({@code a in (x,y)}, {@code a notin (x)}, {@code a}, {@code !a}) requirements, all of which must hold.
 * Immutable and thread-safe.
 */
public final class LabelSelector {

    /** One requirement. */
    public record Requirement(String key, Operator op, Set<String> values) {
        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (op) {
                case EQUALS, IN -> v != null && values.contains(v);
                case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
                case EXISTS -> v != null;
                case DOES_NOT_EXIST -> v == null;
            };
        }
    }

    public enum Operator { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

    private static final LabelSelector EVERYTHING = new LabelSelector(List.of());

    private final List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) {
        this.requirements = List.copyOf(requirements);
    }

    public static LabelSelector everything() {
        return EVERYTHING;
    }

    public boolean isEverything() {
        return requirements.isEmpty();
    }

    public List<Requirement> requirements() {
        return requirements;
    }

    public boolean matches(Map<String, String> labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A {@code metav1.LabelSelector} object ({@code matchLabels}, {@code matchExpressions} with In, NotIn, Exists,
     * DoesNotExist); null or empty selects everything. An unknown operator selects nothing, as in Kubernetes.
     */
    public static LabelSelector fromObject(tools.jackson.databind.JsonNode selector) {
        if (selector == null || !selector.isObject()) {
            return EVERYTHING;
        }
        List<Requirement> out = new ArrayList<>();
        selector.path("matchLabels").properties().forEach(e ->
                out.add(new Requirement(e.getKey(), Operator.EQUALS, Set.of(e.getValue().asString("")))));
        for (tools.jackson.databind.JsonNode req : selector.path("matchExpressions")) {
            Set<String> values = new LinkedHashSet<>();
            req.path("values").forEach(v -> values.add(v.asString("")));
            String key = req.path("key").asString("");
            Operator op = switch (req.path("operator").asString("")) {
                case "In" -> Operator.IN;
                case "NotIn" -> Operator.NOT_IN;
                case "Exists" -> Operator.EXISTS;
                case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
                default -> null;
            };
            if (op == null) {
                // nothing has an impossible label value
                out.add(new Requirement(key, Operator.IN, Set.of()));
            } else {
                out.add(new Requirement(key, op, values));
            }
        }
        return out.isEmpty() ? EVERYTHING : new LabelSelector(out);
    }

    /**
     * Parses a selector; null or blank selects everything.
     *
     * @throws ApiException 400 BadRequest naming the problem
     */
    public static LabelSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        List<Requirement> out = new ArrayList<>();
        for (String part : splitTopLevel(text)) {
            out.add(parseRequirement(part.trim(), text));
        }
        return new LabelSelector(out);
    }

    private static Requirement parseRequirement(String s, String whole) {
        if (s.isEmpty()) {
            throw bad(whole, "empty requirement");
        }
        if (s.startsWith("!")) {
            return new Requirement(checkKey(s.substring(1).trim(), whole), Operator.DOES_NOT_EXIST, Set.of());
        }
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        int notin = lower.indexOf(" notin ");
        int in = lower.indexOf(" in ");
        if (notin > 0 || in > 0) {
            boolean isNot = notin > 0;
            int at = isNot ? notin : in;
            String key = s.substring(0, at).trim();
            String rest = s.substring(at + (isNot ? 7 : 4)).trim();
            if (!rest.startsWith("(") || !rest.endsWith(")")) {
                throw bad(whole, "expected a parenthesized value list after '" + (isNot ? "notin" : "in") + "'");
            }
            Set<String> values = new LinkedHashSet<>();
            for (String v : rest.substring(1, rest.length() - 1).split(",")) {
                values.add(checkValue(v.trim(), whole));
            }
            return new Requirement(checkKey(key, whole), isNot ? Operator.NOT_IN : Operator.IN, values);
        }
        int ne = s.indexOf("!=");
        if (ne > 0) {
            return new Requirement(checkKey(s.substring(0, ne).trim(), whole), Operator.NOT_EQUALS,
                    Set.of(checkValue(s.substring(ne + 2).trim(), whole)));
        }
        int eq = s.indexOf("==");
        if (eq > 0) {
            return new Requirement(checkKey(s.substring(0, eq).trim(), whole), Operator.EQUALS,
                    Set.of(checkValue(s.substring(eq + 2).trim(), whole)));
        }
        int e = s.indexOf('=');
        if (e > 0) {
            return new Requirement(checkKey(s.substring(0, e).trim(), whole), Operator.EQUALS,
                    Set.of(checkValue(s.substring(e + 1).trim(), whole)));
        }
        return new Requirement(checkKey(s, whole), Operator.EXISTS, Set.of());
    }

    /** Splits on commas outside parentheses. */
    private static List<String> splitTopLevel(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }

    private static final java.util.regex.Pattern KEY =
            java.util.regex.Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                    + "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final java.util.regex.Pattern VALUE =
            java.util.regex.Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");

    private static String checkKey(String key, String whole) {
        if (!KEY.matcher(key).matches()) {
            throw bad(whole, "invalid label key \"" + key + "\"");
        }
        return key;
    }

    private static String checkValue(String value, String whole) {
        if (value.length() > 63 || !VALUE.matcher(value).matches()) {
            throw bad(whole, "invalid label value: \"" + value + "\"");
        }
        return value;
    }

    private static ApiException bad(String whole, String why) {
        return ApiException.badRequest("unable to parse requirement: " + why + " in label selector \"" + whole + "\"");
    }

    @Override
    public String toString() {
        return requirements.toString();
    }
}
