package io.kaji.store;

/**
 * The outcome of a guarded write. A lost compare-and-swap is an expected outcome, not an exception:
 * the caller gets the current value so that it can report a 409 with what is there now.
 */
public sealed interface WriteResult {

    /** The revision of the store after this call: the new revision on success, the current one otherwise. */
    long revision();

    default boolean succeeded() {
        return this instanceof Written;
    }

    /**
     * The write happened.
     *
     * @param revision the revision of the write, durable when this is returned
     * @param kv       after create/update the new version; after delete the version that was deleted
     */
    record Written(long revision, KeyValue kv) implements WriteResult {}

    /**
     * The guard did not hold: the key existed (create), or it was absent or at another modification
     * revision (update, delete).
     *
     * @param revision the store's revision when the guard was evaluated
     * @param current  the key's current version, or {@code null} when it does not exist
     */
    record Conflict(long revision, KeyValue current) implements WriteResult {}
}
