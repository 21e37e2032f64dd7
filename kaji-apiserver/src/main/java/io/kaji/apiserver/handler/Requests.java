package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.schema.FieldValidation;

/** Query parameters shared by several verbs, validated the way Kubernetes validates them. */
final class Requests {

    private Requests() {
    }

    /** {@code dryRun=All} (the only value Kubernetes accepts). */
    static boolean dryRun(ApiRequest req) {
        var values = req.query().get("dryRun");
        if (values == null || values.isEmpty()) {
            return false;
        }
        for (String v : values) {
            if (!v.equals("All")) {
                throw ApiException.badRequest("Invalid dryRun parameter: unsupported value \"" + v
                        + "\"; supported values: \"All\"");
            }
        }
        return true;
    }

    static FieldValidation.Mode fieldValidation(ApiRequest req) {
        String v = req.param("fieldValidation");
        FieldValidation.Mode mode = FieldValidation.Mode.parse(v);
        if (mode == null) {
            throw ApiException.badRequest("fieldValidation parameter unsupported value: \"" + v
                    + "\", supported values: \"Ignore\", \"Warn\", \"Strict\"");
        }
        return mode;
    }

    /** An integer parameter, or {@code fallback} when absent. */
    static long longParam(ApiRequest req, String name, long fallback) {
        String v = req.param(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid " + name + " \"" + v + "\": must be an integer");
        }
    }

    /**
     * The manager of a write: {@code fieldManager}, else derived from the User-Agent as Kubernetes does
     * ({@code kubectl}, {@code fabric8-kubernetes-client}).
     */
    static String fieldManager(ApiRequest req) {
        return io.kaji.apiserver.apply.FieldManager.managerOf(req.param("fieldManager"), req.header("User-Agent"));
    }
}
