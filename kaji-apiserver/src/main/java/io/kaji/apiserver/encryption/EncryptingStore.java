package io.kaji.apiserver.encryption;

import io.kaji.store.Event;
import io.kaji.store.KeyValue;
import io.kaji.store.RangeRequest;
import io.kaji.store.RangeResult;
import io.kaji.store.RevisionedStore;
import io.kaji.store.StoreException;
import io.kaji.store.Watch;
import io.kaji.store.WatchListener;
import io.kaji.store.WriteResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store that encrypts the values of configured resources on the way in and decrypts them on the way out, like
 * the value transformers of kube-apiserver's etcd3 storage: the API server, its watch cache and every reader above
 * see plain objects; the SQLite file or etcd only ever hold {@code k8s:enc:aesgcm:v1:...} for them. Keys, revisions
 * and everything else pass through unchanged. Thread-safe if the wrapped store is; closing it closes nothing (the
 * wrapped store belongs to the caller).
 */
public final class EncryptingStore implements RevisionedStore {

    private static final Logger LOG = LoggerFactory.getLogger(EncryptingStore.class);

    private final RevisionedStore delegate;
    private final Map<String, ValueTransformer> byPrefix;

    /**
     * @param byPrefix the transformer of every store key prefix that is encrypted (e.g. {@code /registry/secrets/})
     */
    public EncryptingStore(RevisionedStore delegate, Map<String, ValueTransformer> byPrefix) {
        this.delegate = delegate;
        this.byPrefix = Map.copyOf(byPrefix);
    }

    /** The store below, for whoever must see the stored bytes (key rotation, tests). */
    public RevisionedStore delegate() {
        return delegate;
    }

    private ValueTransformer transformer(String key) {
        for (Map.Entry<String, ValueTransformer> e : byPrefix.entrySet()) {
            if (key.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }

    private KeyValue decrypt(KeyValue kv) {
        if (kv == null || kv.value().length == 0) {
            return kv;
        }
        ValueTransformer t = transformer(kv.key());
        if (t == null) {
            return kv;
        }
        return new KeyValue(kv.key(), t.fromStorage(kv.value(), kv.key()), kv.createRevision(), kv.modRevision(),
                kv.version());
    }

    private byte[] encrypt(String key, byte[] value) {
        ValueTransformer t = transformer(key);
        return t == null ? value : t.toStorage(value, key);
    }

    private WriteResult decrypt(WriteResult r) {
        return switch (r) {
            case WriteResult.Written w -> new WriteResult.Written(w.revision(), decrypt(w.kv()));
            case WriteResult.Conflict c -> new WriteResult.Conflict(c.revision(), decrypt(c.current()));
        };
    }

    @Override
    public long currentRevision() {
        return delegate.currentRevision();
    }

    @Override
    public long compactRevision() {
        return delegate.compactRevision();
    }

    @Override
    public Optional<KeyValue> get(String key, long revision) {
        return delegate.get(key, revision).map(this::decrypt);
    }

    @Override
    public RangeResult range(RangeRequest request) {
        RangeResult r = delegate.range(request);
        List<KeyValue> plain = new ArrayList<>(r.kvs().size());
        for (KeyValue kv : r.kvs()) {
            plain.add(decrypt(kv));
        }
        return new RangeResult(plain, r.revision(), r.more(), r.count());
    }

    @Override
    public WriteResult create(String key, byte[] value) {
        return decrypt(delegate.create(key, encrypt(key, value)));
    }

    @Override
    public WriteResult update(String key, byte[] value, long expectedModRevision) {
        return decrypt(delegate.update(key, encrypt(key, value), expectedModRevision));
    }

    @Override
    public WriteResult delete(String key, long expectedModRevision) {
        return decrypt(delegate.delete(key, expectedModRevision));
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        return delegate.watch(prefix, afterRevision, new WatchListener() {
            @Override
            public void onEvents(List<Event> events) {
                List<Event> plain = new ArrayList<>(events.size());
                for (Event e : events) {
                    plain.add(new Event(e.type(), readable(e.kv()), e.prevKv() == null ? null : readable(e.prevKv())));
                }
                listener.onEvents(plain);
            }

            @Override
            public void onError(StoreException error) {
                listener.onError(error);
            }
        });
    }

    /** A watched value that cannot be decrypted is passed on as stored (and logged) rather than ending the watch. */
    private KeyValue readable(KeyValue kv) {
        try {
            return decrypt(kv);
        } catch (EncryptionException e) {
            LOG.error("watch: {}", e.getMessage());
            return kv;
        }
    }

    @Override
    public void compact(long revision) {
        delegate.compact(revision);
    }

    @Override
    public void close() {
        // The wrapped store belongs to the caller.
    }
}
