package io.kaji.store;

import java.util.Optional;

/**
 * A key-value store with etcd v3 semantics: one cluster-wide revision that every write increments by one,
 * per-key create/modification revisions and versions, compare-and-swap writes, ordered watches with the
 * previous value, and compaction of old revisions.
 *
 * <p>This is the only thing the API server needs from storage. Two implementations exist: the embedded
 * SQLite store (the default) and etcd (for HA). Both pass {@code RevisionedStoreConformanceTest}.
 *
 * <p>Contract for all methods:
 * <ul>
 *   <li>Thread-safe; every method may block (for I/O) and is meant to be called from worker or virtual
 *       threads, never from an event loop.</li>
 *   <li>A write returns only once it is durable; its revision is then visible to every later read.</li>
 *   <li>Keys are validated by {@link Keys}: bad keys raise {@link InvalidKeyException}, values over
 *       {@link Keys#MAX_VALUE_BYTES} raise {@link ValueTooLargeException}; neither touches the store.</li>
 *   <li>A read at a revision at or below {@link #compactRevision()} raises {@link CompactedException}; one
 *       above the current revision raises {@link FutureRevisionException}.</li>
 *   <li>Other failures (I/O, a lost connection) raise {@link StoreException} naming the operation.</li>
 * </ul>
 */
public interface RevisionedStore extends AutoCloseable {

    /** The latest revision: that of the last durable write (0 for an empty, never-written store). */
    long currentRevision();

    /**
     * The compaction point: history up to and including this revision is gone (0 when never compacted).
     * For etcd, the last compaction this client performed or observed.
     */
    long compactRevision();

    /** The latest version of {@code key}, or empty when it does not exist. */
    default Optional<KeyValue> get(String key) {
        return get(key, 0);
    }

    /** The version of {@code key} as of {@code revision} (0 = latest), or empty when it did not exist then. */
    Optional<KeyValue> get(String key, long revision);

    /** Keys under a prefix in key order, with limit, continuation and revision as requested. */
    RangeResult range(RangeRequest request);

    /** Creates {@code key}; a {@link WriteResult.Conflict} carrying the current value if it exists. */
    WriteResult create(String key, byte[] value);

    /**
     * Replaces {@code key} if its modification revision is still {@code expectedModRevision}; otherwise (or
     * when the key is absent) a {@link WriteResult.Conflict} with the current value.
     */
    WriteResult update(String key, byte[] value, long expectedModRevision);

    /**
     * Deletes {@code key} if its modification revision is still {@code expectedModRevision}; the
     * {@link WriteResult.Written} carries the deleted version. Otherwise a {@link WriteResult.Conflict}.
     */
    WriteResult delete(String key, long expectedModRevision);

    /**
     * Watches every key under {@code prefix} for changes after {@code afterRevision} (exclusive), which may
     * lie in the past: history is replayed first, then live changes follow, with nothing lost or repeated
     * in between. {@code afterRevision} = {@link #currentRevision()} watches only new changes. A start
     * revision older than the compaction point ends the watch with {@link CompactedException} through
     * {@link WatchListener#onError}.
     */
    Watch watch(String prefix, long afterRevision, WatchListener listener);

    /**
     * Discards history up to and including {@code revision}: afterwards reads and watches at or below it
     * fail with {@link CompactedException}; the latest version of every key is kept. Compacting to a
     * revision at or below the current compaction point does nothing.
     */
    void compact(long revision);

    /** Releases connections and threads; open watches end without an error. */
    @Override
    void close();
}
