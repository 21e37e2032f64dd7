package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.serialization.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * metav1.DeleteOptions from a DELETE body and/or query parameters.
 *
 * @param gracePeriodSeconds    requested grace period, or null for the object's default
 * @param propagationPolicy     Background, Foreground or Orphan (null = the resource's default)
 * @param preconditionUid       delete only this incarnation, or null
 * @param preconditionRv        delete only this version, or null
 * @param dryRun                true for {@code dryRun=All}
 */
record DeleteOptions(Long gracePeriodSeconds, String propagationPolicy, String preconditionUid,
        String preconditionRv, boolean dryRun) {

    static DeleteOptions from(ApiRequest req) {
        Long grace = null;
        String policy = null;
        String uid = null;
        String rv = null;
        boolean dryRun = Requests.dryRun(req);
        if (req.body().length > 0) {
            DeleteOptions fromBody = fromBody(Json.parseObject(req.body()), dryRun);
            grace = fromBody.gracePeriodSeconds();
            policy = fromBody.propagationPolicy();
            uid = fromBody.preconditionUid();
            rv = fromBody.preconditionRv();
            dryRun = fromBody.dryRun();
        }
        String gq = req.param("gracePeriodSeconds");
        if (gq != null) {
            try {
                grace = Long.parseLong(gq);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid gracePeriodSeconds \"" + gq + "\"");
            }
        }
        if (req.param("propagationPolicy") != null) {
            policy = req.param("propagationPolicy");
        }
        return validated(new DeleteOptions(grace, policy, uid, rv, dryRun));
    }

    /** DeleteOptions from a JSON object (a DELETE body, or an Eviction's {@code deleteOptions}). */
    static DeleteOptions fromBody(ObjectNode body, boolean dryRunQuery) {
        Long grace = null;
        boolean dryRun = dryRunQuery;
        JsonNode g = body.get("gracePeriodSeconds");
        if (g != null && g.isNumber()) {
            grace = g.asLong();
        }
        String policy = Json.text(body, "propagationPolicy");
        String uid = Json.text(body, "preconditions.uid");
        String rv = Json.text(body, "preconditions.resourceVersion");
        JsonNode dr = body.get("dryRun");
        if (dr != null && dr.isArray()) {
            for (JsonNode v : dr) {
                if (!v.asString("").equals("All")) {
                    throw ApiException.badRequest("Invalid dryRun value: " + v.asString(""));
                }
                dryRun = true;
            }
        }
        JsonNode orphan = body.get("orphanDependents");
        if (policy == null && orphan != null && orphan.asBoolean(false)) {
            policy = "Orphan";
        }
        return validated(new DeleteOptions(grace, policy, uid, rv, dryRun));
    }

    private static DeleteOptions validated(DeleteOptions o) {
        String policy = o.propagationPolicy();
        return o;
    }
}
