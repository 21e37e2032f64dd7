package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.StoredObjects;
import io.kaji.apiserver.watchcache.WatchCache;
import io.kaji.store.KeyValue;
import io.kaji.store.RevisionedStore;
import io.kaji.store.WriteResult;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import tools.jackson.databind.node.ObjectNode;

/**
 * Typed object reads and writes over the store, with Kubernetes' error mapping: a lost create is 409
 * AlreadyExists, a missing object 404 NotFound, a lost compare-and-swap is retried by
 * {@link #update(ResourceDefinition, String, String, UnaryOperator)}.
 */
final class ObjectStorage {

    /** How many times an update re-reads and re-applies after losing a compare-and-swap to a concurrent write. */
    private static final int MAX_ATTEMPTS = 16;

    private final RevisionedStore store;
    /** Takes the objects written here, so that it need not parse them again; null when there is none. */
    private final WatchCache cache;

    ObjectStorage(RevisionedStore store) {
        this(store, null);
    }

    ObjectStorage(RevisionedStore store, WatchCache cache) {
        this.store = store;
        this.cache = cache;
    }

    RevisionedStore store() {
        return store;
    }

    Optional<ObjectNode> find(ResourceDefinition def, String namespace, String name) {
        return store.get(def.key(namespace, name)).map(kv -> decode(def, kv, kv.modRevision()));
    }

    ObjectNode get(ResourceDefinition def, String namespace, String name) {
        return find(def, namespace, name).orElseThrow(() -> ApiException.notFound(def.plural(), def.group(), name));
    }

    /**
     * Stores a new object; returns it with its resourceVersion. When the stored form is the served form, the
     * object itself is returned (with the revision set) instead of parsing the stored bytes back: they are its JSON.
     */
    ObjectNode create(ResourceDefinition def, String namespace, String name, ObjectNode object) {
        return createServed(def, namespace, name, object).object();
    }

    /**
     * Like {@link #create}, and also returns the created object's JSON when it was made from the stored bytes (one
     * serialization for the store, the response and the watch cache).
     */
    Created createServed(ResourceDefinition def, String namespace, String name, ObjectNode object) {
        boolean identity = def.conversion() == io.kaji.apiserver.registry.StorageConversion.IDENTITY;
        String key = def.key(namespace, name);
        if (!identity) {
            WriteResult r = store.create(key, encode(def, object));
            if (r instanceof WriteResult.Written w) {
                return new Created(decode(def, w.kv(), w.kv().modRevision()), null);
            }
            throw ApiException.alreadyExists(def.plural(), def.group(), name);
        }
        Announced written = writeAnnounced(def, key, object, bytes -> store.create(key, bytes));
        if (written != null) {
            return new Created(object, written.encoded().served(written.revision()));
        }
        throw ApiException.alreadyExists(def.plural(), def.group(), name);
    }

    /** A created object and its served JSON (null when it has to be serialized). */
    record Created(ObjectNode object, byte[] json) {
    }

    /**
     * Read-modify-write with retries: {@code change} gets the current object (with its resourceVersion) and returns
     * the object to store, the same instance to skip the write (no change), or null to delete it. A change that
     * wants to fail throws {@link ApiException}. With {@code dryRun} nothing is written and the would-be result
     * is returned.
     *
     * @return the stored object (or the deleted one, marked by {@link Result#deleted()})
     */
    Result update(ResourceDefinition def, String namespace, String name, boolean dryRun,
            UnaryOperator<ObjectNode> change) {
        boolean identity = def.conversion() == io.kaji.apiserver.registry.StorageConversion.IDENTITY;
        String key = def.key(namespace, name);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            KeyValue current = store.get(key).orElseThrow(() -> ApiException.notFound(def.plural(), def.group(), name));
            ObjectNode currentObject = decode(def, current, current.modRevision());
            ObjectNode next = change.apply(currentObject.deepCopy());
            if (next == null) {
                if (dryRun) {
                    return new Result(currentObject, true);
                }
                WriteResult r = store.delete(key, current.modRevision());
                if (r instanceof WriteResult.Written w) {
                    return new Result(decode(def, w.kv(), w.revision()), true);
                }
                continue;
            }
            // Compared as JSON (numbers by value: code puts longs where the parser made ints), field order aside.
            if (Json.sameJson(next, currentObject)) {
                return new Result(currentObject, false);
            }
            if (dryRun) {
                return new Result(next, false);
            }
            if (!identity) {
                WriteResult r = store.update(key, encode(def, next), current.modRevision());
                if (r instanceof WriteResult.Written w) {
                    return new Result(decode(def, w.kv(), w.kv().modRevision()), false);
                }
                continue;
            }
            // Stored as served: the written object is returned as it is (its stored bytes are its JSON) instead of
            // parsing them back, and the watch cache does not parse them either.
            if (writeAnnounced(def, key, next, bytes -> store.update(key, bytes, current.modRevision())) != null) {
                return new Result(next, false);
            }
        }
        throw ApiException.modified(def.plural(), def.group(), name);
    }

    /** A write {@link #writeAnnounced} made: the object's encoding and the revision it was written at. */
    private record Announced(StoredObjects.Encoded encoded, long revision) {
    }

    /**
     * Writes {@code object} (of a resource stored as served) with {@code write}, announced to the watch cache so that
     * its store event is applied without parsing the stored bytes. The object loses its resourceVersion for the
     * encoding and, once written, gets the new one. Returns null when the write lost (the key existed, or changed
     * since it was read); the announcement is then withdrawn, as it is when the write throws.
     */
    private Announced writeAnnounced(ResourceDefinition def, String key, ObjectNode object,
            Function<byte[], WriteResult> write) {
        Json.metadata(object).remove("resourceVersion");
        StoredObjects.Encoded encoded = StoredObjects.encodeWithRevisionSlot(object);
        WatchCache.Expected expected = cache == null ? null : cache.expect(def, key, encoded, object);
        WriteResult r;
        try {
            r = write.apply(encoded.stored());
        } catch (RuntimeException e) {
            if (expected != null) {
                expected.abandon();
            }
            throw e;
        }
        if (r instanceof WriteResult.Written w) {
            long revision = w.kv().modRevision();
            if (expected != null) {
                expected.written(revision);
            }
            Json.metadata(object).put("resourceVersion", Long.toString(revision));
            return new Announced(encoded, revision);
        }
        if (expected != null) {
            expected.abandon();
        }
        return null;
    }

    /** The object stored in {@code kv} as {@code def}'s version, with resourceVersion {@code revision}. */
    static ObjectNode decode(ResourceDefinition def, KeyValue kv, long revision) {
        return def.conversion().fromStorage(StoredObjects.decode(kv, revision));
    }

    private static byte[] encode(ResourceDefinition def, ObjectNode object) {
        return StoredObjects.encode(def.conversion().toStorage(object));
    }

    /** The outcome of {@link #update}. */
    record Result(ObjectNode object, boolean deleted) {
    }
}
