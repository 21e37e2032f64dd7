package io.kaji.apiserver.admission;

import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * Read access to stored objects for plugins that decide from cluster state (a namespace's labels, its pods).
 * Blocking; thread-safe. Returned objects are copies the caller may keep.
 */
public interface ClusterObjects {

    /** The object, or empty; {@code namespace} null for cluster-scoped resources. */
    Optional<ObjectNode> get(String group, String resource, String namespace, String name);

    /** Every object of the resource in {@code namespace} (all namespaces if null), from the watch cache. */
    List<ObjectNode> list(String group, String resource, String namespace);
}
