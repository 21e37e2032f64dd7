package io.kaji.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.kaji.store.CompactedException;
import io.kaji.store.Event;
import io.kaji.store.FutureRevisionException;
import io.kaji.store.KeyValue;
import io.kaji.store.Keys;
import io.kaji.store.RangeRequest;
import io.kaji.store.RangeResult;
import io.kaji.store.RevisionedStore;
import io.kaji.store.StoreException;
import io.kaji.store.Watch;
import io.kaji.store.WatchListener;
import io.kaji.store.WriteResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HA store: a real etcd v3 cluster through jetcd. Keys, revisions and watch semantics are etcd's own, so
 * this class mostly translates; compare-and-swap writes are etcd transactions guarded on the key's
 * modification revision, as kube-apiserver's storage layer does.
 *
 * <p>The compaction point is kept in etcd under {@value #COMPACT_KEY} (kube-apiserver keeps a similar
 * {@code compact_rev_key}), so every API server sharing the cluster knows it.
 */
public final class EtcdStore implements RevisionedStore {

    private static final Logger log = LoggerFactory.getLogger(EtcdStore.class);

    /** Outside {@code /registry}, so it never shows up in a range of Kubernetes objects. */
    static final String COMPACT_KEY = "/kaji/compact-revision";

    private final EtcdOptions options;
    private final Client client;
    private final KV kv;
    private volatile long compactRevision;

    private EtcdStore(EtcdOptions options) {
        this.options = options;
        ClientBuilder builder = Client.builder()
                .endpoints(options.endpoints().toArray(String[]::new))
                .maxInboundMessageSize(8 * 1024 * 1024);
        if (!options.namespace().isEmpty()) {
            builder.namespace(bytes(options.namespace()));
        }
        this.client = builder.build();
        this.kv = client.getKVClient();
        this.compactRevision = readCompactRevision();
        log.info("etcd store {} connected at revision {}", options.endpoints(), currentRevision());
    }

    /** Connects to etcd; fails with a {@link StoreException} naming the endpoints if none answers in time. */
    public static EtcdStore connect(EtcdOptions options) {
        return new EtcdStore(options);
    }

    @Override
    public long currentRevision() {
        GetResponse r = call("revision", kv.get(bytes(COMPACT_KEY), GetOption.builder().withCountOnly(true).build()));
        return r.getHeader().getRevision();
    }

    @Override
    public long compactRevision() {
        return compactRevision;
    }

    private long readCompactRevision() {
        GetResponse r = call("read compaction point", kv.get(bytes(COMPACT_KEY)));
        if (r.getKvs().isEmpty()) {
            return 0;
        }
        return Long.parseLong(r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
    }

    @Override
    public Optional<KeyValue> get(String key, long revision) {
        Keys.validate(key);
        checkRevision(revision);
        GetOption.Builder o = GetOption.builder();
        if (revision > 0) {
            o.withRevision(revision);
        }
        GetResponse r = call("get " + key, kv.get(bytes(key), o.build()), revision);
        return r.getKvs().isEmpty() ? Optional.empty() : Optional.of(toKeyValue(r.getKvs().get(0)));
    }

    @Override
    public RangeResult range(RangeRequest request) {
        String op = "range " + request.prefix();
        checkRevision(request.revision());
        ByteSequence end = bytes(Keys.prefixEnd(request.prefix()));
        String start = request.startAfter() == null ? request.prefix() : request.startAfter() + "\0";
        GetOption.Builder o = GetOption.builder().withRange(end)
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND);
        if (request.limit() > 0) {
            o.withLimit(request.limit());
        }
        if (request.revision() > 0) {
            o.withRevision(request.revision());
        }
        GetResponse r = call(op, kv.get(bytes(start), o.build()), request.revision());
        long revision = request.revision() > 0 ? request.revision() : r.getHeader().getRevision();
        List<KeyValue> kvs = new ArrayList<>(r.getKvs().size());
        for (io.etcd.jetcd.KeyValue k : r.getKvs()) {
            kvs.add(toKeyValue(k));
        }
        long count = -1;
        if (request.countTotal()) {
            GetResponse c = call(op, kv.get(bytes(request.prefix()),
                    GetOption.builder().withRange(end).withCountOnly(true).withRevision(revision).build()), revision);
            count = c.getCount();
        }
        return new RangeResult(kvs, revision, r.isMore(), count);
    }

