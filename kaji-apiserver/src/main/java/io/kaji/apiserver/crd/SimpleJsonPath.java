package io.kaji.apiserver.crd;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The JSONPath subset {@code additionalPrinterColumns} use in practice: {@code .a.b}, {@code ['a']},
 * {@code [0]}, {@code [*]} and {@code [?(@.type=="Ready")]} (equality with a string or number). Kubernetes
 * evaluates the full JSONPath grammar; anything else here is refused when the CRD is written. Immutable.
 */
final class SimpleJsonPath {

    private sealed interface Step permits Field, Index, All, Filter {
    }

    private record Field(String name) implements Step {
    }

    private record Index(int index) implements Step {
    }

    private record All() implements Step {
    }

    private record Filter(List<String> path, String literal) implements Step {
    }

    private final List<Step> steps;

    private SimpleJsonPath(List<Step> steps) {
        this.steps = steps;
    }

    /**
     * Parses a path.
     *
     * @throws IllegalArgumentException naming what is not understood
     */
    static SimpleJsonPath parse(String path) {
        String p = path.trim();
        if (p.startsWith("{") && p.endsWith("}")) {
            p = p.substring(1, p.length() - 1);
        }
        if (!p.startsWith(".") && !p.startsWith("[")) {
            throw new IllegalArgumentException("must be a simple json path starting with .");
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
                    end++;
                }
                String name = p.substring(i + 1, end);
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("empty field name at " + i);
                }
                steps.add(new Field(name));
                i = end;
            } else if (c == '[') {
                int end = p.indexOf(']', i);
                if (p.startsWith("[?(", i)) {
                    end = p.indexOf(")]", i) + 1;
                }
                if (end <= i) {
                    throw new IllegalArgumentException("unclosed [ at " + i);
                }
                steps.add(bracket(p.substring(i + 1, end)));
                i = end + 1;
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + i);
            }
        }
        return new SimpleJsonPath(List.copyOf(steps));
    }

    private static Step bracket(String inner) {
        if (inner.equals("*")) {
            return new All();
        }
        if (inner.startsWith("'") && inner.endsWith("'") && inner.length() >= 2) {
            return new Field(inner.substring(1, inner.length() - 1));
        }
        if (inner.startsWith("?(@.") && inner.endsWith(")")) {
            String expr = inner.substring(4, inner.length() - 1);
            int eq = expr.indexOf("==");
            if (eq < 0) {
                throw new IllegalArgumentException("only == filters are supported: " + inner);
            }
            String lit = expr.substring(eq + 2).trim();
            if (lit.length() >= 2 && (lit.startsWith("\"") && lit.endsWith("\"")
                    || lit.startsWith("'") && lit.endsWith("'"))) {
                lit = lit.substring(1, lit.length() - 1);
            }
            return new Filter(List.of(expr.substring(0, eq).trim().split("\\.")), lit);
        }
        try {
            return new Index(Integer.parseInt(inner.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unsupported [" + inner + "]");
        }
    }

    /** The first value the path selects in {@code root}, or null. */
    JsonNode first(JsonNode root) {
        List<JsonNode> current = List.of(root);
        for (Step step : steps) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode n : current) {
                switch (step) {
                    case Field f -> add(next, n.get(f.name()));
                    case Index ix -> {
                        if (n.isArray()) {
                            add(next, n.get(ix.index() < 0 ? n.size() + ix.index() : ix.index()));
                        }
                    }
                    case All a -> n.forEach(next::add);
                    case Filter f -> {
                        for (JsonNode item : n) {
                            JsonNode v = item;
                            for (String seg : f.path()) {
                                v = v == null ? null : v.get(seg);
                            }
                            if (v != null && (v.isString() ? v.stringValue() : v.toString()).equals(f.literal())) {
                                next.add(item);
                            }
                        }
                    }
                }
            }
            current = next;
        }
        return current.isEmpty() ? null : current.get(0);
    }

    private static void add(List<JsonNode> out, JsonNode n) {
        if (n != null && !n.isMissingNode()) {
            out.add(n);
        }
    }
}
