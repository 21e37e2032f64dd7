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

    /** The strategy of kinds without specific rules. */
    ResourceStrategy DEFAULT = new ResourceStrategy() { };
}
