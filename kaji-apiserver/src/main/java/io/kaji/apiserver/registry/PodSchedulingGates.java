package io.kaji.apiserver.registry;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A pod's {@code spec.schedulingGates}: while any is left, the scheduler does not try the pod. Each gate is a
 * qualified name, listed once; a pod created with gates may not name its node, and gates may be removed but never
 * added afterwards. A pod created with gates starts with the condition PodScheduled=False, reason SchedulingGated
 * (which {@code kubectl get pods} shows as its status), as Kubernetes' pod strategy writes it.
 */
final class PodSchedulingGates {

    static final String REASON = "SchedulingGated";
    static final String MESSAGE = "Scheduling is blocked due to non-empty scheduling gates";

    private PodSchedulingGates() {
    }

    /** On create: the SchedulingGated condition for a gated pod that has no PodScheduled condition yet. */
    static void gatedCondition(ObjectNode pod) {
        if (pod.path("spec").path("schedulingGates").isEmpty()) {
            return;
        }
        ObjectNode status = Json.objectAt(pod, "status");
        for (JsonNode c : status.path("conditions")) {
            if ("PodScheduled".equals(c.path("type").asString(""))) {
                return;
            }
        }
        ArrayNode conditions = status.get("conditions") instanceof ArrayNode a ? a : status.putArray("conditions");
        ObjectNode c = conditions.addObject();
        c.put("type", "PodScheduled");
        c.put("status", "False");
        c.putNull("lastProbeTime");
        c.put("lastTransitionTime", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString());
        c.put("reason", REASON);
        c.put("message", MESSAGE);
    }

    /** The gates' names (pods and templates alike): qualified names, no duplicates. */
    static void validate(JsonNode spec, String path, List<StatusCause> causes) {
        JsonNode gates = spec.path("schedulingGates");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < gates.size(); i++) {
            String name = gates.get(i).path("name").asString("");
            String at = path + ".schedulingGates[" + i + "]";
            for (String problem : NameValidation.qualifiedNameErrors(name)) {
                causes.add(StatusCause.invalid(at, name, problem));
            }
            if (!seen.add(name)) {
                causes.add(new StatusCause("FieldValueDuplicate", "Duplicate value: \"" + name + "\"", at));
            }
        }
    }

    /** On create: a gated pod may not be bound to a node already. */
    static void validateCreate(JsonNode pod, List<StatusCause> causes) {
        if (!pod.path("spec").path("schedulingGates").isEmpty()
                && !pod.path("spec").path("nodeName").asString("").isEmpty()) {
            causes.add(StatusCause.forbidden("spec.nodeName", "cannot be set until all schedulingGates have been "
                    + "cleared"));
        }
    }

    /** On update: no gate that the pod did not have before. */
    static void validateUpdate(JsonNode pod, JsonNode old, List<StatusCause> causes) {
        Set<String> before = new HashSet<>();
        old.path("spec").path("schedulingGates").forEach(g -> before.add(g.path("name").asString("")));
        JsonNode now = pod.path("spec").path("schedulingGates");
        for (int i = 0; i < now.size(); i++) {
            String name = now.get(i).path("name").asString("");
            if (!before.contains(name)) {
                causes.add(StatusCause.forbidden("spec.schedulingGates[" + i + "].name",
                        "only deletion is allowed, but found new scheduling gate '" + name + "'"));
            }
        }
    }
}
