package io.kaji.apiserver.auth.rbac;

import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.StoredObjects;
import io.kaji.store.KeyValue;
import io.kaji.store.RevisionedStore;
import io.kaji.store.WriteResult;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the {@link BootstrapPolicy} at server start, as kube-apiserver's RBAC post-start hook does: missing roles
 * and bindings are created; existing ones annotated {@code rbac.authorization.kubernetes.io/autoupdate: "true"}
 * (or without the annotation) get the default rules, labels, aggregation rule and subjects they lack, keeping
 * whatever an administrator added; ones annotated {@code "false"} are left alone. Blocks on the store.
 */
public final class PolicyReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyReconciler.class);
    private static final String AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate";

    private final RevisionedStore store;
    private final ResourceDefinition clusterRoles;
    private final ResourceDefinition clusterRoleBindings;
    private final Clock clock;

    public PolicyReconciler(RevisionedStore store, ResourceRegistry registry, Clock clock) {
        this.store = store;
        this.clusterRoles = registry.find("rbac.authorization.k8s.io", "v1", "clusterroles").orElseThrow();
        this.clusterRoleBindings = registry.find("rbac.authorization.k8s.io", "v1", "clusterrolebindings")
                .orElseThrow();
        this.clock = clock;
    }

    /** Reconciles every default role and binding; returns how many objects were written. */
    public int reconcile() {
        int written = 0;
        for (BootstrapPolicy.Role role : BootstrapPolicy.clusterRoles()) {
            written += ensure(clusterRoles, BootstrapPolicy.toObject(role)) ? 1 : 0;
        }
        for (BootstrapPolicy.Binding b : BootstrapPolicy.clusterRoleBindings()) {
            written += ensure(clusterRoleBindings, BootstrapPolicy.toObject(b)) ? 1 : 0;
        }
        LOG.info("RBAC bootstrap policy reconciled ({} objects written)", written);
        return written;
    }

    private boolean ensure(ResourceDefinition def, ObjectNode wanted) {
        String name = Json.text(wanted, "metadata.name");
        String key = def.key(null, name);
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<KeyValue> current = store.get(key);
            if (current.isEmpty()) {
                ObjectNode meta = Json.metadata(wanted);
                meta.put("uid", UUID.randomUUID().toString());
                meta.put("creationTimestamp", Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
                if (store.create(key, StoredObjects.encode(wanted)) instanceof WriteResult.Written) {
                    return true;
                }
                continue;
            }
            ObjectNode existing = StoredObjects.decode(current.get());
            if ("false".equals(annotation(existing))) {
                return false;
            }
            ObjectNode merged = merge(existing.deepCopy(), wanted);
            if (merged.equals(existing)) {
                return false;
            }
            Json.metadata(merged).remove("resourceVersion");
            if (store.update(key, StoredObjects.encode(merged), current.get().modRevision())
                    instanceof WriteResult.Written) {
                LOG.info("reconciled default {} {}", def.kind(), name);
                return true;
            }
        }
        LOG.warn("could not reconcile default {} {}: it keeps changing", def.kind(), name);
        return false;
    }

    private static String annotation(JsonNode o) {
        JsonNode a = o.path("metadata").path("annotations").get(AUTOUPDATE);
        return a != null && a.isString() ? a.stringValue() : null;
    }

    /** {@code existing} with the labels, rules, aggregation rule and subjects of {@code wanted} added. */
    static ObjectNode merge(ObjectNode existing, ObjectNode wanted) {
        ObjectNode meta = Json.metadata(existing);
        Json.objectAt(meta, "labels").setAll(Json.objectAt(Json.metadata(wanted), "labels"));
        if (annotation(existing) == null) {
            Json.objectAt(meta, "annotations").put(AUTOUPDATE, "true");
        }
        if (wanted.has("rules")) {
            List<PolicyRule> have = new ArrayList<>(PolicyRule.rulesOf(existing));
            ArrayNode rules = existing.withArray("rules");
            for (PolicyRule r : PolicyRule.rulesOf(wanted)) {
                if (!have.contains(r)) {
                    rules.add(r.toJson());
                    have.add(r);
                }
            }
        }
        if (wanted.has("aggregationRule") && !existing.has("aggregationRule")) {
            existing.set("aggregationRule", wanted.get("aggregationRule").deepCopy());
        }
        if (wanted.has("subjects")) {
            ArrayNode subjects = existing.withArray("subjects");
            for (JsonNode s : wanted.get("subjects")) {
                boolean present = false;
                for (JsonNode e : subjects) {
                    if (e.path("kind").equals(s.path("kind")) && e.path("name").equals(s.path("name"))
                            && e.path("namespace").equals(s.path("namespace"))) {
                        present = true;
                        break;
                    }
                }
                if (!present) {
                    subjects.add(s.deepCopy());
                }
            }
        }
        return existing;
    }
}
