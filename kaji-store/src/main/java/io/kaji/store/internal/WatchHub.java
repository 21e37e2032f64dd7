package io.kaji.store.internal;

import io.kaji.store.Event;
import io.kaji.store.StoreException;
import io.kaji.store.Watch;
import io.kaji.store.WatchListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans committed changes out to watchers of an in-process store.
 *
 * <p>The store's single writer calls {@link #publish} after each durable commit, in revision order. Each
 * watcher has its own queue and delivery thread (a virtual thread), so a slow watcher delays only itself;
 * one that falls more than {@code maxBacklog} events behind is ended with an error rather than letting
 * memory grow without bound.
 *
 * <p>Starting a watch in the past: the watcher is registered first (live events are buffered), then the
 * history between its start revision and the revision at registration is read from the store and
 * delivered, then the buffer. Registration and publication happen under one lock, so every revision is in
 * exactly one of the two.
 */
public final class WatchHub implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WatchHub.class);
    private static final int MAX_DELIVERY_BATCH = 1000;

    private final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final Object publishLock = new Object();
    private final ThreadFactory threads = Thread.ofVirtual().name("kaji-store-watch-", 0).factory();
    private final int maxBacklog;
    private volatile long publishedRevision;

    /**
     * @param publishedRevision the store's revision when the hub starts
     * @param maxBacklog        events a watcher may have queued before it is ended
     */
    public WatchHub(long publishedRevision, int maxBacklog) {
        this.publishedRevision = publishedRevision;
        this.maxBacklog = maxBacklog;
    }

    /** The revision of the last published change. */
    public long publishedRevision() {
        return publishedRevision;
    }

    /**
     * Hands committed changes to interested watchers; called by the single writer, in order.
     *
     * @param events   the changes of one commit, in revision order (may be empty)
     * @param revision the store's revision after the commit
     */
    public void publish(List<Event> events, long revision) {
        synchronized (publishLock) {
            publishedRevision = revision;
            if (events.isEmpty()) {
                return;
            }
            for (Subscription s : subscriptions) {
                s.offerLive(events);
            }
        }
    }

    /**
     * Starts a watch.
     *
     * @param history reads the changes under a prefix in (from, to] from durable storage; it may throw
     *                {@link StoreException} (for instance when compacted), which ends the watch
     */
    public Watch watch(String prefix, long afterRevision, WatchListener listener,
                       History history) {
        Subscription s = new Subscription(prefix, listener);
        long registeredAt;
        synchronized (publishLock) {
            subscriptions.add(s);
            registeredAt = publishedRevision;
        }
        threads.newThread(() -> s.run(afterRevision, registeredAt, history)).start();
        return s;
    }

    /** Ends every watch without an error. */
    @Override
    public void close() {
        for (Subscription s : subscriptions) {
            s.close();
        }
    }

    /** Reads history for a watch that starts in the past. */
    @FunctionalInterface
    public interface History {
        /** The changes with revision in (from, to], in order, under the watch's prefix. */
        List<Event> read(String prefix, long from, long to);
    }

    private final class Subscription implements Watch {
        private final String prefix;
        private final WatchListener listener;
        private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final AtomicBoolean failed = new AtomicBoolean();
        private static final Object CLOSE = new Object();

        Subscription(String prefix, WatchListener listener) {
            this.prefix = prefix;
            this.listener = listener;
        }

        @Override
        public String prefix() {
            return prefix;
        }

        void offerLive(List<Event> events) {
            if (closed.get() || failed.get()) {
                return;
            }
            List<Event> mine = null;
            for (Event e : events) {
                if (e.kv().key().startsWith(prefix)) {
                    if (mine == null) {
                        mine = new ArrayList<>();
                    }
                    mine.add(e);
                }
            }
            if (mine == null) {
                return;
            }
            if (queue.size() >= maxBacklog) {
                fail(new StoreException("watch " + prefix + ": the watcher fell more than " + maxBacklog
                        + " events behind and was ended; start a new watch from its last revision"));
                return;
            }
            queue.add(mine);
        }

        void run(long afterRevision, long registeredAt, History history) {
            long delivered = afterRevision;
            try {
                if (afterRevision < registeredAt) {
                    List<Event> past = history.read(prefix, afterRevision, registeredAt);
                    for (int i = 0; i < past.size() && !closed.get(); i += MAX_DELIVERY_BATCH) {
                        List<Event> chunk = past.subList(i, Math.min(past.size(), i + MAX_DELIVERY_BATCH));
                        listener.onEvents(List.copyOf(chunk));
                        delivered = chunk.get(chunk.size() - 1).revision();
                    }
                }
                List<Object> drained = new ArrayList<>();
                while (!closed.get()) {
                    Object first = queue.poll(1, TimeUnit.SECONDS);
                    if (first == null) {
                        continue;
                    }
                    drained.clear();
                    drained.add(first);
                    queue.drainTo(drained, MAX_DELIVERY_BATCH);
                    List<Event> batch = new ArrayList<>();
                    for (Object o : drained) {
                        if (o == CLOSE) {
                            break;
                        }
                        if (o instanceof StoreException error) {
                            deliver(batch);
                            listener.onError(error);
                            closed.set(true);
                            return;
                        }
                        @SuppressWarnings("unchecked")
                        List<Event> events = (List<Event>) o;
                        for (Event e : events) {
                            // Skip what the history read already delivered (the history ends at registeredAt).
                            if (e.revision() > delivered) {
                                batch.add(e);
                            }
                        }
                    }
                    deliver(batch);
                    if (!batch.isEmpty()) {
                        delivered = batch.get(batch.size() - 1).revision();
                    }
                }
            } catch (StoreException e) {
                closed.set(true);
                listener.onError(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("watch {}: listener failed; ending the watch", prefix, e);
                closed.set(true);
                listener.onError(new StoreException("watch " + prefix + ": listener failed: " + e, e));
            } finally {
                subscriptions.remove(this);
            }
        }

        private void deliver(List<Event> batch) {
            if (!batch.isEmpty() && !closed.get()) {
                listener.onEvents(List.copyOf(batch));
            }
        }

        private void fail(StoreException error) {
            if (failed.compareAndSet(false, true)) {
                queue.clear();
                queue.add(error);
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                queue.add(CLOSE);
                subscriptions.remove(this);
            }
        }
    }
}
