package io.kaji.support.assess;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The object a finding is about.
 *
 * @param kind the Kubernetes kind ({@code Deployment}, {@code ClusterRole}), or a pseudo kind for host files
 *             and settings ({@code File}, {@code Setting}, {@code Cluster})
 * @param namespace the namespace, null for cluster-scoped objects
 * @param name the object's name (for files: the path; for settings: the flag)
 */
public record ObjectRef(String kind, String namespace, String name) {

    /** The whole cluster, for findings that are about no single object. */
    public static final ObjectRef CLUSTER = new ObjectRef("Cluster", null, "");

    /** The reference of a Kubernetes object; the kind is taken from the object, or its model class. */
    public static ObjectRef of(HasMetadata object) {
        String kind = object.getKind() != null ? object.getKind() : object.getClass().getSimpleName();
        return new ObjectRef(kind, object.getMetadata().getNamespace(), object.getMetadata().getName());
    }

    /** {@code Kind namespace/name} or {@code Kind name}. */
    @Override
    public String toString() {
        return kind + " " + (namespace == null || namespace.isEmpty() ? name : namespace + "/" + name);
    }
}
