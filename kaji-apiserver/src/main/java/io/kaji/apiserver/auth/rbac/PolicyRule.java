package io.kaji.apiserver.auth.rbac;

import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One RBAC rule ({@code rbac.authorization.k8s.io/v1 PolicyRule}). Empty lists mean "none" except
 * {@code resourceNames}, where empty means "any name". Immutable.
 */
public record PolicyRule(List<String> verbs, List<String> apiGroups, List<String> resources,
        List<String> resourceNames, List<String> nonResourceURLs) {

    public PolicyRule {
        verbs = List.copyOf(verbs);
        apiGroups = List.copyOf(apiGroups);
        resources = List.copyOf(resources);
        resourceNames = List.copyOf(resourceNames);
        nonResourceURLs = List.copyOf(nonResourceURLs);
    }

    /** A resource rule. */
    public static PolicyRule resources(List<String> verbs, List<String> groups, List<String> resources) {
        return new PolicyRule(verbs, groups, resources, List.of(), List.of());
    }

    /** A non-resource rule. */
    public static PolicyRule urls(List<String> verbs, List<String> urls) {
        return new PolicyRule(verbs, List.of(), List.of(), List.of(), urls);
    }

    public PolicyRule withNames(List<String> names) {
        return new PolicyRule(verbs, apiGroups, resources, names, nonResourceURLs);
    }

    /** Reads a rule from its JSON form; missing or malformed lists are empty. */
    public static PolicyRule fromJson(JsonNode rule) {
        return new PolicyRule(strings(rule, "verbs"), strings(rule, "apiGroups"), strings(rule, "resources"),
                strings(rule, "resourceNames"), strings(rule, "nonResourceURLs"));
    }

    /** The rules of a Role or ClusterRole object ({@code rules}); malformed entries are skipped. */
    public static List<PolicyRule> rulesOf(JsonNode role) {
        List<PolicyRule> out = new ArrayList<>();
        JsonNode rules = role == null ? null : role.get("rules");
        if (rules != null && rules.isArray()) {
            for (JsonNode r : rules) {
                if (r.isObject()) {
                    out.add(fromJson(r));
                }
            }
        }
        return out;
    }

    private static List<String> strings(JsonNode node, String field) {
        JsonNode a = node.get(field);
        List<String> out = new ArrayList<>();
        if (a != null && a.isArray()) {
            for (JsonNode v : a) {
                if (v.isString()) {
                    out.add(v.stringValue());
                }
            }
        }
        return out;
    }

    /** The JSON form, omitting empty lists as Kubernetes does. */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        put(o, "verbs", verbs);
        put(o, "apiGroups", apiGroups);
        put(o, "resources", resources);
        put(o, "resourceNames", resourceNames);
        put(o, "nonResourceURLs", nonResourceURLs);
        if (!o.has("verbs")) {
            o.putArray("verbs");
        }
        return o;
    }

    private static void put(ObjectNode o, String field, List<String> values) {
        if (!values.isEmpty()) {
            var a = o.putArray(field);
            values.forEach(a::add);
        }
    }

    /**
     * Kubernetes' compact rendering used in escalation errors, e.g.
     * {@code {APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}}: only the non-empty fields.
     */
    public String compactString() {
        List<String> parts = new ArrayList<>();
        add(parts, "APIGroups", apiGroups);
        add(parts, "Resources", resources);
        add(parts, "NonResourceURLs", nonResourceURLs);
        add(parts, "ResourceNames", resourceNames);
        add(parts, "Verbs", verbs);
        return "{" + String.join(", ", parts) + "}";
    }

    private static void add(List<String> parts, String name, List<String> values) {
        // The core group "" is printed too: a non-empty list is shown even when its only value is empty.
        if (!values.isEmpty()) {
            parts.add(name + ":[" + values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(" "))
                    + "]");
        }
    }
}
