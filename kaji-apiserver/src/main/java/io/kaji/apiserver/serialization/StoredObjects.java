package io.kaji.apiserver.serialization;

import io.kaji.store.KeyValue;
import tools.jackson.databind.node.ObjectNode;

/**
 * How objects are kept in the store: compact JSON without {@code metadata.resourceVersion}, which is derived from
 * the key's modification revision on every read (as Kubernetes does with etcd).
 */
public final class StoredObjects {

    private StoredObjects() {
    }

    /** The bytes to store for {@code object} (which is not modified). */
    public static byte[] encode(ObjectNode object) {
        ObjectNode copy = object.deepCopy();
        Json.metadata(copy).remove("resourceVersion");
        return Json.bytes(copy);
    }

    /** The object stored in {@code kv}, with its resourceVersion set to {@code revision}. */
    public static ObjectNode decode(KeyValue kv, long revision) {
        ObjectNode o = Json.parseTrusted(kv.value());
        Json.metadata(o).put("resourceVersion", Long.toString(revision));
        return o;
    }

    public static ObjectNode decode(KeyValue kv) {
        return decode(kv, kv.modRevision());
    }
}
