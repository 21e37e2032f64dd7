package io.kaji.apiserver.registry;

import io.kaji.apiserver.errors.StatusCause;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * Per-type behaviour around the generic create/update flow: defaulting and validation, as Kubernetes'
 * registry strategies do. Implementations are stateless and thread-safe; they mutate the object they are given.
 */
public interface ResourceStrategy {

    /** How names of this type are validated. */
    enum NameRule {
        /** DNS-1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253 characters. */
        SUBDOMAIN,
        /** DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters (namespaces). */
        LABEL,
        /** DNS-1035 label: a label that starts with a letter (services). */
        DNS1035_LABEL,
        /** A path segment: anything but '/', '%', "." and ".." (RBAC objects). */
        PATH_SEGMENT
    }

    default NameRule nameRule() {
        return NameRule.SUBDOMAIN;
    }

    /** True when {@code metadata.generation} tracks spec changes for this type. */
    default boolean tracksGeneration() {
        return true;
    }

    /**
     * True when, without a status subresource, a status change bumps {@code metadata.generation} too (custom
     * resources: Kubernetes compares everything but metadata). Built-in kinds compare everything but metadata and
     * status.
     */
    default boolean statusChangesGeneration() {
        return false;
    }

    /** Defaults a new object before validation (status reset, spec defaults). */
    default void prepareForCreate(ObjectNode object) {
    }

    /** Defaults an update; {@code old} is the stored object and must not be modified. */
    default void prepareForUpdate(ObjectNode object, ObjectNode old) {
    }

    /** Type-specific validation beyond names and the schema; an empty list means valid. */
    default List<StatusCause> validate(ObjectNode object) {
        return List.of();
    }

    /** Validation a new object gets on top of {@link #validate} (rules Kubernetes checks on create only). */
    default List<StatusCause> validateCreate(ObjectNode object) {
        return List.of();
    }

    /** Checks that only apply to an update of {@code old} into {@code object} (what may not change). */
    default List<StatusCause> validateUpdate(ObjectNode object, ObjectNode old) {
        return List.of();
    }

    /**
     * Drops the fields this type does not know from a decoded object and returns their paths in document order
     * ({@code spec.foo}), for {@code fieldValidation}; null (the default) when the fabric8 model class decides,
     * as for every built-in type. Custom resources answer from their CRD's structural schema.
     */
    default List<String> dropUnknownFields(ObjectNode object) {
        return null;
    }

    /** Validation of a write through the {@code status} subresource; an empty list means valid. */
    default List<StatusCause> validateStatus(ObjectNode object) {
        return List.of();
    }

    /**
     * Called once when a delete request first reaches an object (no deletionTimestamp yet), before finalizers are
     * looked at: a type may add its own finalizer here (as CustomResourceDefinitions add the cleanup finalizer).
     */
    default void prepareForDelete(ObjectNode object) {
    }

    /** False for types that refuse {@code application/strategic-merge-patch+json} (custom resources: 415). */
    default boolean acceptsStrategicMergePatch() {
        return true;
    }

    /** Where the {@code scale} subresource reads and writes; null for the built-in workload layout. */
    default ScaleMapping scale() {
        return null;
    }

    /** This type's OpenAPI v3 schema, or null (the default) to generate it from the fabric8 model class. */
    default ObjectNode openApiSchema() {
        return null;
    }

    /** The strategy of kinds without specific rules. */
    ResourceStrategy DEFAULT = new ResourceStrategy() { };
}
