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
            caches.put(d, new ResourceCache(d, historySize));
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
            for (ResourceCache c : cachesForKey(e.kv().key())) {
                try {
                    c.apply(toCacheEvent(c, e));
                } catch (RuntimeException ex) {
                    LOG.error("watch cache: cannot apply {} of {} at revision {}", e.type(), e.kv().key(),
                            e.revision(), ex);
                }
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

    private static CacheEvent toCacheEvent(ResourceCache c, Event e) {
        String key = e.kv().key();
        CachedObject previous = e.prevKv() == null ? c.get(key)
                : new CachedObject(key, decode(c, e.prevKv(), e.prevKv().modRevision()), e.prevKv().modRevision());
        if (e.type() == Event.Type.DELETE) {
            if (previous == null) {
                throw new IllegalStateException("delete of " + key + " without a previous version");
            }
            tools.jackson.databind.node.ObjectNode last = previous.object().deepCopy();
            io.kaji.apiserver.serialization.Json.metadata(last).put("resourceVersion", Long.toString(e.revision()));
            return new CacheEvent("DELETED", new CachedObject(key, last, e.revision()), previous);
        }
        CachedObject now = new CachedObject(key, decode(c, e.kv(), e.revision()), e.revision());
        return new CacheEvent(e.isCreate() ? "ADDED" : "MODIFIED", now, e.isCreate() ? null : previous);
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
