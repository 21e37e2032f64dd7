package io.kaji.apiserver.crd;

import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.StoredObjects;
import io.kaji.apiserver.watchcache.CachedObject;
import io.kaji.apiserver.watchcache.ResourceCache;
import io.kaji.apiserver.watchcache.WatchCache;
import io.kaji.apiserver.watchcache.WatchFilter;
import io.kaji.apiserver.watchcache.Watcher;
import io.kaji.store.KeyValue;
import io.kaji.store.RangeRequest;
import io.kaji.store.RevisionedStore;
import io.kaji.store.WriteResult;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Serves what CustomResourceDefinitions define, doing in one place the work of Kubernetes' naming, establishing
 * and finalizer controllers: a CRD whose names conflict with nothing gets {@code NamesAccepted} and, once its
 * resources are registered (watch cache first, then the registry, so discovery never lists a resource that
 * cannot be served), {@code Established}; a changed CRD is served anew; a CRD being deleted has its custom
 * resources deleted (those with finalizers are marked and waited for), then stops being served and loses the
 * {@code customresourcecleanup} finalizer.
 *
 * <p>Level-triggered: every CRD change (from the watch cache) queues the CRD's name; one key is reconciled at a
 * time on the controller's thread; failures and unfinished cleanups are retried after a second.
 * {@link #start()} serves every stored CRD before it returns, so a restarted server serves them before it listens.
 */
public final class CrdController implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CrdController.class);
    private static final long RETRY_MILLIS = 1000;

    private final RevisionedStore store;
    private final ResourceRegistry registry;
    private final WatchCache cache;
    private final ResourceDefinition crds;
    private final ScheduledExecutorService executor;
    private final Clock clock;
    /** What each CRD (by name) is served as, and the spec it was built from. */
    private final Map<String, Served> served = new ConcurrentHashMap<>();
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private ResourceCache.Registration registration;
    private volatile boolean closed;

    private record Served(JsonNode spec, List<ResourceDefinition> definitions) {
    }

    /** Reconciles run on this controller's own thread, one at a time; {@link #close()} stops it. */
    public CrdController(RevisionedStore store, ResourceRegistry registry, WatchCache cache, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.cache = cache;
        this.crds = registry.find(CustomResourceDefinitions.GROUP, "v1", CustomResourceDefinitions.PLURAL)
                .orElseThrow(() -> new IllegalStateException("the registry has no customresourcedefinitions"));
        this.executor = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "crd-controller");
            t.setDaemon(true);
            return t;
        });
        this.clock = clock;
    }

    /** Serves every stored CRD (blocking), then follows changes. */
    public synchronized void start() {
        for (KeyValue kv : store.range(RangeRequest.prefix(crds.keyPrefix())).kvs()) {
            String name = Json.text(StoredObjects.decode(kv), "metadata.name");
            safeReconcile(name);
        }
        attach();
    }

    private synchronized void attach() {
        if (closed) {
            return;
        }
        registration = cache.cache(crds).watch(WatchFilter.EVERYTHING, -1, false, new Watcher() {
            @Override
            public boolean onEvent(String type, CachedObject object, byte[] sharedLine) {
                enqueue(Json.text(object.object(), "metadata.name"), 0);
                return !closed;
            }

            @Override
            public boolean onBookmark(long revision) {
                return !closed;
            }

            @Override
            public void onTerminated(String reason) {
                if (!closed) {
                    LOG.info("CRD watch ended ({}); resyncing", reason);
                    executor.schedule(CrdController.this::resync, 100, TimeUnit.MILLISECONDS);
                }
            }
        });
    }

    private void resync() {
        attach();
        for (KeyValue kv : store.range(RangeRequest.prefix(crds.keyPrefix())).kvs()) {
            enqueue(Json.text(StoredObjects.decode(kv), "metadata.name"), 0);
        }
        served.keySet().forEach(name -> enqueue(name, 0));
    }

    private void enqueue(String name, long delayMillis) {
        if (name == null || closed || !queued.add(name)) {
            return;
        }
        executor.schedule(() -> {
            queued.remove(name);
            if (!safeReconcile(name)) {
                enqueue(name, RETRY_MILLIS);
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Reconciles and reports success; false asks for a retry. */
    private boolean safeReconcile(String name) {
        try {
            return reconcile(name);
        } catch (RuntimeException e) {
            LOG.warn("customresourcedefinition {}: {}; retrying", name, e.toString());
            return false;
        }
    }

    /** Brings serving and status in line with the stored CRD; false when it must run again. */
    synchronized boolean reconcile(String name) {
        Optional<KeyValue> stored = store.get(crds.key(null, name));
        if (stored.isEmpty()) {
            unserve(name);
            return true;
        }
        ObjectNode crd = StoredObjects.decode(stored.get());
        if (Json.at(crd, "metadata.deletionTimestamp") != null) {
            return finalizeDeletion(name, crd, stored.get());
        }
        String conflict = nameConflict(name, crd);
        ObjectNode next = crd.deepCopy();
        String now = now();
        if (conflict != null) {
            unserve(name);
            CrdConditions.set(next, "NamesAccepted", "False", "NameConflict", conflict, now);
            CrdConditions.set(next, "Established", "False", "NotAccepted", "not all names are accepted", now);
        } else {
            try {
                serve(name, crd);
            } catch (IllegalArgumentException e) {
                // A stored CRD Kaji cannot serve (it passed an older validation): say so instead of retrying.
                CrdConditions.set(next, "Established", "False", "InstallationFailure", "cannot serve "
                        + name + ": " + e.getMessage(), now);
                return writeStatus(stored.get(), crd, next);
            }
            ObjectNode accepted = Json.objectAt(next, "status").putObject("acceptedNames");
            JsonNode names = crd.path("spec").path("names");
            for (String f : List.of("plural", "singular", "shortNames", "kind", "listKind", "categories")) {
                if (names.has(f)) {
                    accepted.set(f, names.get(f).deepCopy());
                }
            }
            CrdConditions.set(next, "NamesAccepted", "True", "NoConflicts", "no conflicts found", now);
            CrdConditions.set(next, "Established", "True", "InitialNamesAccepted",
                    "the initial names have been accepted", now);
        }
        return writeStatus(stored.get(), crd, next);
    }

    /** Why {@code crd}'s names cannot be served, in Kubernetes' words, or null. */
    private String nameConflict(String name, JsonNode crd) {
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asString("");
        JsonNode names = spec.path("names");
        String plural = names.path("plural").asString("");
        String kind = names.path("kind").asString("");
        Set<ResourceDefinition> own = Set.copyOf(servedDefinitions(name));
        for (ResourceDefinition d : registry.all()) {
            if (own.contains(d) || !d.group().equals(group)) {
                continue;
            }
            if (d.plural().equals(plural)) {
                return "\"" + plural + "\" is already in use";
            }
            if (d.kind().equals(kind) || d.listKind().equals(kind)) {
                return "\"" + kind + "\" is already in use";
            }
            String singular = names.path("singular").asString("");
            if (d.singular().equals(singular) || d.plural().equals(singular)) {
                return "\"" + singular + "\" is already in use";
            }
            String listKind = names.path("listKind").asString("");
            if (d.kind().equals(listKind) || d.listKind().equals(listKind)) {
                return "\"" + listKind + "\" is already in use";
            }
            for (JsonNode s : names.path("shortNames")) {
                if (d.shortNames().contains(s.asString(""))) {
                    return "\"" + s.asString("") + "\" is already in use";
                }
            }
        }
        return null;
    }

    private List<ResourceDefinition> servedDefinitions(String name) {
        Served s = served.get(name);
        return s == null ? List.of() : s.definitions();
    }

    /** Registers the CRD's resources, replacing what an older spec registered. */
    private void serve(String name, JsonNode crd) {
        JsonNode spec = crd.path("spec");
        Served current = served.get(name);
        if (current != null && current.spec().equals(spec)) {
            return;
        }
        unserve(name);
        List<ResourceDefinition> defs = CustomResourceDefinitions.served(crd);
        List<ResourceDefinition> registered = new ArrayList<>();
        try {
            for (ResourceDefinition d : defs) {
                cache.add(d);
                registered.add(d);
                registry.register(d);
            }
        } catch (IllegalArgumentException e) {
            for (ResourceDefinition d : registered) {
                registry.unregister(d);
                cache.remove(d);
            }
            throw e;
        }
        served.put(name, new Served(spec.deepCopy(), defs));
        LOG.info("serving {} ({} version(s))", name, defs.size());
    }

    private void unserve(String name) {
        Served s = served.remove(name);
        if (s == null) {
            return;
        }
        for (ResourceDefinition d : s.definitions()) {
            registry.unregister(d);
            cache.remove(d);
        }
        LOG.info("stopped serving {}", name);
    }

    /**
     * Deletes the CRD's custom resources (objects with finalizers are marked deleted and waited for), then stops
     * serving and removes the cleanup finalizer; the CRD itself goes when no finalizer is left.
     */
    private boolean finalizeDeletion(String name, ObjectNode crd, KeyValue stored) {
        JsonNode spec = crd.path("spec");
        String prefix = "/registry/" + spec.path("group").asString("") + "/" + spec.path("names").path("plural")
                .asString("") + "/";
        for (ResourceDefinition d : servedDefinitions(name)) {
            if (d.strategy() instanceof CustomResourceStrategy s) {
                s.markTerminating();
            }
        }
        int remaining = 0;
        if (hasFinalizer(crd, CrdStrategy.CLEANUP_FINALIZER)) {
            for (KeyValue kv : store.range(RangeRequest.prefix(prefix)).kvs()) {
                ObjectNode o = StoredObjects.decode(kv);
                JsonNode finalizers = Json.at(o, "metadata.finalizers");
                if (finalizers == null || finalizers.isEmpty()) {
                    store.delete(kv.key(), kv.modRevision());
                    continue;
                }
                remaining++;
                if (Json.at(o, "metadata.deletionTimestamp") == null) {
                    Json.metadata(o).put("deletionTimestamp", now());
                    Json.metadata(o).put("deletionGracePeriodSeconds", 0);
                    store.update(kv.key(), StoredObjects.encode(o), kv.modRevision());
                }
            }
        }
        ObjectNode next = crd.deepCopy();
        if (remaining > 0) {
            CrdConditions.set(next, "Terminating", "True", "InstanceDeletionInProgress",
                    "CustomResource deletion is in progress: " + remaining + " object(s) wait for their finalizers",
                    now());
            writeStatus(stored, crd, next);
            return false;
        }
        unserve(name);
        ArrayNode finalizers = Json.metadata(next).withArray("finalizers");
        for (int i = finalizers.size() - 1; i >= 0; i--) {
            if (finalizers.get(i).asString("").equals(CrdStrategy.CLEANUP_FINALIZER)) {
                finalizers.remove(i);
            }
        }
        WriteResult r = finalizers.isEmpty() ? store.delete(stored.key(), stored.modRevision())
                : store.update(stored.key(), StoredObjects.encode(next), stored.modRevision());
        if (r instanceof WriteResult.Written) {
            LOG.info("customresourcedefinition {} finalized", name);
            return true;
        }
        return false;
    }

    private static boolean hasFinalizer(JsonNode o, String finalizer) {
        for (JsonNode f : o.path("metadata").path("finalizers")) {
            if (f.asString("").equals(finalizer)) {
                return true;
            }
        }
        return false;
    }

    /** Writes {@code next} when it differs from {@code current}; false when a concurrent write won. */
    private boolean writeStatus(KeyValue stored, ObjectNode current, ObjectNode next) {
        if (next.equals(current)) {
            return true;
        }
        WriteResult r = store.update(stored.key(), StoredObjects.encode(next), stored.modRevision());
        return r instanceof WriteResult.Written;
    }

    private String now() {
        return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The names of the CRDs being served (for tests and diagnostics). */
    public List<String> servedNames() {
        return new ArrayList<>(served.keySet());
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (registration != null) {
            registration.close();
        }
        executor.shutdownNow();
    }
}
