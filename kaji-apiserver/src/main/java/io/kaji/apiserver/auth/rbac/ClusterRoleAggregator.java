package io.kaji.apiserver.auth.rbac;

import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.StoredObjects;
import io.kaji.store.KeyValue;
import io.kaji.store.RevisionedStore;
import io.kaji.store.WriteResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The ClusterRole aggregation controller (Kubernetes runs it in the controller manager; Kaji in the API server, so
 * that admin, edit and view are complete as soon as the server is): a ClusterRole with an {@code aggregationRule}
 * gets, as its rules, the rules of every other ClusterRole whose labels match one of its
 * {@code clusterRoleSelectors}, taken in name order without duplicates. Runs after each ClusterRole change
 * (coalesced) on the given executor; reads and writes the store.
 */
public final class ClusterRoleAggregator {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterRoleAggregator.class);

    private final RevisionedStore store;
    private final ResourceDefinition clusterRoles;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean pending = new AtomicBoolean();

    public ClusterRoleAggregator(RevisionedStore store, ResourceRegistry registry, ScheduledExecutorService executor) {
        this.store = store;
        this.clusterRoles = registry.find("rbac.authorization.k8s.io", "v1", "clusterroles").orElseThrow();
        this.executor = executor;
    }

    /** Schedules a pass soon; calls while one is pending are merged into it. Never blocks. */
    public void changed() {
        if (pending.compareAndSet(false, true)) {
            executor.schedule(() -> {
                pending.set(false);
                try {
                    aggregateAll();
                } catch (RuntimeException e) {
                    LOG.warn("ClusterRole aggregation failed: {}", e.toString());
                }
            }, 50, TimeUnit.MILLISECONDS);
        }
    }

    /** One pass over every ClusterRole; returns how many were rewritten. */
    public int aggregateAll() {
        String prefix = clusterRoles.keyPrefix(null);
        Map<String, KeyValue> byName = new TreeMap<>();
        Map<String, ObjectNode> objects = new HashMap<>();
        for (KeyValue kv : store.range(io.kaji.store.RangeRequest.prefix(prefix)).kvs()) {
            ObjectNode o = StoredObjects.decode(kv);
            String name = Json.text(o, "metadata.name");
            byName.put(name, kv);
            objects.put(name, o);
        }
        int written = 0;
        for (var e : byName.entrySet()) {
            ObjectNode role = objects.get(e.getKey());
            JsonNode selectors = role.path("aggregationRule").get("clusterRoleSelectors");
            if (selectors == null || !selectors.isArray()) {
                continue;
            }
            List<PolicyRule> rules = new ArrayList<>();
            for (var other : objects.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
                if (other.getKey().equals(e.getKey()) || !matchesAny(selectors, labels(other.getValue()))) {
                    continue;
                }
                for (PolicyRule r : PolicyRule.rulesOf(other.getValue())) {
                    if (!rules.contains(r)) {
                        rules.add(r);
                    }
                }
            }
            if (rules.equals(PolicyRule.rulesOf(role))) {
                continue;
            }
            ArrayNode out = Json.array();
            rules.forEach(r -> out.add(r.toJson()));
            role.set("rules", out);
            Json.metadata(role).remove("resourceVersion");
            if (store.update(e.getValue().key(), StoredObjects.encode(role), e.getValue().modRevision())
                    instanceof WriteResult.Written) {
                written++;
                LOG.debug("aggregated {} rules into ClusterRole {}", rules.size(), e.getKey());
            } else {
                changed();
            }
        }
        return written;
    }

    private static Map<String, String> labels(JsonNode o) {
        Map<String, String> out = new HashMap<>();
        JsonNode l = o.path("metadata").get("labels");
        if (l != null && l.isObject()) {
            l.properties().forEach(p -> out.put(p.getKey(), p.getValue().isString() ? p.getValue().stringValue()
                    : p.getValue().toString()));
        }
        return out;
    }

    static boolean matchesAny(JsonNode selectors, Map<String, String> labels) {
        for (JsonNode s : selectors) {
            if (matches(s, labels)) {
                return true;
            }
        }
        return false;
    }

    /** A metav1.LabelSelector: every matchLabels pair and every matchExpressions requirement must hold. */
    static boolean matches(JsonNode selector, Map<String, String> labels) {
        JsonNode ml = selector.get("matchLabels");
        JsonNode me = selector.get("matchExpressions");
        boolean empty = (ml == null || ml.isEmpty()) && (me == null || me.isEmpty());
        if (empty) {
            // An empty selector in an aggregation rule selects nothing (Kubernetes treats it as labels.Nothing()).
            return false;
        }
        if (ml != null && ml.isObject()) {
            for (var p : ml.properties()) {
                if (!p.getValue().isString() || !p.getValue().stringValue().equals(labels.get(p.getKey()))) {
                    return false;
                }
            }
        }
        if (me != null && me.isArray()) {
            for (JsonNode req : me) {
                String key = req.path("key").asString("");
                String op = req.path("operator").asString("");
                List<String> values = new ArrayList<>();
                req.path("values").forEach(v -> values.add(v.asString("")));
                String v = labels.get(key);
                boolean ok = switch (op) {
                    case "In" -> v != null && values.contains(v);
                    case "NotIn" -> v == null || !values.contains(v);
                    case "Exists" -> v != null;
                    case "DoesNotExist" -> v == null;
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }
}
