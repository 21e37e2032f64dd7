package io.kaji.apiserver.watchcache;

/**
 * One change of one resource, kept in the cache's history and sent to every watcher.
 *
 * @param type     ADDED, MODIFIED or DELETED
 * @param object   the new version; for DELETED the last version with the deletion's resourceVersion
 * @param previous the version replaced, or null for ADDED (or when unknown)
 */
public record CacheEvent(String type, CachedObject object, CachedObject previous) {

    /** The event's revision. */
    public long revision() {
        return object.revision();
    }

    /** The event's watch line, serialized once for all watchers that see this event unchanged. */
    public byte[] line() {
        return object.eventLine(type);
    }
}
