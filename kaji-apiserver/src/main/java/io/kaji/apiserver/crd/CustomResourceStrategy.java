package io.kaji.apiserver.crd;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.registry.ResourceStrategy;
import io.kaji.apiserver.registry.ScaleMapping;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * How objects of one custom resource version are written, from its CRD: unknown fields pruned by the structural
 * schema, defaults applied, then schema validation; with the status subresource, creates drop {@code status}
 * (and the handler keeps the main resource and {@code /status} apart); strategic merge patch is refused with 415,
 * as Kubernetes refuses it for custom resources; once the CRD is being deleted, creates are refused with 405.
 * Thread-safe.
 */
final class CustomResourceStrategy implements ResourceStrategy {

    private final StructuralSchema schema;
    private final ObjectNode openApiSchema;
    private final boolean statusSubresource;
    private final ScaleMapping scale;
    private final String group;
    private final String plural;
    private volatile boolean terminating;

    /**
     * @param openApiSchema the version's {@code openAPIV3Schema} (not modified)
     * @param scale         the scale subresource's paths, or null without it
     */
    CustomResourceStrategy(String group, String plural, ObjectNode openApiSchema, boolean statusSubresource,
            ScaleMapping scale) {
        this.group = group;
        this.plural = plural;
        this.openApiSchema = openApiSchema.deepCopy();
        this.schema = StructuralSchema.parse(openApiSchema);
        this.statusSubresource = statusSubresource;
        this.scale = scale;
    }

    @Override
    public List<String> dropUnknownFields(ObjectNode object) {
        return SchemaPruner.prune(object, schema);
    }

    /** Refuses creates from now on: the CRD is being deleted (its objects are being cleaned up). */
    void markTerminating() {
        terminating = true;
    }

    @Override
    public void prepareForCreate(ObjectNode object) {
        if (terminating) {
            // Kubernetes' wording (crdHandler): new objects would outlive the cleanup.
            throw new ApiException(405, "MethodNotAllowed", "create not allowed while custom resource definition is "
                    + "terminating", new ApiException.Details(null, group, plural, List.of()));
        }
        if (statusSubresource) {
            object.remove("status");
        }
        SchemaDefaulter.apply(object, schema);
    }

    @Override
    public void prepareForUpdate(ObjectNode object, ObjectNode old) {
        SchemaDefaulter.apply(object, schema);
    }

    @Override
    public List<StatusCause> validate(ObjectNode object) {
        return SchemaValidator.validate(object, schema);
    }

    @Override
    public List<StatusCause> validateStatus(ObjectNode object) {
        SchemaDefaulter.apply(object, schema);
        return SchemaValidator.validate(object, schema);
    }

    @Override
    public boolean statusChangesGeneration() {
        return true;
    }

    @Override
    public boolean acceptsStrategicMergePatch() {
        return false;
    }

    @Override
    public ScaleMapping scale() {
        return scale;
    }

    @Override
    public ObjectNode openApiSchema() {
        return openApiSchema.deepCopy();
    }
}
