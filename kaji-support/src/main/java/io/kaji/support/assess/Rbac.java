package io.kaji.support.assess;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.AggregationRule;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The RBAC view the 5.1 checks share: every binding resolved to its role's rules and its subjects, and rule
 * matching as the RBAC authorizer does it ({@code *} for any verb, group or resource; {@code *&#47;sub} for a
 * subresource of any resource).
 */
final class Rbac {

    /** Kubernetes labels its bootstrap roles and bindings with this; they are the platform's own, not the user's. */
    static final String BOOTSTRAP_LABEL = "kubernetes.io/bootstrapping";

    /** Groups that stand for many users: granting them anything is never "a system component". */
    private static final Set<String> BROAD_GROUPS = Set.of("system:authenticated", "system:unauthenticated",
            "system:serviceaccounts");

    private Rbac() {
    }

    /**
     * A binding with its resolved rules.
     *
     * @param ref the binding
     * @param role the referenced role ({@code ClusterRole/admin})
     * @param rules the role's rules, empty when the role does not exist
     * @param subjects the binding's subjects that are not system components
     */
    record Grant(ObjectRef ref, String role, List<PolicyRule> rules, List<Subject> subjects) {

        String subjectList() {
            return subjects.stream().map(Rbac::describe).collect(Collectors.joining(", "));
        }
    }

    /** Every binding that grants something to a non-system subject, skipping bootstrap bindings. */
    static List<Grant> grants(ClusterSnapshot cluster) {
        Map<String, List<PolicyRule>> clusterRoles = new HashMap<>();
        for (ClusterRole r : cluster.clusterRoles()) {
            clusterRoles.put(r.getMetadata().getName(), rules(r.getRules()));
        }
        Map<String, List<PolicyRule>> roles = new HashMap<>();
        for (Role r : cluster.roles()) {
            roles.put(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(), rules(r.getRules()));
        }
        List<Grant> out = new ArrayList<>();
        for (ClusterRoleBinding b : cluster.clusterRoleBindings()) {
            add(out, b, b.getRoleRef(), b.getSubjects(), null, clusterRoles, roles);
        }
        for (RoleBinding b : cluster.roleBindings()) {
            add(out, b, b.getRoleRef(), b.getSubjects(), b.getMetadata().getNamespace(), clusterRoles, roles);
        }
        return out;
    }

    private static void add(List<Grant> out, HasMetadata binding, RoleRef ref, List<Subject> subjects,
                            String namespace, Map<String, List<PolicyRule>> clusterRoles,
                            Map<String, List<PolicyRule>> roles) {
        if (bootstrap(binding) || ref == null || subjects == null) {
            return;
        }
        List<Subject> users = subjects.stream().filter(s -> !systemComponent(s)).toList();
        if (users.isEmpty()) {
            return;
        }
        List<PolicyRule> rules = "ClusterRole".equals(ref.getKind())
                ? clusterRoles.getOrDefault(ref.getName(), List.of())
                : roles.getOrDefault(namespace + "/" + ref.getName(), List.of());
        out.add(new Grant(ObjectRef.of(binding), ref.getKind() + "/" + ref.getName(), rules, users));
    }

    private static List<PolicyRule> rules(List<PolicyRule> rules) {
        return rules == null ? List.of() : rules;
    }

    /** Whether {@code o} carries the bootstrap label Kubernetes puts on its default roles and bindings. */
    static boolean bootstrap(HasMetadata o) {
        Map<String, String> labels = o.getMetadata().getLabels();
        return labels != null && "rbac-defaults".equals(labels.get(BOOTSTRAP_LABEL));
    }

    /** Whether a role is the platform's own: bootstrap-labelled, named {@code system:*}, or aggregated. */
    static boolean platformRole(HasMetadata role) {
        String name = role.getMetadata().getName();
        boolean aggregated = role instanceof ClusterRole cr && cr.getAggregationRule() != null
                && !isEmpty(cr.getAggregationRule());
        return bootstrap(role) || (name != null && name.startsWith("system:")) || aggregated;
    }

    private static boolean isEmpty(AggregationRule rule) {
        return rule.getClusterRoleSelectors() == null || rule.getClusterRoleSelectors().isEmpty();
    }

    /** A user or group named {@code system:*} other than the broad groups; service accounts never are. */
    static boolean systemComponent(Subject s) {
        String name = s.getName() == null ? "" : s.getName();
        if ("ServiceAccount".equals(s.getKind())) {
            return false;
        }
        if (BROAD_GROUPS.contains(name) || name.startsWith("system:serviceaccounts:")) {
            return false;
        }
        return name.startsWith("system:");
    }

    static String describe(Subject s) {
        return "ServiceAccount".equals(s.getKind()) ? "ServiceAccount " + s.getNamespace() + "/" + s.getName()
                : s.getKind() + " " + s.getName();
    }

    /** The first rule granting one of {@code verbs} on {@code resource} (maybe {@code res/sub}) in {@code group}. */
    static Optional<PolicyRule> allowing(List<PolicyRule> rules, String group, String resource, String... verbs) {
        for (PolicyRule r : rules) {
            for (String verb : verbs) {
                if (allows(r, verb, group, resource)) {
                    return Optional.of(r);
                }
            }
        }
        return Optional.empty();
    }

    /** Whether {@code rule} allows {@code verb} on {@code resource} in API group {@code group}. */
    static boolean allows(PolicyRule rule, String verb, String group, String resource) {
        if (rule.getNonResourceURLs() != null && !rule.getNonResourceURLs().isEmpty()
                && (rule.getResources() == null || rule.getResources().isEmpty())) {
            return false;
        }
        return has(rule.getVerbs(), verb) && has(rule.getApiGroups(), group) && resourceMatches(rule, resource);
    }

    private static boolean resourceMatches(PolicyRule rule, String resource) {
        List<String> resources = rule.getResources();
        if (resources == null) {
            return false;
        }
        int slash = resource.indexOf('/');
        for (String r : resources) {
            if (r.equals("*") || r.equals(resource)) {
                return true;
            }
            if (slash > 0 && r.equals("*" + resource.substring(slash))) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(List<String> values, String wanted) {
        return values != null && (values.contains("*") || values.contains(wanted));
    }

    /** A rule as one line: {@code verbs=[get,list] apiGroups=[""] resources=[secrets]}. */
    static String describe(PolicyRule r) {
        StringBuilder b = new StringBuilder("verbs=" + list(r.getVerbs()));
        if (r.getApiGroups() != null) {
            b.append(" apiGroups=").append(r.getApiGroups().stream().map(g -> g.isEmpty() ? "\"\"" : g).toList()
                    .toString().replace(" ", ""));
        }
        if (r.getResources() != null) {
            b.append(" resources=").append(list(r.getResources()));
        }
        if (r.getResourceNames() != null && !r.getResourceNames().isEmpty()) {
            b.append(" resourceNames=").append(list(r.getResourceNames()));
        }
        if (r.getNonResourceURLs() != null && !r.getNonResourceURLs().isEmpty()) {
            b.append(" nonResourceURLs=").append(list(r.getNonResourceURLs()));
        }
        return b.toString();
    }

    private static String list(List<String> values) {
        return values == null ? "[]" : values.toString().replace(" ", "");
    }
}
