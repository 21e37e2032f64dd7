package io.kaji.apiserver.admission.webhook;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.selector.LabelSelector;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Which requests a webhook sees, as Kubernetes decides it: one of its {@code rules} must match the operation, API
 * group, version, resource (with Kubernetes' wildcards: {@code *} = every resource but no subresource, {@code *}/{@code *}
 * = everything, {@code pods/*}, {@code *}/{@code status}) and scope; the {@code namespaceSelector} must match the
 * namespace's labels (for a Namespace itself, its own labels; cluster-scoped objects always match) and the
 * {@code objectSelector} the labels of the new or the old object.
 */
final class WebhookRules {

    private WebhookRules() {
    }

    static boolean matchesRules(JsonNode webhook, AdmissionAttributes a) {
        for (JsonNode rule : webhook.path("rules")) {
            if (matchesRule(rule, a)) {
                return true;
            }
        }
        return false;
    }

    static boolean matchesRule(JsonNode rule, AdmissionAttributes a) {
        if (!contains(rule.path("operations"), a.operation().name())
                || !contains(rule.path("apiGroups"), a.group())
                || !contains(rule.path("apiVersions"), a.version())) {
            return false;
        }
        String scope = rule.path("scope").asString("*");
        boolean namespaced = a.namespace() != null && !a.namespace().isEmpty();
        if (scope.equals("Cluster") && namespaced || scope.equals("Namespaced") && !namespaced) {
            return false;
        }
        String sub = a.subresource() == null ? "" : a.subresource();
        for (JsonNode r : rule.path("resources")) {
            String pattern = r.asString("");
            int slash = pattern.indexOf('/');
            String res = slash < 0 ? pattern : pattern.substring(0, slash);
            String subPattern = slash < 0 ? "" : pattern.substring(slash + 1);
            boolean resourceOk = res.equals("*") || res.equals(a.resource());
            boolean subOk = subPattern.equals("*") || subPattern.equals(sub);
            if (resourceOk && subOk) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(JsonNode list, String value) {
        for (JsonNode v : list) {
            String s = v.asString("");
            if (s.equals("*") || s.equals(value)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code selector} (a LabelSelector object, absent = everything) selects {@code labels}. */
    static boolean selects(JsonNode selector, Map<String, String> labels) {
        if (selector == null || selector.isMissingNode() || selector.isNull()) {
            return true;
        }
        return LabelSelector.fromObject(selector).matches(labels);
    }
}
