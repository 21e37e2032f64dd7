package io.kaji.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One version of one key, as etcd v3 reports it.
 *
 * @param key            the full key, for example {@code /registry/pods/default/web-1}
 * @param value          the stored bytes; empty (never null) for the key of a delete event
 * @param createRevision the revision that created this incarnation of the key (0 on a delete event's key)
 * @param modRevision    the revision of this version; for Kubernetes objects this is the resourceVersion
 * @param version        how many times this incarnation has been written: 1 after create, 0 on a delete event's key
 */
public record KeyValue(String key, byte[] value, long createRevision, long modRevision, long version) {

    public KeyValue {
        Objects.requireNonNull(key, "key");
        value = value == null ? new byte[0] : value;
    }

    /** The value as UTF-8 text; convenient for JSON values and for tests. */
    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue kv
                && key.equals(kv.key)
                && createRevision == kv.createRevision
                && modRevision == kv.modRevision
                && version == kv.version
                && Arrays.equals(value, kv.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, createRevision, modRevision, version, Arrays.hashCode(value));
    }

    @Override
    public String toString() {
        return "KeyValue[" + key + " create=" + createRevision + " mod=" + modRevision
                + " version=" + version + " bytes=" + value.length + "]";
    }
}
