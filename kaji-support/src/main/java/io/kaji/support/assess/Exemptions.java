package io.kaji.support.assess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Accepted risks: findings that match a rule are kept in the report, marked with the rule's reason, but no longer
 * count for a check's status, the scores or {@code --fail-on}. The file is YAML:
 *
 * <pre>
 * exemptions:
 *   - check: "5.2.5"            # a check id, or a prefix ending in * ("5.2.*"); omitted: every check
 *     namespace: kube-system    # omitted: any namespace
 *     kind: DaemonSet           # omitted: any kind
 *     name: kube-proxy          # omitted: any name
 *     reason: the proxy needs the host network   # required, shown in the report
 * </pre>
 *
 * A rule needs a reason and at least one of check, namespace, kind, name. Immutable.
 */
public final class Exemptions {

    private static final Set<String> KEYS = Set.of("check", "namespace", "kind", "name", "reason");
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private final List<Rule> rules;

    private Exemptions(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** No exemptions. */
    public static Exemptions none() {
        return new Exemptions(List.of());
    }

    public static Exemptions of(List<Rule> rules) {
        return new Exemptions(rules);
    }

    /** Reads {@code file}; errors name the file, the entry and what is wrong. */
    public static Exemptions read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read exemptions file " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses exemptions YAML; {@code source} names it in errors. */
    public static Exemptions parse(String yaml, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return none();
        }
        JsonNode list = root.isObject() ? root.get("exemptions") : null;
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException(source + ": expected a top-level \"exemptions:\" list");
        }
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            String where = source + ": exemptions[" + i + "]";
            if (!e.isObject()) {
                throw new IllegalArgumentException(where + ": expected a mapping with check/namespace/kind/name/reason");
            }
            for (Iterator<String> it = e.propertyNames().iterator(); it.hasNext(); ) {
                String key = it.next();
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException(where + ": unknown key \"" + key
                            + "\" (use check, namespace, kind, name, reason)");
                }
            }
            Rule rule = new Rule(text(e, "check"), text(e, "namespace"), text(e, "kind"), text(e, "name"),
                    text(e, "reason"));
            if (rule.reason() == null || rule.reason().isBlank()) {
                throw new IllegalArgumentException(where + ": a reason is required (it is shown in the report)");
            }
            if (rule.check() == null && rule.namespace() == null && rule.kind() == null && rule.name() == null) {
                throw new IllegalArgumentException(where
                        + ": give at least one of check, namespace, kind, name (an exemption of everything is no assessment)");
            }
            rules.add(rule);
        }
        return new Exemptions(rules);
    }

    private static String text(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v.asString();
    }

    public List<Rule> rules() {
        return rules;
    }

    /** The index of the first rule exempting {@code finding} of {@code checkId}, if any. */
    public Optional<Integer> match(String checkId, Finding finding) {
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).matches(checkId, finding)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /**
     * One exemption rule; null fields match anything.
     *
     * @param check a check id or a prefix ending in {@code *}
     * @param reason why the risk is accepted
     */
    public record Rule(String check, String namespace, String kind, String name, String reason) {

        boolean matches(String checkId, Finding f) {
            if (check != null) {
                boolean ok = check.endsWith("*") ? checkId.startsWith(check.substring(0, check.length() - 1))
                        : check.equals(checkId);
                if (!ok) {
                    return false;
                }
            }
            return (namespace == null || namespace.equals(f.namespace()))
                    && (kind == null || kind.equals(f.kind()))
                    && (name == null || name.equals(f.name()));
        }

        /** {@code check=5.2.5 namespace=kube-system ...}, for the report. */
        public String describe() {
            StringBuilder b = new StringBuilder();
            append(b, "check", check);
            append(b, "namespace", namespace);
            append(b, "kind", kind);
            append(b, "name", name);
            return b.toString();
        }

        private static void append(StringBuilder b, String key, String value) {
            if (value != null) {
                b.append(b.isEmpty() ? "" : " ").append(key).append('=').append(value);
            }
        }
    }

    /**
     * A rule and how many findings it exempted in a run (0 means it is stale).
     *
     * @param rule the rule
     * @param matched the number of findings it exempted
     */
    public record Use(Rule rule, int matched) {
    }
}
