package io.kaji.quota;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Which objects a ResourceQuota with scopes tracks, as Kubernetes' pod evaluator decides it. A quota's
 * {@code spec.scopes} and {@code spec.scopeSelector.matchExpressions} must all match; scopes only ever match
 * pods, so a scoped quota tracks no other kind.
 * <ul>
 *   <li>{@code Terminating} / {@code NotTerminating}: the pod has / has no {@code spec.activeDeadlineSeconds};</li>
 *   <li>{@code BestEffort} / {@code NotBestEffort}: the pod's QoS class is / is not BestEffort;</li>
 *   <li>{@code PriorityClass}: with {@code In}/{@code NotIn} the pod's {@code spec.priorityClassName} is / is not
 *       one of the values; {@code Exists}/{@code DoesNotExist} (and a plain scope) whether it names one;</li>
 *   <li>{@code CrossNamespacePodAffinity}: a pod (anti-)affinity term names namespaces or a namespace selector.</li>
 * </ul>
 * For the other scopes the selector's operator is {@code Exists} (the scope matches) or {@code DoesNotExist}.
 */
public final class QuotaScopes {

    private record Selector(String scope, String operator, List<String> values) {}

    private QuotaScopes() {
    }

    /** True when the quota with {@code quotaSpec} tracks {@code obj} (always, for a quota without scopes). */
    public static boolean matches(JsonNode quotaSpec, String group, String resource, JsonNode obj) {
        List<Selector> selectors = selectors(quotaSpec);
        if (selectors.isEmpty()) {
            return true;
        }
        if (!group.isEmpty() || !resource.equals("pods")) {
            return false;
        }
        for (Selector s : selectors) {
            if (!matches(s, obj)) {
                return false;
            }
        }
        return true;
    }

    /** True when the quota has scopes or a scope selector. */
    public static boolean scoped(JsonNode quotaSpec) {
        return !selectors(quotaSpec).isEmpty();
    }

    private static List<Selector> selectors(JsonNode spec) {
        List<Selector> out = new ArrayList<>();
        for (JsonNode s : spec.path("scopes")) {
            out.add(new Selector(s.asString(""), "Exists", List.of()));
        }
        for (JsonNode e : spec.path("scopeSelector").path("matchExpressions")) {
            List<String> values = new ArrayList<>();
            e.path("values").forEach(v -> values.add(v.asString("")));
            out.add(new Selector(e.path("scopeName").asString(""), e.path("operator").asString("Exists"), values));
        }
        return out;
    }

    private static boolean matches(Selector s, JsonNode pod) {
        JsonNode spec = pod.path("spec");
        if (s.scope().equals("PriorityClass")) {
            String pc = spec.path("priorityClassName").asString("");
            return switch (s.operator()) {
                case "In" -> s.values().contains(pc);
                case "NotIn" -> !s.values().contains(pc);
                case "Exists" -> !pc.isEmpty();
                case "DoesNotExist" -> pc.isEmpty();
                default -> false;
            };
        }
        boolean in = switch (s.scope()) {
            case "Terminating" -> spec.path("activeDeadlineSeconds").isNumber();
            case "NotTerminating" -> !spec.path("activeDeadlineSeconds").isNumber();
            case "BestEffort" -> bestEffort(pod);
            case "NotBestEffort" -> !bestEffort(pod);
            case "CrossNamespacePodAffinity" -> crossNamespaceAffinity(spec);
            default -> false; // an unknown scope matches nothing (the API server validates scopes)
        };
        return switch (s.operator()) {
            case "Exists" -> in;
            case "DoesNotExist" -> !in;
            default -> false;
        };
    }

    /** BestEffort: no container (init containers included) requests or limits CPU or memory. */
    static boolean bestEffort(JsonNode pod) {
        String qos = pod.path("status").path("qosClass").asString("");
        if (!qos.isEmpty()) {
            return qos.equals("BestEffort");
        }
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode c : pod.path("spec").path(list)) {
                for (String kind : List.of("requests", "limits")) {
                    JsonNode r = c.path("resources").path(kind);
                    if (r.has("cpu") || r.has("memory")) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static boolean crossNamespaceAffinity(JsonNode spec) {
        JsonNode affinity = spec.path("affinity");
        for (String kind : List.of("podAffinity", "podAntiAffinity")) {
            JsonNode a = affinity.path(kind);
            for (JsonNode t : a.path("requiredDuringSchedulingIgnoredDuringExecution")) {
                if (crossNamespace(t)) {
                    return true;
                }
            }
            for (JsonNode w : a.path("preferredDuringSchedulingIgnoredDuringExecution")) {
                if (crossNamespace(w.path("podAffinityTerm"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean crossNamespace(JsonNode term) {
        return term.path("namespaces").size() > 0 || term.has("namespaceSelector");
    }
}
