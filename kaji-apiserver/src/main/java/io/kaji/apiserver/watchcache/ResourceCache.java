package io.kaji.apiserver.watchcache;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.ResourceDefinition;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory state and recent history of one resource: the current version of every object in key order, and
 * the last {@code historySize} changes for watches that start from a past resourceVersion. Fed by the
 * {@link WatchCache}'s single store watch. Thread-safe.
 */
public final class ResourceCache {

    /** A consistent list: matching objects in key order at {@code revision}. */
    public record Snapshot(List<CachedObject> items, long revision) {
    }

    /** A registered watch; closing it stops delivery. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    private record Registered(WatchFilter filter, Watcher watcher, boolean bookmarks) {
    }

    private final ResourceDefinition definition;
    private final int historySize;
    private final ReentrantLock lock = new ReentrantLock();
    private final TreeMap<String, CachedObject> objects = new TreeMap<>();
    private final ArrayDeque<CacheEvent> history = new ArrayDeque<>();
    private final List<Registered> watchers = new CopyOnWriteArrayList<>();
    /** Every change after this revision is in {@link #history}. */
    private long historyStart;
    private long revision;

    ResourceCache(ResourceDefinition definition, int historySize) {
        this.definition = definition;
        this.historySize = historySize;
    }

    public ResourceDefinition definition() {
        return definition;
    }

    /** Replaces the whole state (start-up or after the store watch was lost), ending every watch. */
    void reset(List<CachedObject> items, long atRevision) {
        lock.lock();
        try {
            objects.clear();
            for (CachedObject o : items) {
                objects.put(o.key(), o);
            }
            history.clear();
            historyStart = atRevision;
            revision = atRevision;
            for (Registered r : watchers) {
                r.watcher().onTerminated("the watch cache was reloaded");
            }
            watchers.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Applies one change and sends it to the matching watchers. */
    void apply(CacheEvent event) {
        lock.lock();
        try {
            if (event.type().equals("DELETED")) {
                objects.remove(event.object().key());
            } else {
                objects.put(event.object().key(), event.object());
            }
            history.addLast(event);
            if (history.size() > historySize) {
                historyStart = history.removeFirst().revision();
            }
            revision = event.revision();
            for (Registered r : watchers) {
                if (!deliver(r, event)) {
                    watchers.remove(r);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Advances the revision without a change of this resource (another resource changed). */
    void advance(long rev) {
        lock.lock();
        try {
            if (rev > revision) {
                revision = rev;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Sends a bookmark at the current revision to watchers that asked for bookmarks. */
    void bookmark() {
        lock.lock();
        try {
            for (Registered r : watchers) {
                if (r.bookmarks() && !r.watcher().onBookmark(revision)) {
                    watchers.remove(r);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The current revision of this cache (that of the last change delivered to any resource). */
    public long revision() {
        lock.lock();
        try {
            return revision;
        } finally {
            lock.unlock();
        }
    }

    /** The current object under {@code key}, or null. */
    public CachedObject get(String key) {
        lock.lock();
        try {
            return objects.get(key);
        } finally {
            lock.unlock();
        }
    }

    /** Every matching object after {@code startAfter} (exclusive, null for the start) in key order. */
    public Snapshot list(WatchFilter filter, String startAfter) {
        lock.lock();
        try {
            String prefix = definition.keyPrefix(filter.namespace());
            // The prefix's keys are contiguous in key order: start at the prefix (or after startAfter) and stop at
            // the first key outside it, instead of walking every object of every namespace.
            Map<String, CachedObject> range = startAfter == null || startAfter.compareTo(prefix) < 0
                    ? objects.tailMap(prefix, true) : objects.tailMap(startAfter, false);
            List<CachedObject> out = new ArrayList<>();
            for (CachedObject o : range.values()) {
                if (!o.key().startsWith(prefix)) {
                    break;
                }
                if (filter.matches(o)) {
                    out.add(o);
                }
            }
            return new Snapshot(out, revision);
        } finally {
            lock.unlock();
        }
    }

    /** The number of objects cached. */
    public int size() {
        lock.lock();
        try {
            return objects.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts a watch. {@code fromRevision} &lt; 0 first sends ADDED for every matching object (resourceVersion
     * "0" or unset); otherwise every change after {@code fromRevision} is replayed, then live changes follow.
     *
     * @throws ApiException 410 Expired when {@code fromRevision} is older than the retained history
     */
    public Registration watch(WatchFilter filter, long fromRevision, boolean bookmarks, Watcher watcher) {
        return watch(filter, fromRevision, bookmarks, false, watcher);
    }

    /**
     * Like {@link #watch(WatchFilter, long, boolean, Watcher)}; with {@code initialEventsEnd} the initial ADDED
     * events (a negative {@code fromRevision}) are followed by {@link Watcher#onInitialEventsEnd} at the revision
     * they show.
     */
    public Registration watch(WatchFilter filter, long fromRevision, boolean bookmarks, boolean initialEventsEnd,
            Watcher watcher) {
        Registered reg = new Registered(filter, watcher, bookmarks);
        lock.lock();
        try {
            if (fromRevision < 0) {
                String prefix = definition.keyPrefix(filter.namespace());
                for (CachedObject o : objects.values()) {
                    if (o.key().startsWith(prefix) && filter.matches(o)
                            && !watcher.onEvent("ADDED", o, o.eventLine("ADDED"))) {
                        return () -> { };
                    }
                }
                if (initialEventsEnd && !watcher.onInitialEventsEnd(revision)) {
                    return () -> { };
                }
            } else {
                if (fromRevision < historyStart) {
                    throw ApiException.expired("too old resource version: " + fromRevision + " (" + (historyStart + 1)
                            + ")");
                }
                Iterator<CacheEvent> it = history.iterator();
                while (it.hasNext()) {
                    CacheEvent e = it.next();
                    if (e.revision() > fromRevision && !deliver(reg, e)) {
                        return () -> { };
                    }
                }
            }
            watchers.add(reg);
        } finally {
            lock.unlock();
        }
        return () -> watchers.remove(reg);
    }

    /** The number of open watches. */
    public int watcherCount() {
        return watchers.size();
    }

    private static boolean deliver(Registered r, CacheEvent e) {
        WatchFilter f = r.filter();
        boolean now = f.matches(e.object());
        boolean before = e.previous() != null && f.matches(e.previous());
        String type;
        switch (e.type()) {
            case "ADDED" -> type = now ? "ADDED" : null;
            case "DELETED" -> type = now || before ? "DELETED" : null;
            default -> {
                if (now && before) {
                    type = "MODIFIED";
                } else if (now) {
                    type = "ADDED";
                } else if (before) {
                    type = "DELETED";
                } else {
                    type = null;
                }
            }
        }
        if (type == null) {
            return true;
        }
        return r.watcher().onEvent(type, e.object(), type.equals(e.type()) ? e.line() : null);
    }
}
