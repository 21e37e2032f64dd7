package io.kaji.apiserver.auth.rbac;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Whether one set of rules covers another, as Kubernetes' {@code validation.Covers}: each rule to be granted is
 * broken down into single (group, resource, verb[, name]) and (URL, verb) rules, and each of those must be covered
 * by one rule the granting user holds. Used by escalation prevention. Stateless.
 */
public final class Coverage {

    private Coverage() {
    }

    /** The single rules of {@code servant} that none of {@code owner} covers; empty when all are covered. */
    public static List<PolicyRule> missing(List<PolicyRule> owner, List<PolicyRule> servant) {
        List<PolicyRule> missing = new ArrayList<>();
        for (PolicyRule r : servant) {
            for (PolicyRule simple : breakdown(r)) {
                boolean covered = false;
                for (PolicyRule o : owner) {
                    if (covers(o, simple)) {
                        covered = true;
                        break;
                    }
                }
                if (!covered) {
                    missing.add(simple);
                }
            }
        }
        return missing;
    }

    /** One rule per group x resource x verb (x name), and per URL x verb. */
    static List<PolicyRule> breakdown(PolicyRule r) {
        List<PolicyRule> out = new ArrayList<>();
        for (String group : r.apiGroups()) {
            for (String resource : r.resources()) {
                for (String verb : r.verbs()) {
                    PolicyRule simple = PolicyRule.resources(List.of(verb), List.of(group), List.of(resource));
                    if (r.resourceNames().isEmpty()) {
                        out.add(simple);
                    } else {
                        for (String name : r.resourceNames()) {
                            out.add(simple.withNames(List.of(name)));
                        }
                    }
                }
            }
        }
        for (String url : r.nonResourceURLs()) {
            for (String verb : r.verbs()) {
                out.add(PolicyRule.urls(List.of(verb), List.of(url)));
            }
        }
        return out;
    }

    static boolean covers(PolicyRule owner, PolicyRule sub) {
        boolean verbs = owner.verbs().contains("*") || owner.verbs().containsAll(sub.verbs());
        boolean groups = owner.apiGroups().contains("*") || owner.apiGroups().containsAll(sub.apiGroups());
        boolean names = sub.resourceNames().isEmpty() ? owner.resourceNames().isEmpty()
                : owner.resourceNames().isEmpty() || owner.resourceNames().containsAll(sub.resourceNames());
        return verbs && groups && names && resourcesCover(owner.resources(), sub.resources())
                && urlsCover(owner.nonResourceURLs(), sub.nonResourceURLs());
    }

    private static boolean resourcesCover(List<String> owner, List<String> wanted) {
        if (owner.contains("*") || owner.containsAll(wanted)) {
            return true;
        }
        for (String path : wanted) {
            if (owner.contains(path)) {
                continue;
            }
            int slash = path.indexOf('/');
            // "*/scale" in the owner's rules covers any resource's scale subresource.
            if (slash < 0 || !owner.contains("*/" + path.substring(slash + 1))) {
                return false;
            }
        }
        return true;
    }

    private static boolean urlsCover(List<String> owner, List<String> wanted) {
        for (String w : wanted) {
            boolean covered = false;
            for (String o : owner) {
                if (o.equals(w) || (o.endsWith("*") && w.startsWith(o.substring(0, o.length() - 1)))) {
                    covered = true;
                    break;
                }
            }
            if (!covered) {
                return false;
            }
        }
        return true;
    }

    /**
     * Kubernetes' description of missing rights: single resource rules that differ only in their verb are merged
     * ({@code CompactRules}), each is rendered compactly, and the lines are sorted and de-duplicated.
     */
    public static String describe(List<PolicyRule> missing) {
        Map<Target, List<String>> verbsByTarget = new LinkedHashMap<>();
        List<PolicyRule> others = new ArrayList<>();
        for (PolicyRule r : missing) {
            if (r.nonResourceURLs().isEmpty() && r.apiGroups().size() == 1 && r.resources().size() == 1) {
                List<String> verbs = verbsByTarget.computeIfAbsent(
                        new Target(r.apiGroups().get(0), r.resources().get(0), r.resourceNames()),
                        k -> new ArrayList<>());
                for (String v : r.verbs()) {
                    if (!verbs.contains(v)) {
                        verbs.add(v);
                    }
                }
            } else {
                others.add(r);
            }
        }
        TreeSet<String> lines = new TreeSet<>();
        verbsByTarget.forEach((t, verbs) -> lines.add(new PolicyRule(verbs, List.of(t.group()),
                List.of(t.resource()), t.names(), List.of()).compactString()));
        others.forEach(r -> lines.add(r.compactString()));
        return String.join("\n", lines);
    }

    /** What a single resource rule is about, apart from its verb. */
    private record Target(String group, String resource, List<String> names) {
    }
}
