package io.kaji.scheduler.framework;

/** A scheduling plugin. It implements only the extension-point interfaces for the phases it takes part in. */
public interface Plugin {

    /** The name the plugin is enabled by in a profile (Kubernetes' plugin names, e.g. {@code TaintToleration}). */
    String name();
}
