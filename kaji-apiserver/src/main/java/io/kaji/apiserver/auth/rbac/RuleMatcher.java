package io.kaji.apiserver.auth.rbac;

import io.kaji.apiserver.auth.Attributes;
import java.util.List;

/**
 * Whether one RBAC rule allows a request, evaluated exactly as Kubernetes' {@code RuleAllows}
 * (plugin/pkg/auth/authorizer/rbac/rbac.go with the helpers of pkg/apis/rbac):
 * <ul>
 * <li>verbs and API groups match by equality or {@code *};</li>
 * <li>a resource matches {@code *}, its plural, {@code plural/subresource} for subresource requests, or
 *     {@code *}{@code /subresource} (e.g. {@code *}{@code /scale});</li>
 * <li>resourceNames, when present, must contain the request's name (so they never match collection requests);</li>
 * <li>non-resource URLs match {@code *}, equality, or a prefix ending in {@code *}.</li>
 * </ul>
 * Stateless.
 */
public final class RuleMatcher {

    private RuleMatcher() {
    }

    /** True when {@code rule} allows the request. */
    public static boolean allows(Attributes a, PolicyRule rule) {
        if (a.resourceRequest()) {
            String combined = a.subresource().isEmpty() ? a.resource() : a.resource() + "/" + a.subresource();
            return verbMatches(rule, a.verb()) && apiGroupMatches(rule, a.apiGroup())
                    && resourceMatches(rule, combined, a.subresource()) && resourceNameMatches(rule, a.name());
        }
        return verbMatches(rule, a.verb()) && nonResourceUrlMatches(rule, a.path());
    }

    /** True when any of {@code rules} allows the request. */
    public static boolean anyAllows(Attributes a, List<PolicyRule> rules) {
        for (PolicyRule r : rules) {
            if (allows(a, r)) {
                return true;
            }
        }
        return false;
    }

    static boolean verbMatches(PolicyRule rule, String verb) {
        for (String v : rule.verbs()) {
            if (v.equals("*") || v.equals(verb)) {
                return true;
            }
        }
        return false;
    }

    static boolean apiGroupMatches(PolicyRule rule, String group) {
        for (String g : rule.apiGroups()) {
            if (g.equals("*") || g.equals(group)) {
                return true;
            }
        }
        return false;
    }

    static boolean resourceMatches(PolicyRule rule, String combined, String subresource) {
        for (String r : rule.resources()) {
            if (r.equals("*") || r.equals(combined)) {
                return true;
            }
            // "*/scale" matches any resource's scale subresource, but "*/" alone matches nothing.
            if (!subresource.isEmpty() && r.length() == subresource.length() + 2 && r.startsWith("*/")
                    && r.endsWith(subresource)) {
                return true;
            }
        }
        return false;
    }

    static boolean resourceNameMatches(PolicyRule rule, String name) {
        if (rule.resourceNames().isEmpty()) {
            return true;
        }
        return rule.resourceNames().contains(name);
    }

    static boolean nonResourceUrlMatches(PolicyRule rule, String path) {
        for (String u : rule.nonResourceURLs()) {
            if (u.equals("*") || u.equals(path)) {
                return true;
            }
            if (u.endsWith("*") && path.startsWith(u.substring(0, u.length() - 1))) {
                return true;
            }
        }
        return false;
    }
}
