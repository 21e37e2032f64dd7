package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The API server's half of namespace deletion, as Kubernetes' namespace registry does it: a DELETE only marks the
 * namespace (deletionTimestamp, {@code status.phase: Terminating}); the namespace controller empties it and then
 * removes its token from {@code spec.finalizers} through the {@code finalize} subresource; the namespace object
 * goes once {@code spec.finalizers} and {@code metadata.finalizers} are both empty. Stateless.
 */
final class NamespaceFinalization {

    /** What Kubernetes answers to a second DELETE of a namespace that still has content to remove. */
    static final String STILL_FINALIZING = "The system is ensuring all content is removed from this namespace.  "
            + "Upon completion, this namespace will automatically be purged by the system.";

    private NamespaceFinalization() {
    }

    /**
     * The namespace after a DELETE: marked Terminating, or null when nothing holds it (no finalizers of either
     * kind) and it is to be removed now.
     *
     * @throws ApiException 409 when it is already terminating and still has spec finalizers
     */
    static ObjectNode delete(ObjectNode current, String now) {
        ObjectNode meta = Json.metadata(current);
        boolean finalized = specFinalizers(current).isEmpty();
        if (meta.has("deletionTimestamp")) {
            if (!finalized) {
                throw ApiException.conflict("namespaces", "", Json.text(meta, "name"), STILL_FINALIZING);
            }
        } else {
            meta.put("deletionTimestamp", now);
            meta.put("deletionGracePeriodSeconds", 0);
            Json.objectAt(current, "status").put("phase", "Terminating");
        }
        JsonNode metaFinalizers = meta.get("finalizers");
        boolean held = metaFinalizers != null && metaFinalizers.isArray() && !metaFinalizers.isEmpty();
        return finalized && !held ? null : current;
    }

    /**
     * A write through {@code namespaces/{name}/finalize}: the stored namespace with only {@code spec.finalizers}
     * taken from {@code desired} (Kubernetes' finalize strategy also keeps status; Kaji keeps everything else too).
     *
     * @throws ApiException 422 when a finalizer is not a string
     */
    static ObjectNode finalizeUpdate(ObjectNode current, ObjectNode desired) {
        ObjectNode next = current.deepCopy();
        JsonNode wanted = desired.path("spec").get("finalizers");
        ObjectNode spec = Json.objectAt(next, "spec");
        if (wanted == null || wanted.isNull()) {
            spec.remove("finalizers");
            return next;
        }
        if (!wanted.isArray()) {
            throw ApiException.badRequest("spec.finalizers must be a list of finalizer names");
        }
        ArrayNode list = spec.putArray("finalizers");
        for (JsonNode f : wanted) {
            if (!f.isString() || f.asString().isEmpty()) {
                throw ApiException.badRequest("spec.finalizers must be a list of finalizer names, not " + f);
            }
            list.add(f.asString());
        }
        return next;
    }

    /** The namespace's {@code spec.finalizers}, in order. */
    static List<String> specFinalizers(ObjectNode namespace) {
        List<String> out = new ArrayList<>();
        JsonNode f = namespace.path("spec").get("finalizers");
        if (f != null && f.isArray()) {
            f.forEach(v -> out.add(v.asString()));
        }
        return out;
    }
}