    @Override
    public WriteResult create(String key, byte[] value) {
        Keys.validate(key);
        Keys.validateValue(key, value);
        ByteSequence k = bytes(key);
        TxnResponse r = call("create " + key, kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(k, ByteSequence.from(value), PutOption.DEFAULT))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit());
        long rev = r.getHeader().getRevision();
        if (!r.isSucceeded()) {
            return new WriteResult.Conflict(rev, current(r));
        }
        return new WriteResult.Written(rev, new KeyValue(key, value, rev, rev, 1));
    }

    @Override
    public WriteResult update(String key, byte[] value, long expectedModRevision) {
        Keys.validate(key);
        Keys.validateValue(key, value);
        ByteSequence k = bytes(key);
        TxnResponse r = call("update " + key, kv.txn()
                .If(new Cmp(k, Cmp.Op.GREATER, CmpTarget.version(0)),
                        new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)))
                .Then(Op.put(k, ByteSequence.from(value), PutOption.builder().withPrevKV().build()))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit());
        long rev = r.getHeader().getRevision();
        if (!r.isSucceeded()) {
            return new WriteResult.Conflict(rev, current(r));
        }
        io.etcd.jetcd.KeyValue prev = r.getPutResponses().get(0).getPrevKv();
        return new WriteResult.Written(rev,
                new KeyValue(key, value, prev.getCreateRevision(), rev, prev.getVersion() + 1));
    }

    @Override
    public WriteResult delete(String key, long expectedModRevision) {
        Keys.validate(key);
        ByteSequence k = bytes(key);
        TxnResponse r = call("delete " + key, kv.txn()
                .If(new Cmp(k, Cmp.Op.GREATER, CmpTarget.version(0)),
                        new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)))
                .Then(Op.delete(k, DeleteOption.builder().withPrevKV(true).build()))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit());
        long rev = r.getHeader().getRevision();
        if (!r.isSucceeded()) {
            return new WriteResult.Conflict(rev, current(r));
        }
        return new WriteResult.Written(rev, toKeyValue(r.getDeleteResponses().get(0).getPrevKvs().get(0)));
    }

    private KeyValue current(TxnResponse r) {
        List<io.etcd.jetcd.KeyValue> kvs = r.getGetResponses().get(0).getKvs();
        return kvs.isEmpty() ? null : toKeyValue(kvs.get(0));
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        Keys.validatePrefix(prefix);
        if (afterRevision < 0) {
            throw new IllegalArgumentException("watch " + prefix + ": revision must be >= 0, got " + afterRevision);
        }
        EtcdWatch w = new EtcdWatch(prefix, afterRevision, listener);
        if (afterRevision < compactRevision) {
            // etcd would still serve a start at the compaction point itself; refuse it like the SQLite store does,
            // so both stores agree on which watches are too old.
            w.fail(new CompactedException(afterRevision, compactRevision));
            return w;
        }
        WatchOption option = WatchOption.builder()
                .withRange(bytes(Keys.prefixEnd(prefix)))
                .withRevision(afterRevision + 1)
                .withPrevKV(true)
                .build();
        w.watcher = client.getWatchClient().watch(bytes(prefix), option,
                io.etcd.jetcd.Watch.listener(w::onNext, w::onError));
        return w;
    }

    private final class EtcdWatch implements Watch {
        private final String prefix;
        private final long afterRevision;
        private final WatchListener listener;
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile io.etcd.jetcd.Watch.Watcher watcher;

        EtcdWatch(String prefix, long afterRevision, WatchListener listener) {
            this.prefix = prefix;
            this.afterRevision = afterRevision;
            this.listener = listener;
        }

        @Override
        public String prefix() {
            return prefix;
        }

        void onNext(io.etcd.jetcd.watch.WatchResponse response) {
            if (closed.get() || response.getEvents().isEmpty()) {
                return;
            }
            List<Event> events = new ArrayList<>(response.getEvents().size());
            for (WatchEvent e : response.getEvents()) {
                KeyValue prev = e.getPrevKV() == null || e.getPrevKV().getModRevision() == 0
                        ? null : toKeyValue(e.getPrevKV());
                KeyValue now = toKeyValue(e.getKeyValue());
                switch (e.getEventType()) {
                    case PUT -> events.add(new Event(Event.Type.PUT, now, prev));
                    case DELETE -> events.add(new Event(Event.Type.DELETE,
                            new KeyValue(now.key(), null, 0, now.modRevision(), 0), prev));
                    default -> log.debug("watch {}: ignoring an event of unknown type", prefix);
                }
            }
            try {
                listener.onEvents(events);
            } catch (RuntimeException ex) {
                log.warn("watch {}: listener failed; ending the watch", prefix, ex);
                fail(new StoreException("watch " + prefix + ": listener failed: " + ex, ex));
            }
        }

        void onError(Throwable t) {
            if (t instanceof io.etcd.jetcd.common.exception.CompactedException c) {
                compactRevision = Math.max(compactRevision, c.getCompactedRevision());
                fail(new CompactedException(afterRevision, c.getCompactedRevision()));
            } else {
                fail(new StoreException("watch " + prefix + " on " + options.endpoints() + " failed: " + t.getMessage(), t));
            }
        }

        private void fail(StoreException e) {
            if (closed.compareAndSet(false, true)) {
                closeWatcher();
                listener.onError(e);
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                closeWatcher();
            }
        }

        private void closeWatcher() {
            io.etcd.jetcd.Watch.Watcher w = watcher;
            if (w != null) {
                try {
                    w.close();
                } catch (RuntimeException e) {
                    log.debug("watch {}: closing", prefix, e);
                }
            }
        }
    }

    @Override
    public void compact(long revision) {
        if (revision <= compactRevision) {
            return;
        }
        long current = currentRevision();
        if (revision > current) {
            throw new StoreException("compact: revision " + revision + " is in the future; the current revision is "
                    + current);
        }
        // Record the point first (it may be read by other API servers), then compact up to it; the record's own
        // write lies above the compacted range.
        call("record compaction point", kv.put(bytes(COMPACT_KEY), bytes(Long.toString(revision))));
        call("compact to " + revision, kv.compact(revision));
        compactRevision = revision;
    }

    @Override
    public void close() {
        client.close();
    }

    private void checkRevision(long revision) {
        if (revision < 0) {
            throw new IllegalArgumentException("revision must be >= 0, got " + revision);
        }
        if (revision != 0 && revision < compactRevision) {
            throw new CompactedException(revision, compactRevision);
        }
    }

    private <T> T call(String op, CompletableFuture<T> future) {
        return call(op, future, 0);
    }

    /** Waits for one etcd request, translating its failure into the store's exceptions. */
    private <T> T call(String op, CompletableFuture<T> future, long revision) {
        try {
            return future.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(op + ": interrupted", e);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new StoreException(op + ": etcd " + options.endpoints() + " did not answer within "
                    + options.timeout().toSeconds() + "s", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String message = String.valueOf(cause.getMessage());
            if (message.contains("required revision has been compacted")) {
                compactRevision = Math.max(compactRevision, readCompactRevision());
                throw new CompactedException(revision, compactRevision);
            }
            if (message.contains("required revision is a future revision")) {
                throw new FutureRevisionException(revision, currentRevision());
            }
            throw new StoreException(op + ": etcd " + options.endpoints() + ": " + message, cause);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static KeyValue toKeyValue(io.etcd.jetcd.KeyValue k) {
        return new KeyValue(k.getKey().toString(StandardCharsets.UTF_8), k.getValue().getBytes(),
                k.getCreateRevision(), k.getModRevision(), k.getVersion());
    }
}
