package io.kaji.apiserver.admission;

import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * Read access to stored objects for plugins that decide from cluster state (a namespace's labels, its pods).
 * Blocking; thread-safe. Returned objects are copies the caller may keep.
 */
public interface ClusterObjects {

    /**
     * The object, or empty; {@code namespace} null for cluster-scoped resources. From the watch cache without waiting
     * for it, or from the store when the cache does not have it yet.
     */
    Optional<ObjectNode> get(String group, String resource, String namespace, String name);

    /**
     * Every object of the resource in {@code namespace} (all namespaces if null), from the watch cache once it has
     * caught up with every write acknowledged so far (a consistent read; it may wait for the cache).
     */
    List<ObjectNode> list(String group, String resource, String namespace);

    /**
     * Every object of a resource with few objects per namespace (LimitRanges, ResourceQuotas), looked up on every
     * create: from the watch cache without waiting for it; when the cache has none, from the store, an empty answer
     * being remembered for a while (as Kubernetes' plugins do with their live lookups).
     */
    List<ObjectNode> listFew(String group, String resource, String namespace);

    /**
     * Every object of a cluster-scoped resource as the watch cache has it now, without waiting and without a store
     * read (what an informer would give: webhook configurations, looked up on every write). Defaults to
     * {@link #listFew}.
     */
    default List<ObjectNode> listCached(String group, String resource) {
        return listFew(group, resource, null);
    }

    /**
     * Read-modify-write of one object (retried on conflicts): {@code change} gets a copy of the current object and
     * returns the object to store. Used for side effects such as quota usage in a ResourceQuota's status.
     *
     * @return the stored object, or empty when it does not exist
     */
    Optional<ObjectNode> update(String group, String resource, String namespace, String name,
            java.util.function.UnaryOperator<ObjectNode> change);
}
