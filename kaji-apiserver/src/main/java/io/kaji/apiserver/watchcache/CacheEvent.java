package io.kaji.apiserver.watchcache;

/**
 * One change of one resource, kept in the cache's history and sent to every watcher. Immutable apart from the
 * watch line, which is built on first use and then shared by every watcher sent this event unchanged (so a
 * thousand watchers of one pod cost one serialization and one copy, not a thousand).
 */
public final class CacheEvent {

    private final String type;
    private final CachedObject object;
    private final CachedObject previous;
    private volatile byte[] line;

    /**
     * @param type     ADDED, MODIFIED or DELETED
     * @param object   the new version; for DELETED the last version with the deletion's resourceVersion
     * @param previous the version replaced, or null for ADDED (or when unknown)
     */
    public CacheEvent(String type, CachedObject object, CachedObject previous) {
        this.type = type;
        this.object = object;
        this.previous = previous;
    }

    /** ADDED, MODIFIED or DELETED. */
    public String type() {
        return type;
    }

    /** The new version; for DELETED the last version with the deletion's resourceVersion. */
    public CachedObject object() {
        return object;
    }

    /** The version replaced, or null for ADDED (or when unknown). */
    public CachedObject previous() {
        return previous;
    }

    /** The event's revision. */
    public long revision() {
        return object.revision();
    }

    /** The event's watch line, serialized once for all watchers that see this event unchanged; never modify it. */
    public byte[] line() {
        byte[] l = line;
        if (l == null) {
            l = object.eventLine(type);
            line = l;
        }
        return l;
    }

    @Override
    public String toString() {
        return "CacheEvent[" + type + " " + object.key() + " at " + object.revision() + "]";
    }
}
