package io.kaji.quota;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * What objects count against a ResourceQuota, by quota resource name, as Kubernetes' quota evaluators count them:
 * {@code count/<resource>[.<group>]} for every object; for the core group also {@code pods}, {@code services},
 * {@code configmaps}, {@code secrets}, {@code persistentvolumeclaims}, {@code replicationcontrollers},
 * {@code resourcequotas}; a pod's {@code requests.*}/{@code limits.*} (containers summed, the larger of any init
 * container; {@code cpu}/{@code memory} are requests); {@code services.loadbalancers}/{@code services.nodeports};
 * a claim's {@code requests.storage}. Pods that have finished (Succeeded, Failed) count for nothing. A quota with
 * scopes counts only the pods its scopes select ({@link QuotaScopes}). Used by the API server's admission plugin and the controller manager's quota controller, so
 * both count alike. Stateless; objects are JSON trees as the API serves them.
 */
public final class QuotaUsage {

    /** The compute resources a pod must declare when a quota tracks them. */
    public static final Set<String> COMPUTE = Set.of("cpu", "memory", "requests.cpu", "requests.memory",
            "limits.cpu", "limits.memory");
    private static final Set<String> COUNTED_CORE = Set.of("pods", "services", "configmaps", "secrets",
            "persistentvolumeclaims", "replicationcontrollers", "resourcequotas");

    /** A group and resource to list; {@code group} is empty for the core group. */
    public record GroupResource(String group, String resource) implements Comparable<GroupResource> {
        @Override
        public int compareTo(GroupResource o) {
            int c = group.compareTo(o.group);
            return c != 0 ? c : resource.compareTo(o.resource);
        }
    }

    private QuotaUsage() {
    }

    /** Which group/resources must be listed to know the usage of {@code names} (quota resource names). */
    public static List<GroupResource> resourcesToList(Set<String> names) {
        Set<GroupResource> out = new TreeSet<>();
        for (String n : names) {
            if (COMPUTE.contains(n) || n.equals("pods") || n.startsWith("requests.") || n.startsWith("limits.")) {
                out.add(new GroupResource("", "pods"));
                if (n.equals("requests.storage")) {
                    out.add(new GroupResource("", "persistentvolumeclaims"));
                }
            } else if (n.startsWith("services")) {
                out.add(new GroupResource("", "services"));
            } else if (COUNTED_CORE.contains(n)) {
                out.add(new GroupResource("", n));
            } else if (n.startsWith("count/")) {
                String r = n.substring(6);
                int dot = r.indexOf('.');
                out.add(dot < 0 ? new GroupResource("", r) : new GroupResource(r.substring(dot + 1),
                        r.substring(0, dot)));
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * The usage of {@code names} in one namespace: every object {@code objects} gives for the group/resources
     * {@link #resourcesToList} names, counted by {@link #usageOf}. Names without usage are absent (zero).
     */
    public static Map<String, BigDecimal> total(Set<String> names,
            Function<GroupResource, ? extends Iterable<? extends JsonNode>> objects) {
        return total(null, names, objects);
    }

    /**
     * The usage of {@code names} in one namespace for the quota with {@code quotaSpec}: as
     * {@link #total(Set, Function)}, counting only the objects the quota's scopes select (all, without scopes;
     * {@code quotaSpec} null means unscoped).
     */
    public static Map<String, BigDecimal> total(JsonNode quotaSpec, Set<String> names,
            Function<GroupResource, ? extends Iterable<? extends JsonNode>> objects) {
        Map<String, BigDecimal> total = new TreeMap<>();
        boolean scoped = quotaSpec != null && QuotaScopes.scoped(quotaSpec);
        for (GroupResource gr : resourcesToList(names)) {
            if (scoped && (!gr.group().isEmpty() || !gr.resource().equals("pods"))) {
                continue; // scopes select pods only
            }
            for (JsonNode o : objects.apply(gr)) {
                if (scoped && !QuotaScopes.matches(quotaSpec, gr.group(), gr.resource(), o)) {
                    continue;
                }
                usageOf(gr.group(), gr.resource(), o).forEach((k, v) -> {
                    if (names.contains(k)) {
                        total.merge(k, v, BigDecimal::add);
                    }
                });
            }
        }
        return total;
    }

    /** What one object counts against quotas, by quota resource name. */
    public static Map<String, BigDecimal> usageOf(String group, String resource, JsonNode obj) {
        Map<String, BigDecimal> u = new HashMap<>();
        u.put("count/" + resource + (group.isEmpty() ? "" : "." + group), BigDecimal.ONE);
        if (!group.isEmpty()) {
            return u;
        }
        if (COUNTED_CORE.contains(resource)) {
            u.put(resource, BigDecimal.ONE);
        }
        switch (resource) {
            case "pods" -> {
                String phase = obj.path("status").path("phase").asString("");
                if (phase.equals("Succeeded") || phase.equals("Failed")) {
                    return Map.of();
                }
                for (String kind : List.of("requests", "limits")) {
                    podTotal(obj.path("spec"), kind).forEach((k, v) -> {
                        u.put(kind + "." + k, v);
                        if (kind.equals("requests") && (k.equals("cpu") || k.equals("memory"))) {
                            u.put(k, v);
                        }
                    });
                }
            }
            case "services" -> {
                String type = obj.path("spec").path("type").asString("ClusterIP");
                u.put("services.loadbalancers", type.equals("LoadBalancer") ? BigDecimal.ONE : BigDecimal.ZERO);
                long nodePorts = type.equals("NodePort") || type.equals("LoadBalancer")
                        ? obj.path("spec").path("ports").size() : 0;
                u.put("services.nodeports", BigDecimal.valueOf(nodePorts));
            }
            case "persistentvolumeclaims" -> {
                String storage = obj.path("spec").path("resources").path("requests").path("storage").asString(null);
                if (storage != null) {
                    u.put("requests.storage", Quantities.amount(storage));
                }
            }
            default -> { }
        }
        return u;
    }

    /**
     * Kubernetes' pod requests (or limits): the containers and the sidecars (init containers with restartPolicy
     * Always) summed, or, if more, a plain init container with the sidecars started before it.
     */
    private static Map<String, BigDecimal> podTotal(JsonNode spec, String kind) {
        Map<String, BigDecimal> sum = new TreeMap<>();
        for (JsonNode c : spec.path("containers")) {
            Quantities.list(c.path("resources").path(kind)).forEach((k, v) ->
                    sum.merge(k, Quantities.amount(v), BigDecimal::add));
        }
        Map<String, BigDecimal> sidecars = new TreeMap<>();
        Map<String, BigDecimal> initPeak = new TreeMap<>();
        for (JsonNode c : spec.path("initContainers")) {
            Map<String, BigDecimal> own = new TreeMap<>();
            Quantities.list(c.path("resources").path(kind)).forEach((k, v) -> own.put(k, Quantities.amount(v)));
            if ("Always".equals(c.path("restartPolicy").asString(""))) {
                own.forEach((k, v) -> sidecars.merge(k, v, BigDecimal::add));
                sidecars.forEach((k, v) -> initPeak.merge(k, v, BigDecimal::max));
            } else {
                Map<String, BigDecimal> running = new TreeMap<>(sidecars);
                own.forEach((k, v) -> running.merge(k, v, BigDecimal::add));
                running.forEach((k, v) -> initPeak.merge(k, v, BigDecimal::max));
            }
        }
        sidecars.forEach((k, v) -> sum.merge(k, v, BigDecimal::add));
        initPeak.forEach((k, v) -> sum.merge(k, v, BigDecimal::max));
        return sum;
    }
}
