package io.kaji.apiserver.handler;

import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.store.KeyValue;
import io.kaji.store.RangeRequest;
import io.kaji.store.RevisionedStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes the deletion of a namespace in the background: deletes every namespaced object in it, then the
 * namespace itself. A stand-in for Kubernetes' namespace controller until the controller manager has one; it
 * does not wait for the objects' own finalizers.
 */
final class NamespaceCleaner {

    private static final Logger LOG = LoggerFactory.getLogger(NamespaceCleaner.class);

    private final ResourceRegistry registry;
    private final RevisionedStore store;

    NamespaceCleaner(ResourceRegistry registry, RevisionedStore store) {
        this.registry = registry;
        this.store = store;
    }

    void finalizeLater(String namespace) {
        Thread.ofVirtual().name("namespace-cleaner-" + namespace).start(() -> {
            try {
                clean(namespace);
            } catch (RuntimeException e) {
                LOG.warn("namespace {}: cleanup failed; it stays Terminating until deleted again", namespace, e);
            }
        });
    }

    private void clean(String namespace) {
        for (ResourceDefinition def : registry.all()) {
            if (!def.namespaced()) {
                continue;
            }
            for (KeyValue kv : store.range(RangeRequest.prefix(def.keyPrefix(namespace))).kvs()) {
                store.delete(kv.key(), kv.modRevision());
            }
        }
        String key = registry.find("", "v1", "namespaces").orElseThrow().key(null, namespace);
        store.get(key).ifPresent(kv -> store.delete(key, kv.modRevision()));
        LOG.info("namespace {} deleted with its contents", namespace);
    }
}
