package io.kaji.apiserver.admission;

/** An admission plugin, enabled by its {@link #name()} (Kubernetes' plugin names, e.g. {@code PodSecurity}). */
public interface AdmissionPlugin {

    String name();
}
