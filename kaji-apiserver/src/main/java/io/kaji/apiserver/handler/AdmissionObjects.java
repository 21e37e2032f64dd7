package io.kaji.apiserver.handler;

import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * What admission plugins read: single objects and small lists from the store, large lists from the watch cache
 * once it has caught up with the writes acknowledged so far.
 */
final class AdmissionObjects implements ClusterObjects {

    private static final ApiRequest NO_SELECTORS = new ApiRequest("GET", "/", Map.of(), name -> null, null);

    private final ResourceRegistry registry;
    private final ObjectStorage storage;
    private final Lists lists;

    AdmissionObjects(ResourceRegistry registry, ObjectStorage storage, Lists lists) {
        this.registry = registry;
        this.storage = storage;
        this.lists = lists;
    }

    @Override
    public Optional<ObjectNode> get(String group, String resource, String namespace, String name) {
        return definition(group, resource).flatMap(def -> storage.find(def, namespace, name));
    }

    @Override
    public List<ObjectNode> list(String group, String resource, String namespace) {
        return definition(group, resource).map(def -> lists.matching(def, namespace, NO_SELECTORS))
                .orElse(List.of());
    }

    @Override
    public List<ObjectNode> listStored(String group, String resource, String namespace) {
        Optional<ResourceDefinition> def = definition(group, resource);
        if (def.isEmpty()) {
            return List.of();
        }
        List<ObjectNode> out = new java.util.ArrayList<>();
        for (io.kaji.store.KeyValue kv : storage.store().range(io.kaji.store.RangeRequest.prefix(
                def.get().keyPrefix(namespace))).kvs()) {
            out.add(ObjectStorage.decode(def.get(), kv, kv.modRevision()));
        }
        return out;
    }

    @Override
    public Optional<ObjectNode> update(String group, String resource, String namespace, String name,
            java.util.function.UnaryOperator<ObjectNode> change) {
        Optional<ResourceDefinition> def = definition(group, resource);
        if (def.isEmpty() || storage.find(def.get(), namespace, name).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(storage.update(def.get(), namespace, name, false, change).object());
        } catch (io.kaji.apiserver.errors.ApiException e) {
            if (e.code() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private Optional<ResourceDefinition> definition(String group, String resource) {
        // Plugins read core objects (namespaces, pods, limit ranges, quotas), all served as v1.
        return registry.find(group, "v1", resource);
    }
}
