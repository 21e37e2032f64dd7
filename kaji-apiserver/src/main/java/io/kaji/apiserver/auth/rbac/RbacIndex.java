package io.kaji.apiserver.auth.rbac;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * An in-memory {@link RbacSource} fed with RBAC objects as JSON (from the watch cache, or directly in tests): the
 * rules and bindings are parsed once per change, so that authorizing a request only walks small Java records.
 * Malformed objects are indexed with what can be read of them. Thread-safe.
 */
public final class RbacIndex implements RbacSource {

    private final Map<String, List<PolicyRule>> clusterRoles = new ConcurrentHashMap<>();
    private final Map<String, List<PolicyRule>> roles = new ConcurrentHashMap<>();
    private final Map<String, Binding> clusterRoleBindings = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Binding>> roleBindings = new ConcurrentHashMap<>();

    /** The four RBAC kinds by their plural resource names. */
    public enum Kind {
        CLUSTER_ROLES("clusterroles"), ROLES("roles"), CLUSTER_ROLE_BINDINGS("clusterrolebindings"),
        ROLE_BINDINGS("rolebindings");

        private final String plural;

        Kind(String plural) {
            this.plural = plural;
        }

        public String plural() {
            return plural;
        }
    }

    /** Adds or replaces an object of {@code kind}. */
    public void put(Kind kind, JsonNode object) {
        String name = text(object.path("metadata").get("name"));
        String ns = text(object.path("metadata").get("namespace"));
        switch (kind) {
            case CLUSTER_ROLES -> clusterRoles.put(name, List.copyOf(PolicyRule.rulesOf(object)));
            case ROLES -> roles.put(ns + "/" + name, List.copyOf(PolicyRule.rulesOf(object)));
            case CLUSTER_ROLE_BINDINGS -> clusterRoleBindings.put(name, binding(object, name, ""));
            case ROLE_BINDINGS -> roleBindings.computeIfAbsent(ns, k -> new ConcurrentHashMap<>())
                    .put(name, binding(object, name, ns));
        }
    }

    /** Removes an object of {@code kind}. */
    public void remove(Kind kind, JsonNode object) {
        String name = text(object.path("metadata").get("name"));
        String ns = text(object.path("metadata").get("namespace"));
        switch (kind) {
            case CLUSTER_ROLES -> clusterRoles.remove(name);
            case ROLES -> roles.remove(ns + "/" + name);
            case CLUSTER_ROLE_BINDINGS -> clusterRoleBindings.remove(name);
            case ROLE_BINDINGS -> {
                Map<String, Binding> m = roleBindings.get(ns);
                if (m != null) {
                    m.remove(name);
                }
            }
        }
    }

    /** Forgets every object of {@code kind} (before a reload). */
    public void clear(Kind kind) {
        switch (kind) {
            case CLUSTER_ROLES -> clusterRoles.clear();
            case ROLES -> roles.clear();
            case CLUSTER_ROLE_BINDINGS -> clusterRoleBindings.clear();
            case ROLE_BINDINGS -> roleBindings.clear();
        }
    }

    private static Binding binding(JsonNode object, String name, String namespace) {
        JsonNode ref = object.path("roleRef");
        List<Subject> subjects = new ArrayList<>();
        JsonNode subs = object.get("subjects");
        if (subs != null && subs.isArray()) {
            for (JsonNode s : subs) {
                subjects.add(new Subject(text(s.get("kind")), text(s.get("name")), text(s.get("namespace"))));
            }
        }
        return new Binding(name, namespace, text(ref.get("kind")), text(ref.get("name")), subjects);
    }

    private static String text(JsonNode n) {
        return n != null && n.isString() ? n.stringValue() : "";
    }

    @Override
    public List<PolicyRule> clusterRole(String name) {
        return clusterRoles.get(name);
    }

    @Override
    public List<PolicyRule> role(String namespace, String name) {
        return roles.get(namespace + "/" + name);
    }

    @Override
    public Collection<Binding> clusterRoleBindings() {
        return clusterRoleBindings.values();
    }

    @Override
    public Collection<Binding> roleBindings(String namespace) {
        Map<String, Binding> m = roleBindings.get(namespace);
        return m == null ? List.of() : m.values();
    }
}
