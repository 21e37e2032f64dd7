package io.kaji.apiserver.crd;

import io.kaji.apiserver.serialization.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Reads and sets {@code status.conditions} of a CRD; lastTransitionTime changes only when the status does. */
final class CrdConditions {

    private CrdConditions() {
    }

    /** Sets condition {@code type}; returns true when anything changed. */
    static boolean set(ObjectNode crd, String type, String status, String reason, String message, String now) {
        ArrayNode conditions = Json.objectAt(crd, "status").withArray("conditions");
        for (JsonNode c : conditions) {
            if (type.equals(c.path("type").asString("")) && c instanceof ObjectNode o) {
                boolean transition = !status.equals(o.path("status").asString(""));
                boolean changed = transition || !reason.equals(o.path("reason").asString(""))
                        || !message.equals(o.path("message").asString(""));
                o.put("status", status);
                o.put("reason", reason);
                o.put("message", message);
                if (transition) {
                    o.put("lastTransitionTime", now);
                }
                return changed;
            }
        }
        ObjectNode c = conditions.addObject();
        c.put("type", type);
        c.put("status", status);
        c.put("lastTransitionTime", now);
        c.put("reason", reason);
        c.put("message", message);
        return true;
    }

    /** True when condition {@code type} has status True. */
    static boolean isTrue(JsonNode crd, String type) {
        for (JsonNode c : crd.path("status").path("conditions")) {
            if (type.equals(c.path("type").asString("")) && "True".equals(c.path("status").asString(""))) {
                return true;
            }
        }
        return false;
    }
}
