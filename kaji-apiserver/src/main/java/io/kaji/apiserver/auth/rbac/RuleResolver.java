package io.kaji.apiserver.auth.rbac;

import io.kaji.apiserver.auth.UserInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * Which rules apply to a user in a namespace, as Kubernetes' {@code DefaultRuleResolver}: every ClusterRoleBinding
 * naming the user, then (for a namespace) every RoleBinding of that namespace naming the user, each resolved to
 * its Role (in the binding's namespace) or ClusterRole. A binding to a missing role contributes an error, not a
 * failure: rules are additive, so the others still count. Thread-safe.
 */
public final class RuleResolver {

    /** Rules found and errors met while resolving them. */
    public record Rules(List<PolicyRule> rules, List<String> errors) {
    }

    /** Receives each rule with the binding it came from; return false to stop. */
    public interface Visitor {
        boolean visit(RbacSource.Binding source, PolicyRule rule, String error);
    }

    private final RbacSource source;

    public RuleResolver(RbacSource source) {
        this.source = source;
    }

    /** Every rule that applies to {@code user} in {@code namespace} ("" for cluster scope only). */
    public Rules rulesFor(UserInfo user, String namespace) {
        List<PolicyRule> rules = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        visitRulesFor(user, namespace, (b, rule, error) -> {
            if (rule != null) {
                rules.add(rule);
            }
            if (error != null) {
                errors.add(error);
            }
            return true;
        });
        return new Rules(rules, errors);
    }

    /** Visits the applicable rules in Kubernetes' order: cluster role bindings first, then role bindings. */
    public void visitRulesFor(UserInfo user, String namespace, Visitor visitor) {
        for (RbacSource.Binding b : source.clusterRoleBindings()) {
            if (appliesTo(user, b.subjects(), "") && !visitBinding(b, "", visitor)) {
                return;
            }
        }
        if (namespace != null && !namespace.isEmpty()) {
            for (RbacSource.Binding b : source.roleBindings(namespace)) {
                if (appliesTo(user, b.subjects(), namespace) && !visitBinding(b, namespace, visitor)) {
                    return;
                }
            }
        }
    }

    private boolean visitBinding(RbacSource.Binding b, String namespace, Visitor visitor) {
        List<PolicyRule> rules;
        try {
            rules = roleReferenceRules(b.roleKind(), b.roleName(), namespace);
        } catch (IllegalArgumentException e) {
            return visitor.visit(b, null, e.getMessage());
        }
        for (PolicyRule r : rules) {
            if (!visitor.visit(b, r, null)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The rules of a binding's roleRef.
     *
     * @throws IllegalArgumentException with Kubernetes' message when the role does not exist or the kind is unknown
     */
    public List<PolicyRule> roleReferenceRules(String kind, String name, String bindingNamespace) {
        switch (kind) {
            case "Role" -> {
                List<PolicyRule> r = source.role(bindingNamespace, name);
                if (r == null) {
                    throw new IllegalArgumentException("role.rbac.authorization.k8s.io \"" + name + "\" not found");
                }
                return r;
            }
            case "ClusterRole" -> {
                List<PolicyRule> r = source.clusterRole(name);
                if (r == null) {
                    throw new IllegalArgumentException("clusterrole.rbac.authorization.k8s.io \"" + name
                            + "\" not found");
                }
                return r;
            }
            default -> throw new IllegalArgumentException("unsupported role reference kind: \"" + kind + "\"");
        }
    }

    static boolean appliesTo(UserInfo user, List<RbacSource.Subject> subjects, String namespace) {
        for (RbacSource.Subject s : subjects) {
            if (appliesToUser(user, s, namespace)) {
                return true;
            }
        }
        return false;
    }

    static boolean appliesToUser(UserInfo user, RbacSource.Subject s, String namespace) {
        return switch (s.kind()) {
            case "User" -> user.name().equals(s.name());
            case "Group" -> user.groups().contains(s.name());
            case "ServiceAccount" -> {
                // An unqualified service account in a RoleBinding means one in the binding's namespace.
                String ns = s.namespace().isEmpty() ? namespace : s.namespace();
                yield !ns.isEmpty() && user.name().equals("system:serviceaccount:" + ns + ":" + s.name());
            }
            default -> false;
        };
    }
}
