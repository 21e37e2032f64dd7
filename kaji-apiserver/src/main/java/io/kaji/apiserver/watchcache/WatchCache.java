package io.kaji.apiserver.watchcache;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.StoredObjects;
import io.kaji.store.Event;
import io.kaji.store.KeyValue;
import io.kaji.store.RangeRequest;
import io.kaji.store.RangeResult;
import io.kaji.store.RevisionedStore;
import io.kaji.store.StoreException;
import io.kaji.store.Watch;
import io.kaji.store.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import tools.jackson.databind.node.ObjectNode;
import org.slf4j.LoggerFactory;

/**
 * The watch caches of every registered resource, fed by ONE store watch on the whole key space. Because every
 * change of every resource arrives through that one ordered stream, the delivered revision is global: once it
 * reaches the store's current revision, every cache is consistent with the store, which is how lists without a
 * resourceVersion are served consistently from memory.
 *
 * <p>Thread-safe. {@link #start()} must be called once before use; {@link #close()} stops the store watch.
 */
public final class WatchCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WatchCache.class);
    private static final String ROOT = "/registry/";
    /**
     * The store watch covers every key, not only {@link #ROOT}: a write anywhere advances the store's revision, and
     * consistent reads wait for the delivered revision to reach it.
     */
    private static final String WATCHED = "/";

    private final RevisionedStore store;
    private final Map<ResourceDefinition, ResourceCache> caches = new java.util.concurrent.ConcurrentHashMap<>();
    private final int historySize;
    /**
     * The same caches by identity: {@link #cache} runs several times per request, and a definition's record
     * hashCode walks all of its components (columns, verbs, ...) each time. Replaced, not changed, when custom
     * resources come and go, so readers need no lock.
     */
    private volatile Map<ResourceDefinition, ResourceCache> byIdentity = new java.util.IdentityHashMap<>();
    private final ScheduledExecutorService timer;
    private final Duration bookmarkInterval;
    private final Object revisionMonitor = new Object();
    /** Held while events are applied and while caches are added or removed: a new cache misses no event. */
    private final Object eventLock = new Object();
    private long deliveredRevision;
    /**
     * Writes this server is making, by key: the store event of such a write takes the object's served JSON, labels
     * and namespace from here instead of parsing the stored bytes ({@link #expect}).
     */
    private final Map<String, Expected> expected = new java.util.concurrent.ConcurrentHashMap<>();
    /** The revision of the last event applied (announcements looked at). */
    private volatile long appliedRevision;
    private Watch storeWatch;
    private ScheduledFuture<?> bookmarks;
    private volatile boolean closed;

    /**
     * @param store            the store to mirror
     * @param registry         the resources to cache (all registered at construction time)
     * @param timer            runs bookmarks (not owned)
     * @param historySize      changes kept per resource for watches from a past resourceVersion
     * @param bookmarkInterval how often watchers that allow bookmarks get one
     */
    public WatchCache(RevisionedStore store, ResourceRegistry registry, ScheduledExecutorService timer,
            int historySize, Duration bookmarkInterval) {
        this.store = store;
        this.timer = timer;
        this.bookmarkInterval = bookmarkInterval;
        this.historySize = historySize;
        for (ResourceDefinition d : registry.all()) {
            if (cacheable(d)) {
                caches.put(d, new ResourceCache(d, historySize));
            }
        }
        refreshIdentityIndex();
    }

    /** Loads every object and starts the store watch. Blocks for the initial load. */
    public synchronized void start() {
        load();
        long every = bookmarkInterval.toMillis();
        bookmarks = timer.scheduleAtFixedRate(() -> List.copyOf(caches.values()).forEach(ResourceCache::bookmark),
                every, every, TimeUnit.MILLISECONDS);
    }

    private void load() {
        Map<ResourceCache, List<CachedObject>> items = new HashMap<>();
        List.copyOf(caches.values()).forEach(c -> items.put(c, new ArrayList<>()));
        RangeResult page = store.range(RangeRequest.prefix(ROOT).withLimit(1000));
        long rev = page.revision();
        while (true) {
            for (KeyValue kv : page.kvs()) {
                for (ResourceCache c : cachesForKey(kv.key())) {
                    items.get(c).add(new CachedObject(kv.key(), decode(c, kv, kv.modRevision()), kv.modRevision()));
                }
            }
            if (!page.more() || page.kvs().isEmpty()) {
                break;
            }
            String last = page.kvs().get(page.kvs().size() - 1).key();
            page = store.range(RangeRequest.prefix(ROOT).withLimit(1000).atRevision(rev).withStartAfter(last));
        }
        for (Map.Entry<ResourceCache, List<CachedObject>> e : items.entrySet()) {
            e.getKey().reset(e.getValue(), rev);
        }
        synchronized (revisionMonitor) {
            deliveredRevision = rev;
            revisionMonitor.notifyAll();
        }
        appliedRevision = rev;
        expected.clear();
        storeWatch = store.watch(WATCHED, rev, new Listener());
        LOG.info("watch cache loaded {} objects at revision {}", items.values().stream().mapToInt(List::size).sum(),
                rev);
    }

    /**
     * Adds the cache of a resource registered after start (a custom resource), loaded from the store at the
     * revision the caches have reached, so that it joins the one ordered event stream without a gap. Call before
     * the resource is served; a no-op when it is cached already.
     */
    public void add(ResourceDefinition def) {
        synchronized (eventLock) {
            if (caches.containsKey(def)) {
                return;
            }
            ResourceCache c = new ResourceCache(def, historySize);
            long rev = revision();
            List<CachedObject> items = new ArrayList<>();
            if (rev > 0) {
                RangeResult page = store.range(RangeRequest.prefix(def.keyPrefix()).withLimit(1000).atRevision(rev));
                while (true) {
                    for (KeyValue kv : page.kvs()) {
                        items.add(new CachedObject(kv.key(), decode(c, kv, kv.modRevision()), kv.modRevision()));
                    }
                    if (!page.more() || page.kvs().isEmpty()) {
                        break;
                    }
                    String last = page.kvs().get(page.kvs().size() - 1).key();
                    page = store.range(RangeRequest.prefix(def.keyPrefix()).withLimit(1000).atRevision(rev)
                            .withStartAfter(last));
                }
            }
            c.reset(items, rev);
            caches.put(def, c);
            refreshIdentityIndex();
        }
    }

    /** Drops the cache of a resource no longer served; its watchers are ended (they re-list and get 404). */
    public void remove(ResourceDefinition def) {
        ResourceCache c;
        synchronized (eventLock) {
            c = caches.remove(def);
            refreshIdentityIndex();
        }
        if (c != null) {
            c.reset(List.of(), revision());
        }
    }

    private void refreshIdentityIndex() {
        Map<ResourceDefinition, ResourceCache> index = new java.util.IdentityHashMap<>();
        caches.forEach(index::put);
        byIdentity = index;
    }

    /**
     * Whether a resource is cached: not one computed on request (metrics.k8s.io), which is never stored, yet has the
     * key prefix of the objects it is computed from, so that its cache would parse and hold a second copy of every
     * pod and node.
     */
    public static boolean cacheable(ResourceDefinition def) {
        return !(def.strategy() instanceof io.kaji.apiserver.registry.ComputedResource);
    }

    /** The cache of one resource. */
    public ResourceCache cache(ResourceDefinition def) {
        ResourceCache c = byIdentity.get(def);
        if (c == null) {
            c = caches.get(def);
        }
        if (c == null) {
            throw new IllegalArgumentException("no watch cache for " + def);
        }
        return c;
    }

    /**
     * Announces a write this server is about to make, so that its store event is applied without parsing the
     * stored bytes: the cached object keeps the served JSON (made from {@code encoded}) and parses it only when a
     * reader asks for the tree (a Table, a field selector). Call before the write and then
     * {@link Expected#written} or, when it failed, {@link Expected#abandon}. Only for resources stored as served
     * (identity conversion). An event is matched to the announcement by key and by equal stored bytes, so a write
     * that lost a race to another one is never taken for it.
     *
     * @param object the object being written (labels and namespace are read now; it is not kept)
     */
    public Expected expect(ResourceDefinition def, String key, StoredObjects.Encoded encoded, ObjectNode object) {
        if (expected.size() >= MAX_EXPECTED) {
            return new Expected(def, key, encoded, Map.of(), null);
        }
        Expected e = new Expected(def, key, encoded, CachedObject.labelsOf(object),
                io.kaji.apiserver.serialization.Json.text(object, "metadata.namespace"));
        expected.put(key, e);
        return e;
    }

    /** Announced writes whose events have not been applied yet (for tests). */
    int announcements() {
        return expected.size();
    }

    /** How many announced writes may wait for their events; more are not kept (their events then parse). */
    private static final int MAX_EXPECTED = 10_000;

    /** A write announced by {@link #expect}. */
    public final class Expected {
        private final ResourceDefinition def;
        private final String key;
        private final StoredObjects.Encoded encoded;
        private final Map<String, String> labels;
        private final String namespace;
        /** The revision of the write, once it succeeded; 0 before. */
        private volatile long revision;

        private Expected(ResourceDefinition def, String key, StoredObjects.Encoded encoded, Map<String, String> labels,
                String namespace) {
            this.def = def;
            this.key = key;
            this.encoded = encoded;
            this.labels = labels;
            this.namespace = namespace;
        }

        /** The write succeeded at {@code revision}. */
        public void written(long revision) {
            this.revision = revision;
            // Once the cache has applied that revision the announcement either was taken or never will be.
            if (appliedRevision >= revision) {
                expected.remove(key, this);
            }
        }

        /** The write did not happen. */
        public void abandon() {
            expected.remove(key, this);
        }

        boolean matches(ResourceCache c, Event e) {
            return def == c.definition() && e.type() != Event.Type.DELETE
                    && java.util.Arrays.equals(encoded.stored(), e.kv().value());
        }

        CachedObject cached(long revision) {
            return CachedObject.served(key, revision, encoded.served(revision), labels, namespace);
        }
    }

    /** The revision of the last change applied to the caches. */
    public long revision() {
        synchronized (revisionMonitor) {
            return deliveredRevision;
        }
    }

    /**
     * Waits until the caches have applied every change up to {@code revision}.
     *
     * @throws ApiException 504 Timeout when they do not within {@code timeout}
     */
    public void awaitRevision(long revision, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (revisionMonitor) {
            while (deliveredRevision < revision) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw ApiException.timeout("Too large resource version: " + revision + ", current: "
                            + deliveredRevision);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(revisionMonitor, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw ApiException.timeout("interrupted while waiting for resource version " + revision);
                }
            }
        }
    }

    /** Waits until the caches reflect every write acknowledged so far (a consistent read). */
    public void awaitFresh(Duration timeout) {
        awaitRevision(store.currentRevision(), timeout);
    }

    /** The caches of every resource stored under {@code key} (two when versions share storage, like events). */
    private List<ResourceCache> cachesForKey(String key) {
        List<ResourceCache> out = new ArrayList<>(2);
        for (ResourceCache c : List.copyOf(caches.values())) {
            if (key.startsWith(c.definition().keyPrefix())) {
                out.add(c);
            }
        }
        return out;
    }

    private static tools.jackson.databind.node.ObjectNode decode(ResourceCache c, KeyValue kv, long revision) {
        return c.definition().conversion().fromStorage(StoredObjects.decode(kv, revision));
    }

    private void onEvents(List<Event> events) {
        synchronized (eventLock) {
            applyEvents(events);
        }
    }

    private void applyEvents(List<Event> events) {
        long last = 0;
        for (Event e : events) {
            last = e.revision();
            Expected announced = expected.isEmpty() ? null : expected.get(e.kv().key());
            for (ResourceCache c : cachesForKey(e.kv().key())) {
                try {
                    Expected match = announced != null && announced.matches(c, e) ? announced : null;
                    if (match != null) {
                        expected.remove(match.key, match);
                    }
                    c.apply(toCacheEvent(c, e, match));
                } catch (RuntimeException ex) {
                    LOG.error("watch cache: cannot apply {} of {} at revision {}", e.type(), e.kv().key(),
                            e.revision(), ex);
                }
            }
            // Only now: a writer that sees this revision applied knows its announcement was taken or never will be.
            appliedRevision = last;
            if (announced != null) {
                dropPassed(e.kv().key(), last);
            }
        }
        for (ResourceCache c : List.copyOf(caches.values())) {
            c.advance(last);
        }
        synchronized (revisionMonitor) {
            deliveredRevision = Math.max(deliveredRevision, last);
            revisionMonitor.notifyAll();
        }
    }

    private static CacheEvent toCacheEvent(ResourceCache c, Event e, Expected announced) {
        String key = e.kv().key();
        CachedObject previous = previous(c, e);
        if (e.type() == Event.Type.DELETE) {
            if (previous == null) {
                throw new IllegalStateException("delete of " + key + " without a previous version");
            }
            tools.jackson.databind.node.ObjectNode last = previous.object().deepCopy();
            io.kaji.apiserver.serialization.Json.metadata(last).put("resourceVersion", Long.toString(e.revision()));
            return new CacheEvent("DELETED", new CachedObject(key, last, e.revision()), previous);
        }
        CachedObject now = announced != null ? announced.cached(e.revision())
                : new CachedObject(key, decode(c, e.kv(), e.revision()), e.revision());
        return new CacheEvent(e.isCreate() ? "ADDED" : "MODIFIED", now, e.isCreate() ? null : previous);
    }

    /**
     * Drops the announcement of {@code key} when its write was at or before {@code revision}, the event just
     * applied, yet was not taken (other bytes than announced). Together with {@link Expected#written} (the writer
     * sets its revision, then reads {@link #appliedRevision}; this sets that, then reads the writer's revision), one
     * of the two sides always sees the other, so no announcement is left behind.
     */
    private void dropPassed(String key, long revision) {
        Expected left = expected.get(key);
        if (left != null && left.revision != 0 && left.revision <= revision) {
            expected.remove(key, left);
        }
    }

    /**
     * The version an event replaces: the cached one when it is the event's previous version (no second parse of
     * bytes the cache parsed already), else the store's previous version.
     */
    private static CachedObject previous(ResourceCache c, Event e) {
        String key = e.kv().key();
        CachedObject cached = c.get(key);
        KeyValue prev = e.prevKv();
        if (prev == null || (cached != null && cached.revision() == prev.modRevision())) {
            return cached;
        }
        return new CachedObject(key, decode(c, prev, prev.modRevision()), prev.modRevision());
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (bookmarks != null) {
            bookmarks.cancel(false);
        }
        if (storeWatch != null) {
            storeWatch.close();
        }
    }

    private final class Listener implements WatchListener {
        @Override
        public void onEvents(List<Event> events) {
            WatchCache.this.onEvents(events);
        }

        @Override
        public void onError(StoreException error) {
            if (closed) {
                return;
            }
            LOG.warn("watch cache: store watch ended ({}); reloading", error.getMessage());
            timer.execute(() -> {
                synchronized (WatchCache.this) {
                    if (!closed) {
                        load();
                    }
                }
            });
        }
    }
}
