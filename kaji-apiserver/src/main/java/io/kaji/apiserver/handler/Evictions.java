package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.protobuf.ProtobufDecoder;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.selector.FieldSelector;
import io.kaji.apiserver.selector.LabelSelector;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.MediaTypes;
import io.kaji.apiserver.table.Cells;
import io.kaji.apiserver.watchcache.CachedObject;
import io.kaji.apiserver.watchcache.WatchCache;
import io.kaji.apiserver.watchcache.WatchFilter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code pods/eviction} subresource (policy/v1 Eviction), as Kubernetes' eviction REST handler decides it: a
 * pod that is not running yet or has finished is deleted at once; otherwise the one PodDisruptionBudget selecting
 * it must allow a disruption, which the eviction takes (decrementing {@code status.disruptionsAllowed} and recording
 * the pod under {@code status.disruptedPods} with a compare-and-swap on the budget) before the pod is deleted with
 * the eviction's delete options. A budget that allows none answers 429, which {@code kubectl drain} retries.
 */
final class Evictions {

    /** Kubernetes' limit on pods evicted but not yet seen gone by the disruption controller. */
    static final int MAX_DISRUPTED_PODS = 2000;
    static final String VIOLATES = "Cannot evict pod as it would violate the pod's disruption budget.";

    private final ResourceRegistry registry;
    private final ObjectStorage storage;
    private final WatchCache cache;
    private final Clock clock;

    Evictions(ResourceRegistry registry, ObjectStorage storage, WatchCache cache, Clock clock) {
        this.registry = registry;
        this.storage = storage;
        this.cache = cache;
        this.clock = clock;
    }

    /**
     * Checks and takes the disruption for evicting {@code name}; returns the delete options to delete the pod with.
     * Throws the Status Kubernetes answers when the eviction must not happen.
     */
    DeleteOptions admit(ResourceDefinition podDef, String ns, String name, ApiRequest req) {
        ObjectNode eviction = req.body().length == 0 ? Json.object()
                : MediaTypes.base(req.header("Content-Type")).equals(MediaTypes.PROTOBUF)
                        ? ProtobufDecoder.decode(req.body()) : Json.parseObject(req.body());
        String evictionName = Json.text(eviction, "metadata.name");
        if (evictionName != null && !evictionName.isEmpty() && !evictionName.equals(name)) {
            throw ApiException.badRequest("name in URL does not match name in Eviction object");
        }
        boolean dryRun = Requests.dryRun(req);
        JsonNode optionsNode = eviction.get("deleteOptions");
        DeleteOptions options = optionsNode instanceof ObjectNode o ? DeleteOptions.fromBody(o, dryRun)
                : new DeleteOptions(null, null, null, null, dryRun);
        ObjectNode pod = storage.get(podDef, ns, name);
        String phase = Json.text(pod, "status.phase");
        if ("Succeeded".equals(phase) || "Failed".equals(phase) || "Pending".equals(phase)
                || Json.at(pod, "metadata.deletionTimestamp") != null) {
            return options; // nothing running to protect
        }
        ResourceDefinition pdbDef = registry.find("policy", "v1", "poddisruptionbudgets")
                .orElseThrow(() -> ApiException.internal("policy/v1 poddisruptionbudgets is not registered"));
        List<String> budgets = budgetsSelecting(pdbDef, ns, labels(pod));
        if (budgets.isEmpty()) {
            return options;
        }
        if (budgets.size() > 1) {
            throw ApiException.internal("This pod has more than one PodDisruptionBudget, which the eviction "
                    + "subresource does not support.");
        }
        String budget = budgets.get(0);
        storage.update(pdbDef, ns, budget, dryRun, current -> take(current, budget, name));
        return options;
    }

    /** The budget after taking one disruption for {@code pod}, or the Status refusing it. */
    private ObjectNode take(ObjectNode pdb, String budget, String pod) {
        long generation = Json.longAt(pdb, "metadata.generation", 0);
        long observed = Json.longAt(pdb, "status.observedGeneration", 0);
        if (observed < generation) {
            throw tooMany("The disruption budget " + budget + " is still being processed by the server.");
        }
        long allowed = Json.longAt(pdb, "status.disruptionsAllowed", 0);
        if (allowed < 0) {
            throw ApiException.forbidden("pods", "", pod, "pdb disruptions allowed is negative");
        }
        JsonNode disrupted = Json.at(pdb, "status.disruptedPods");
        if (disrupted != null && disrupted.size() > MAX_DISRUPTED_PODS) {
            throw ApiException.forbidden("pods", "", pod,
                    "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
        }
        if (allowed == 0) {
            throw tooMany("The disruption budget " + budget + " needs " + Json.longAt(pdb, "status.desiredHealthy", 0)
                    + " healthy pods and has " + Json.longAt(pdb, "status.currentHealthy", 0) + " currently");
        }
        ObjectNode next = pdb.deepCopy();
        ObjectNode status = Json.objectAt(next, "status");
        status.put("disruptionsAllowed", allowed - 1);
        ObjectNode pods = status.has("disruptedPods") && status.get("disruptedPods") instanceof ObjectNode o ? o
                : status.putObject("disruptedPods");
        pods.put(pod, Instant.now(clock).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        return next;
    }

    private static ApiException tooMany(String cause) {
        return new ApiException(429, "TooManyRequests", VIOLATES, new ApiException.Details(null, null, null,
                List.of(new StatusCause("DisruptionBudget", cause, null))));
    }

    /** The names of the budgets in {@code ns} whose selector matches {@code labels}. */
    private List<String> budgetsSelecting(ResourceDefinition pdbDef, String ns, Map<String, String> labels) {
        List<String> out = new ArrayList<>();
        WatchFilter filter = new WatchFilter(ns, LabelSelector.everything(), FieldSelector.everything());
        for (CachedObject c : cache.cache(pdbDef).list(filter, null).items()) {
            JsonNode selector = Json.at(c.object(), "spec.selector");
            if (selector == null || selector.isNull()) {
                continue; // a nil selector selects nothing
            }
            String text = Cells.selector(selector);
            LabelSelector parsed = text.equals(Cells.NONE) ? LabelSelector.everything() : LabelSelector.parse(text);
            if (parsed.matches(labels)) {
                out.add(Json.text(c.object(), "metadata.name"));
            }
        }
        return out;
    }

    private static Map<String, String> labels(ObjectNode pod) {
        Map<String, String> labels = new HashMap<>();
        JsonNode l = Json.at(pod, "metadata.labels");
        if (l != null) {
            for (var e : l.properties()) {
                labels.put(e.getKey(), e.getValue().asString());
            }
        }
        return labels;
    }

    /** The Status Kubernetes answers a successful eviction with. */
    static ObjectNode success() {
        ObjectNode s = Json.object();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Success");
        s.put("code", 201);
        return s;
    }

}
