package io.kaji.store;

import java.util.Objects;

/**
 * One change seen by a watch.
 *
 * @param type   {@link Type#PUT} for a create or update, {@link Type#DELETE} for a delete
 * @param kv     for PUT the new version; for DELETE the key with the delete's revision as {@code modRevision}
 *               and an empty value
 * @param prevKv the version this change replaced, or {@code null} when the key did not exist before
 *               (a create), or when the previous version has been compacted away
 */
public record Event(Type type, KeyValue kv, KeyValue prevKv) {

    public enum Type { PUT, DELETE }

    public Event {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(kv, "kv");
    }

    /** The revision at which this change happened. */
    public long revision() {
        return kv.modRevision();
    }

    /** True for the PUT that created the key (Kubernetes' ADDED). */
    public boolean isCreate() {
        return type == Type.PUT && kv.createRevision() == kv.modRevision();
    }
}
