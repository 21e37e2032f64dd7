package io.kaji.apiserver.admission.resourcequota;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.AdmissionAttributes.Operation;
import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.admission.MutatingPlugin;
import io.kaji.apiserver.admission.Quantities;
import io.kaji.apiserver.admission.ValidatingPlugin;
import io.kaji.apiserver.admission.Verdict;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.ContainerLists;
import io.kaji.quota.QuotaScopes;
import io.kaji.quota.QuotaUsage;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The ResourceQuota admission plugin: a create in a namespace with ResourceQuota objects is admitted only if the
 * namespace's usage plus the new object's stays within every quota's {@code hard} limits, with Kubernetes'
 * messages ({@code exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2}; a pod without a request or
 * limit a quota tracks: {@code failed quota: q: must specify limits.cpu,requests.memory}). Admitted creates are
 * written into the quotas' {@code status.used} (and {@code status.hard}), as Kubernetes' admission does; a new or
 * changed quota gets its status filled in from the namespace's objects.
 *
 * <p>Usage is counted from the watch cache at each admission (with {@link QuotaUsage}, as the controller manager's
 * ResourceQuota controller counts it), so admission decisions see deletions at once; {@code status.used} after
 * deletions and finished pods is the controller's to recalculate.
 * Creates admitted by this server but not yet in the cache are held as reservations (per namespace, under a lock,
 * for at most {@link #RESERVATION_TTL}), so that concurrent creates cannot both take the last unit. Several API
 * servers each keep their own reservations: between servers, concurrent creates can overshoot a quota by the
 * creates in flight.
 */
public final class ResourceQuotaAdmission implements MutatingPlugin, ValidatingPlugin {

    public static final String NAME = "ResourceQuota";
    static final Duration RESERVATION_TTL = Duration.ofSeconds(30);

    private final ClusterObjects objects;
    private final Clock clock;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    /** Per namespace: object key ({@code resource/name}) to its admitted usage, until it shows in the cache. */
    private final Map<String, Map<String, Reservation>> reservations = new ConcurrentHashMap<>();

    /** A create admitted but not yet in the cache; {@code object} decides which scoped quotas it counts for. */
    private record Reservation(String resource, String group, String name, Map<String, BigDecimal> usage,
            JsonNode object, Instant expires) {
    }

    public ResourceQuotaAdmission(ClusterObjects objects, Clock clock) {
        this.objects = objects;
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** A created or changed quota: its status shows its hard limits and the namespace's current usage. */
    @Override
    public Verdict admit(AdmissionAttributes a) {
        if (a.operation() == Operation.DELETE || !a.isMain("", "resourcequotas") || a.object() == null) {
            return Verdict.allowed();
        }
        Map<String, String> hard = Quantities.list(a.object().path("spec").path("hard"));
        Map<String, BigDecimal> used = usage(a.namespace(), a.object().path("spec"), hard.keySet());
        ObjectNode status = a.object().putObject("status");
        ObjectNode h = status.putObject("hard");
        hard.forEach(h::put);
        ObjectNode u = status.putObject("used");
        for (String k : hard.keySet()) {
            u.put(k, Quantities.format(used.getOrDefault(k, BigDecimal.ZERO)));
        }
        return Verdict.allowed();
    }

    @Override
    public Verdict validate(AdmissionAttributes a) {
        if (a.operation() != Operation.CREATE || a.subresource() != null || a.namespace() == null
                || a.isMain("", "resourcequotas")) {
            return Verdict.allowed();
        }
        List<ObjectNode> quotas = objects.listFew("", "resourcequotas", a.namespace());
        if (quotas.isEmpty()) {
            return Verdict.allowed();
        }
        Map<String, BigDecimal> delta = QuotaUsage.usageOf(a.group(), a.resource(), a.object());
        if (delta.isEmpty()) {
            return Verdict.allowed();
        }
        synchronized (locks.computeIfAbsent(a.namespace(), k -> new Object())) {
            List<ObjectNode> touched = new ArrayList<>();
            Map<ObjectNode, Map<String, BigDecimal>> usedBy = new java.util.IdentityHashMap<>();
            for (ObjectNode q : quotas) {
                if (!QuotaScopes.matches(q.path("spec"), a.group(), a.resource(), a.object())) {
                    continue; // a scoped quota that does not select this object
                }
                String quotaName = q.path("metadata").path("name").asString("");
                Map<String, String> hard = Quantities.list(q.path("spec").path("hard"));
                Map<String, BigDecimal> used = usage(a.namespace(), q.path("spec"), hard.keySet());
                usedBy.put(q, used);
                Set<String> tracked = new TreeSet<>(hard.keySet());
                tracked.retainAll(delta.keySet());
                if (a.is("", "pods")) {
                    String missing = missingCompute(a.object(), hard.keySet());
                    if (!missing.isEmpty()) {
                        return Verdict.denied(ApiException.forbidden(a.resource(), a.group(), a.name(),
                                "failed quota: " + quotaName + ": must specify " + missing));
                    }
                }
                Map<String, String> requested = new TreeMap<>();
                Map<String, String> usedNow = new TreeMap<>();
                Map<String, String> limited = new TreeMap<>();
                for (String k : tracked) {
                    BigDecimal d = delta.get(k);
                    if (d.signum() == 0) {
                        continue;
                    }
                    BigDecimal u = used.getOrDefault(k, BigDecimal.ZERO);
                    if (u.add(d).compareTo(Quantities.amount(hard.get(k))) > 0) {
                        requested.put(k, Quantities.format(d));
                        usedNow.put(k, Quantities.format(u));
                        limited.put(k, hard.get(k));
                    }
                }
                if (!requested.isEmpty()) {
                    return Verdict.denied(ApiException.forbidden(a.resource(), a.group(), a.name(),
                            "exceeded quota: " + quotaName + ", requested: " + print(requested) + ", used: "
                                    + print(usedNow) + ", limited: " + print(limited)));
                }
                if (!tracked.isEmpty()) {
                    touched.add(q);
                }
            }
            if (a.dryRun() || touched.isEmpty()) {
                return Verdict.allowed();
            }
            reservations.computeIfAbsent(a.namespace(), k -> new ConcurrentHashMap<>()).put(
                    a.group() + "/" + a.resource() + "/" + a.name(), new Reservation(a.resource(), a.group(), a.name(),
                            delta, a.object().deepCopy(), clock.instant().plus(RESERVATION_TTL)));
            for (ObjectNode q : touched) {
                recordUsage(a.namespace(), q, usedBy.get(q), delta);
            }
        }
        return Verdict.allowed();
    }

    private void recordUsage(String namespace, ObjectNode quota, Map<String, BigDecimal> used,
            Map<String, BigDecimal> delta) {
        Map<String, String> hard = Quantities.list(quota.path("spec").path("hard"));
        objects.update("", "resourcequotas", namespace, quota.path("metadata").path("name").asString(""), q -> {
            ObjectNode status = q.putObject("status");
            ObjectNode h = status.putObject("hard");
            hard.forEach(h::put);
            ObjectNode u = status.putObject("used");
            for (String k : hard.keySet()) {
                u.put(k, Quantities.format(used.getOrDefault(k, BigDecimal.ZERO)
                        .add(delta.getOrDefault(k, BigDecimal.ZERO))));
            }
            return q;
        });
    }

    private static String print(Map<String, String> list) {
        List<String> parts = new ArrayList<>();
        list.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(",", parts);
    }

    /** The compute resources a quota tracks that some container of {@code pod} does not set, comma-joined, sorted. */
    static String missingCompute(JsonNode pod, Set<String> hard) {
        Set<String> required = new TreeSet<>(hard);
        required.retainAll(QuotaUsage.COMPUTE);
        Set<String> missing = new TreeSet<>();
        for (String field : ContainerLists.REGULAR_AND_INIT) {
            for (JsonNode c : pod.path("spec").path(field)) {
                Set<String> has = containerKeys(c.path("resources"));
                for (String r : required) {
                    if (!has.contains(r)) {
                        missing.add(r);
                    }
                }
            }
        }
        return String.join(",", missing);
    }

    private static Set<String> containerKeys(JsonNode resources) {
        Set<String> out = new LinkedHashSet<>();
        for (String r : List.of("cpu", "memory")) {
            if (resources.path("requests").has(r)) {
                out.add(r);
                out.add("requests." + r);
            }
            if (resources.path("limits").has(r)) {
                out.add("limits." + r);
            }
        }
        return out;
    }

    /**
     * The namespace's usage of {@code resources}: its objects from the cache, counted as the quota controller counts
     * them ({@link QuotaUsage}), plus this server's reservations.
     */
    private Map<String, BigDecimal> usage(String namespace, JsonNode quotaSpec, Set<String> resources) {
        Set<String> listed = new java.util.HashSet<>();
        Map<String, BigDecimal> total = new HashMap<>(QuotaUsage.total(quotaSpec, resources, gr -> {
            List<ObjectNode> items = objects.list(gr.group(), gr.resource(), namespace);
            for (ObjectNode o : items) {
                listed.add(gr.group() + "/" + gr.resource() + "/" + o.path("metadata").path("name").asString(""));
            }
            return items;
        }));
        Map<String, Reservation> pending = reservations.get(namespace);
        if (pending != null) {
            Instant now = clock.instant();
            pending.entrySet().removeIf(e -> listed.contains(e.getKey()) || e.getValue().expires().isBefore(now));
            pending.values().stream()
                    .filter(r -> QuotaScopes.matches(quotaSpec, r.group(), r.resource(), r.object()))
                    .forEach(r -> r.usage().forEach((k, v) -> total.merge(k, v, BigDecimal::add)));
        }
        return total;
    }
}
