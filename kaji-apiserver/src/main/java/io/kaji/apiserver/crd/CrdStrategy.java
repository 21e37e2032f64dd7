package io.kaji.apiserver.crd;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.registry.ResourceStrategy;
import io.kaji.apiserver.schema.FieldValidation;
import io.kaji.apiserver.serialization.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes of CustomResourceDefinitions, as Kubernetes' CRD strategy: v1 defaults (singular, listKind, conversion
 * None), a fresh status on create with the storage version in {@code storedVersions}, immutable group and scope,
 * validation by {@link CrdValidation}; the first delete adds the {@code customresourcecleanup} finalizer and the
 * Terminating condition, so that {@link CrdController} removes the custom resources before the CRD goes.
 * Thread-safe.
 */
final class CrdStrategy implements ResourceStrategy {

    /** The finalizer under which the custom resources of a deleted CRD are removed. */
    static final String CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

    private final Clock clock;

    CrdStrategy(Clock clock) {
        this.clock = clock;
    }

    @Override
    public List<String> dropUnknownFields(ObjectNode object) {
        // The schemas are JSON Schema, which fabric8's typed model cannot describe field by field (its
        // additionalProperties/items are either-or wrappers): take them out, check the rest against the model.
        List<JsonNode> schemas = new ArrayList<>();
        JsonNode versions = object.path("spec").path("versions");
        for (JsonNode v : versions) {
            JsonNode schema = v.path("schema");
            schemas.add(schema instanceof ObjectNode s ? s.remove("openAPIV3Schema") : null);
        }
        FieldValidation.dropNulls(object);
        List<String> unknown = FieldValidation.dropUnknown(object, CustomResourceDefinition.class);
        int i = 0;
        for (JsonNode v : object.path("spec").path("versions")) {
            JsonNode schema = i < schemas.size() ? schemas.get(i) : null;
            if (schema != null && v instanceof ObjectNode vo) {
                Json.objectAt(vo, "schema").set("openAPIV3Schema", schema);
            }
            i++;
        }
        return unknown;
    }

    @Override
    public void prepareForCreate(ObjectNode crd) {
        applyDefaults(crd);
        crd.remove("status");
        ObjectNode status = crd.putObject("status");
        status.putArray("conditions");
        status.putObject("acceptedNames").put("kind", "").put("plural", "");
        ArrayNode stored = status.putArray("storedVersions");
        String storage = storageVersion(crd);
        if (storage != null) {
            stored.add(storage);
        }
    }

    @Override
    public void prepareForUpdate(ObjectNode crd, ObjectNode old) {
        applyDefaults(crd);
        List<StatusCause> causes = new ArrayList<>();
        for (String f : List.of("group", "scope")) {
            String now = Json.text(crd, "spec." + f);
            String before = Json.text(old, "spec." + f);
            if (before != null && !before.equals(now)) {
                causes.add(StatusCause.invalid("spec." + f, now, "field is immutable"));
            }
        }
        if (!causes.isEmpty()) {
            throw ApiException.invalid("CustomResourceDefinition", "apiextensions.k8s.io",
                    Json.text(old, "metadata.name"), causes);
        }
        String storage = storageVersion(crd);
        ArrayNode stored = Json.objectAt(crd, "status").withArray("storedVersions");
        boolean present = false;
        for (JsonNode s : stored) {
            present |= s.asString("").equals(storage);
        }
        if (storage != null && !present) {
            stored.add(storage);
        }
    }

    @Override
    public List<StatusCause> validate(ObjectNode crd) {
        return CrdValidation.validate(crd);
    }

    @Override
    public void prepareForDelete(ObjectNode crd) {
        ArrayNode finalizers = Json.metadata(crd).withArray("finalizers");
        boolean present = false;
        for (JsonNode f : finalizers) {
            present |= f.asString("").equals(CLEANUP_FINALIZER);
        }
        if (!present) {
            finalizers.add(CLEANUP_FINALIZER);
        }
        CrdConditions.set(crd, "Terminating", "True", "InstanceDeletionPending",
                "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon", now());
    }

    private String now() {
        return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Kubernetes' v1 defaults. */
    static void applyDefaults(ObjectNode crd) {
        ObjectNode spec = Json.objectAt(crd, "spec");
        ObjectNode names = Json.objectAt(spec, "names");
        String kind = names.path("kind").asString("");
        if (names.path("singular").asString("").isEmpty() && !kind.isEmpty()) {
            names.put("singular", kind.toLowerCase(Locale.ROOT));
        }
        if (names.path("listKind").asString("").isEmpty() && !kind.isEmpty()) {
            names.put("listKind", kind + "List");
        }
        if (!spec.has("conversion")) {
            spec.putObject("conversion").put("strategy", "None");
        }
    }

    /** The name of the version marked {@code storage: true}, or null. */
    static String storageVersion(JsonNode crd) {
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("storage").asBoolean(false)) {
                return v.path("name").asString(null);
            }
        }
        return null;
    }
}
