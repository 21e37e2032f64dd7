package io.kaji.apiserver.handler;

import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.watchcache.CachedObject;
import io.kaji.apiserver.watchcache.WatchCache;
import io.kaji.apiserver.watchcache.WatchFilter;
import io.kaji.apiserver.selector.FieldSelector;
import io.kaji.apiserver.selector.LabelSelector;
import io.kaji.store.KeyValue;
import io.kaji.store.RangeRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import tools.jackson.databind.node.ObjectNode;

/**
 * What admission plugins read, the way Kubernetes' plugins read through informers: from the watch cache without
 * waiting for it, falling back to the store when the cache does not have the object (a namespace created a
 * millisecond ago) or has no objects of a small resource in the namespace (LimitRanges, ResourceQuotas); such
 * empty live lookups are remembered for {@link #LIVE_LOOKUP_TTL}, as Kubernetes' LimitRanger and ResourceQuota
 * do, so that namespaces without them cost no store read per create.
 */
final class AdmissionObjects implements ClusterObjects {

    /** How long an empty live lookup stands in for the cache (Kubernetes: 30 s). */
    static final Duration LIVE_LOOKUP_TTL = Duration.ofSeconds(30);
    private static final ApiRequest NO_SELECTORS = new ApiRequest("GET", "/", Map.of(), name -> null, null);

    private final ResourceRegistry registry;
    private final ObjectStorage storage;
    private final Lists lists;
    private final WatchCache cache;
    private final Clock clock;
    private final Map<String, Instant> emptyUntil = new ConcurrentHashMap<>();

    AdmissionObjects(ResourceRegistry registry, ObjectStorage storage, Lists lists, WatchCache cache, Clock clock) {
        this.registry = registry;
        this.storage = storage;
        this.lists = lists;
        this.cache = cache;
        this.clock = clock;
    }

    @Override
    public Optional<ObjectNode> get(String group, String resource, String namespace, String name) {
        Optional<ResourceDefinition> def = definition(group, resource);
        if (def.isEmpty()) {
            return Optional.empty();
        }
        CachedObject cached = cache.cache(def.get()).get(def.get().key(namespace, name));
        if (cached != null) {
            return Optional.of(cached.object().deepCopy());
        }
        return storage.find(def.get(), namespace, name);
    }

    @Override
    public List<ObjectNode> list(String group, String resource, String namespace) {
        return definition(group, resource).map(def -> lists.matching(def, namespace, NO_SELECTORS))
                .orElse(List.of());
    }

    @Override
    public List<ObjectNode> listFew(String group, String resource, String namespace) {
        Optional<ResourceDefinition> def = definition(group, resource);
        if (def.isEmpty()) {
            return List.of();
        }
        List<ObjectNode> out = new ArrayList<>();
        WatchFilter filter = new WatchFilter(namespace, LabelSelector.everything(),
                FieldSelector.parse(null, def.get().fieldSelectors()));
        for (CachedObject o : cache.cache(def.get()).list(filter, null).items()) {
            out.add(o.object().deepCopy());
        }
        if (!out.isEmpty()) {
            return out;
        }
        String key = def.get().keyPrefix(namespace);
        Instant until = emptyUntil.get(key);
        Instant now = clock.instant();
        if (until != null && now.isBefore(until)) {
            return out;
        }
        for (KeyValue kv : storage.store().range(RangeRequest.prefix(key)).kvs()) {
            out.add(ObjectStorage.decode(def.get(), kv, kv.modRevision()));
        }
        if (out.isEmpty()) {
            emptyUntil.put(key, now.plus(LIVE_LOOKUP_TTL));
        } else {
            emptyUntil.remove(key);
        }
        return out;
    }

    @Override
    public List<ObjectNode> listCached(String group, String resource) {
        Optional<ResourceDefinition> def = definition(group, resource);
        if (def.isEmpty()) {
            return List.of();
        }
        List<ObjectNode> out = new ArrayList<>();
        WatchFilter filter = new WatchFilter(null, LabelSelector.everything(),
                FieldSelector.parse(null, def.get().fieldSelectors()));
        for (CachedObject o : cache.cache(def.get()).list(filter, null).items()) {
            out.add(o.object().deepCopy());
        }
        return out;
    }

    @Override
    public Optional<ObjectNode> update(String group, String resource, String namespace, String name,
            UnaryOperator<ObjectNode> change) {
        Optional<ResourceDefinition> def = definition(group, resource);
        if (def.isEmpty() || storage.find(def.get(), namespace, name).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(storage.update(def.get(), namespace, name, false, change).object());
        } catch (ApiException e) {
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
