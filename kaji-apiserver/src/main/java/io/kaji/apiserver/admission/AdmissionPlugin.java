package io.kaji.apiserver.admission;

/** An admission plugin, enabled by its {@link #name()} (Kubernetes' plugin names, e.g. {@code PodSecurity}). */
public interface AdmissionPlugin {

    String name();

    /**
     * Whether the plugin wants to see this request (Kubernetes' {@code Handles(operation)}). By default a plugin
     * sees creates and updates of objects, not deletes and not evictions; plugins that restrict those say so.
     */
    default boolean handles(AdmissionAttributes attributes) {
        return attributes.operation() != AdmissionAttributes.Operation.DELETE
                && !"eviction".equals(attributes.subresource());
    }
}
