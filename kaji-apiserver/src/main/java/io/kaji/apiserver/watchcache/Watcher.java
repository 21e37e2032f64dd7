package io.kaji.apiserver.watchcache;

/**
 * Receives the events of one watch, on the cache's dispatch thread, in revision order. Implementations must not
 * block (queue the bytes on the connection) and return false to be removed (client gone or too slow).
 */
public interface Watcher {

    /**
     * One event as this watcher sees it.
     *
     * @param type       ADDED, MODIFIED or DELETED (may differ from the stored change when a selector stops or
     *                   starts matching)
     * @param object     the object version
     * @param sharedLine the pre-serialized JSON event line when {@code type} is the change's own type, else null
     */
    boolean onEvent(String type, CachedObject object, byte[] sharedLine);

    /** A bookmark at {@code revision}; return false to be removed. */
    boolean onBookmark(long revision);

    /**
     * The end of the initial ADDED events of a watch that asked for them with {@code sendInitialEvents}: the
     * objects sent were the state at {@code revision}. Return false to be removed.
     */
    default boolean onInitialEventsEnd(long revision) {
        return onBookmark(revision);
    }

    /** The cache can no longer serve this watcher (store watch lost); the watch must end. */
    void onTerminated(String reason);
}
