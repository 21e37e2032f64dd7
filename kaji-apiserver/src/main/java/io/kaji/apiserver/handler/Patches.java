package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.patch.JsonPatch;
import io.kaji.apiserver.patch.MergePatch;
import io.kaji.apiserver.patch.StrategicMergePatch;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.MediaTypes;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Chooses and applies a patch by its Content-Type. */
final class Patches {

    /** {@code APPLY} is server-side apply, which {@link ResourceHandler} runs through its FieldManager. */
    enum Kind { JSON_PATCH, MERGE, STRATEGIC, APPLY }

    private Patches() {
    }

    static Kind kind(String contentType) {
        return switch (MediaTypes.base(contentType)) {
            case MediaTypes.JSON_PATCH -> Kind.JSON_PATCH;
            case MediaTypes.MERGE_PATCH -> Kind.MERGE;
            case MediaTypes.STRATEGIC_MERGE_PATCH -> Kind.STRATEGIC;
            case MediaTypes.APPLY_PATCH -> Kind.APPLY;
            default -> throw new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown "
                    + "format - accepted media types include: application/json-patch+json, "
                    + "application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
                    null);
        };
    }

    /** The 415 Kubernetes answers a strategic merge patch of a custom resource with. */
    static ApiException strategicNotSupported(String contentType) {
        return new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                + "accepted media types include: application/json-patch+json, application/merge-patch+json, "
                + "application/apply-patch+yaml", null);
    }

    static JsonNode parse(Kind kind, byte[] body) {
        if (kind == Kind.APPLY) {
            throw new ApiException(415, "UnsupportedMediaType", "apply patches are not supported here; use "
                    + "application/merge-patch+json", null);
        }
        JsonNode patch = Json.parse(body, Json.MAPPER);
        if (kind == Kind.JSON_PATCH ? !patch.isArray() : !patch.isObject()) {
            throw ApiException.badRequest(kind == Kind.JSON_PATCH ? "json patch must be a JSON array of operations"
                    : "the patch must be a JSON object");
        }
        return patch;
    }

    static ObjectNode apply(Kind kind, ObjectNode current, JsonNode patch) {
        JsonNode out = switch (kind) {
            case JSON_PATCH -> JsonPatch.apply(current, patch);
            case MERGE -> MergePatch.apply(current, patch);
            case STRATEGIC -> StrategicMergePatch.apply(current, patch);
            case APPLY -> throw new IllegalArgumentException("apply patches go through the FieldManager");
        };
        if (!(out instanceof ObjectNode o)) {
            throw ApiException.badRequest("the patch turned the object into a " + out.getNodeType());
        }
        return o;
    }
}
