package io.kaji.support.bundle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * Removes secret values from what goes into a support bundle, and records what it removed (never the value).
 *
 * <ul>
 *   <li>Secrets: every {@code data}/{@code stringData} value, and the {@code last-applied-configuration}
 *       annotation (which holds the applied Secret whole);</li>
 *   <li>any object: values of environment variables, ConfigMap keys and annotations whose name looks sensitive
 *       ({@code password}, {@code token}, {@code secret}, {@code apikey}, {@code credential}, {@code private key},
 *       ...);</li>
 *   <li>any string anywhere (object fields, command lines, log lines): {@code name=value} / {@code name: value}
 *       pairs with a sensitive name, bearer/basic authorization headers, JWTs, PEM private keys, URLs with a
 *       password ({@code scheme://user:pass@host}) and AWS access key ids.</li>
 * </ul>
 *
 * Redaction is conservative: it removes more than needed rather than less. Thread-confined (it collects the
 * report).
 */
public final class Redactor {

    /** What was removed: where, and by which rule. Never the value. */
    public record Redaction(String file, String path, String rule) {
    }

    static final String MASK = "[REDACTED]";
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String SENSITIVE_NAME =
            "(?:[A-Za-z0-9_.-]*?(?:passw(?:or)?d|passphrase|secret|token|api[_.-]?key|apikey|access[_.-]?key|"
                    + "private[_.-]?key|credential|auth(?:orization)?|session[_.-]?id|cookie|client[_.-]?secret)"
                    + "[A-Za-z0-9_.-]*)";
    private static final Pattern SENSITIVE_KEY = Pattern.compile("(?i)^" + SENSITIVE_NAME + "$");
    private static final List<Rule> STRING_RULES = List.of(
            new Rule("pem-private-key", Pattern.compile(
                    "-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"), null),
            new Rule("authorization-header", Pattern.compile("(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{8,}"), 1),
            new Rule("jwt", Pattern.compile("\\beyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*"), null),
            new Rule("url-password", Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://[^\\s:/@]+:)[^\\s@/]+(@)"), -1),
            new Rule("aws-access-key", Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b"), null),
            new Rule("sensitive-assignment", Pattern.compile("(?i)((?:--)?" + SENSITIVE_NAME
                    + "\\\\?\"?\\s*[=:]\\s*\\\\?\"?)(?!\\[REDACTED]|(?i:bearer|basic)\\s)([^\\s\"',;&\\\\]+)"),
                    2));

    /** A pattern; {@code keep} says which part survives: null none, n ≥ 1 group n as a prefix, -1 groups 1+2. */
    private record Rule(String name, Pattern pattern, Integer keep) {
    }

    private final List<Redaction> report = new ArrayList<>();

    /** Everything removed so far. */
    public List<Redaction> report() {
        return List.copyOf(report);
    }

    /** Records a redaction done by the caller (e.g. a masked configuration value). */
    public void record(String file, String path, String rule) {
        report.add(new Redaction(file, path, rule));
    }

    /** Whether a key (env var name, ConfigMap key, annotation) names something secret. */
    static boolean sensitiveKey(String key) {
        return SENSITIVE_KEY.matcher(key).matches();
    }

    /** Redacts one Kubernetes object (JSON tree) in place. */
    public void object(ObjectNode obj, String file) {
        String kind = obj.path("kind").asString("");
        String where = kind + "/" + obj.path("metadata").path("namespace").asString("") + "/"
                + obj.path("metadata").path("name").asString("");
        if (kind.equals("Secret")) {
            for (String field : List.of("data", "stringData")) {
                JsonNode data = obj.get(field);
                if (data instanceof ObjectNode o) {
                    for (Map.Entry<String, JsonNode> e : o.properties()) {
                        e.setValue(StringNode.valueOf(MASK));
                        report.add(new Redaction(file, where + " ." + field + "." + e.getKey(), "secret-data"));
                    }
                }
            }
            JsonNode annotations = obj.path("metadata").path("annotations");
            if (annotations instanceof ObjectNode a
                    && a.has("kubectl.kubernetes.io/last-applied-configuration")) {
                a.put("kubectl.kubernetes.io/last-applied-configuration", MASK);
                report.add(new Redaction(file, where + " .metadata.annotations[last-applied-configuration]",
                        "secret-data"));
            }
        }
        walk(obj, "", file, where);
    }

    private void walk(JsonNode node, String path, String file, String where) {
        if (node instanceof ObjectNode o) {
            // {name: PASSWORD, value: x} as in env vars.
            if (o.has("name") && o.get("value") instanceof StringNode && sensitiveKey(o.get("name").asString())) {
                o.put("value", MASK);
                report.add(new Redaction(file, where + " " + path + "[" + o.get("name").asString() + "]",
                        "sensitive-name"));
            }
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                String p = path + "." + e.getKey();
                if (e.getValue() instanceof StringNode s && sensitiveKey(e.getKey()) && !s.asString().equals(MASK)
                        && !s.asString().isEmpty() && !isReference(path)) {
                    e.setValue(StringNode.valueOf(MASK));
                    report.add(new Redaction(file, where + " " + p, "sensitive-name"));
                } else if (e.getValue() instanceof StringNode s) {
                    String cleaned = embedded(s.asString(), file, where + " " + p);
                    if (!cleaned.equals(s.asString())) {
                        e.setValue(StringNode.valueOf(cleaned));
                    }
                } else {
                    walk(e.getValue(), p, file, where);
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                JsonNode v = a.get(i);
                if (v instanceof StringNode s) {
                    String cleaned = embedded(s.asString(), file, where + " " + path + "[" + i + "]");
                    if (!cleaned.equals(s.asString())) {
                        a.set(i, StringNode.valueOf(cleaned));
                    }
                } else {
                    walk(v, path + "[" + i + "]", file, where);
                }
            }
        }
    }

    /**
     * A string field's value redacted: a JSON object inside a string (kubectl's last-applied-configuration, JSON
     * kept in annotations or ConfigMaps) is redacted as an object of its own, so that an env var applied with
     * kubectl does not survive in the annotation; anything else as free text.
     */
    private String embedded(String value, String file, String where) {
        String t = value.strip();
        if (t.length() > 1 && t.charAt(0) == '{' && t.charAt(t.length() - 1) == '}') {
            try {
                JsonNode parsed = JSON.readTree(t);
                if (parsed instanceof ObjectNode obj) {
                    String before = obj.toString();
                    object(obj, file);
                    String after = obj.toString();
                    return after.equals(before) ? value : after;
                }
            } catch (RuntimeException notJson) {
                // not JSON after all: treat as text
            }
        }
        return text(value, file, where);
    }

    /**
     * Fields that name a secret rather than hold one ({@code secretKeyRef.name}, {@code secretName},
     * {@code serviceAccountToken.path}) keep their values: they are what a support engineer needs to see.
     */
    private static boolean isReference(String path) {
        return path.endsWith("secretKeyRef") || path.endsWith("secretRef") || path.endsWith(".secret")
                || path.endsWith("serviceAccountToken") || path.endsWith("tokenRequests");
    }

    /** Redacts secret-looking parts of free text (a log line, a command line, an annotation). */
    public String text(String s, String file, String where) {
        String out = s;
        for (Rule r : STRING_RULES) {
            Matcher m = r.pattern().matcher(out);
            if (!m.find()) {
                continue;
            }
            StringBuilder sb = new StringBuilder();
            m.reset();
            while (m.find()) {
                String replacement;
                if (r.keep() == null) {
                    replacement = MASK;
                } else if (r.keep() == -1) {
                    replacement = m.group(1) + MASK + m.group(2);
                } else if (r.keep() == 1) {
                    replacement = m.group(1) + " " + MASK;
                } else {
                    replacement = m.group(1) + MASK;
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
                report.add(new Redaction(file, where, r.name()));
            }
            m.appendTail(sb);
            out = sb.toString();
        }
        return out;
    }
}
