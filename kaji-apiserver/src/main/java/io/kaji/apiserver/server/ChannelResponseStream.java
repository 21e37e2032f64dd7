package io.kaji.apiserver.server;

import io.kaji.apiserver.http.ResponseStream;
import io.netty.channel.Channel;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every streamed response on a Netty channel (chunked HTTP, WebSocket) shares: it ends once — by
 * {@link #end()} or by the peer going away — and then runs each close action exactly once. Subclasses write the
 * chunks and the ending their protocol needs through {@link #send}, which coalesces: messages queued from any thread
 * are written by one task on the channel's event loop with one flush, so a watcher sent many events at once (a
 * thousand watchers, a burst of writes) costs one task, a few TLS records and one system call per burst instead of
 * one of each per event.
 */
abstract class ChannelResponseStream implements ResponseStream {

    protected final Channel channel;
    /** Set once the stream has ended; writes after it are refused. */
    protected final AtomicBoolean ended = new AtomicBoolean();
    private final List<Runnable> closeActions = new CopyOnWriteArrayList<>();
    /** Messages (or actions, run in order) waiting for the event loop. */
    private final Queue<Object> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** Bytes queued in {@link #outbound}, not yet handed to the channel. */
    private final AtomicLong queuedBytes = new AtomicLong();

    ChannelResponseStream(Channel channel) {
        this.channel = channel;
        channel.closeFuture().addListener(f -> closed0());
    }

    /**
     * Queues {@code message} (a Netty message of {@code bytes} bytes, or a {@link Runnable} to run on the event loop
     * in order with the messages) and makes sure one drain task will write and flush everything queued.
     */
    protected final void send(Object message, int bytes) {
        queuedBytes.addAndGet(bytes);
        outbound.add(message);
        if (drainScheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::drain);
        }
    }

    /** Bytes queued and not yet written to the channel (for the slow-watcher limit). */
    protected final long queuedBytes() {
        return queuedBytes.get();
    }

    private void drain() {
        // Reset first: a message queued after this point schedules another drain, so none is left unflushed.
        drainScheduled.set(false);
        boolean wrote = false;
        Object m;
        while ((m = outbound.poll()) != null) {
            if (m instanceof Runnable action) {
                if (wrote) {
                    channel.flush();
                    wrote = false;
                }
                action.run();
            } else {
                if (m instanceof io.netty.buffer.ByteBufHolder h) {
                    queuedBytes.addAndGet(-h.content().readableBytes());
                }
                channel.write(m);
                wrote = true;
            }
        }
        if (wrote) {
            channel.flush();
        }
    }

    /** The peer went away (or the exchange was torn down): the stream ends without a proper ending. */
    final void closed0() {
        ended.set(true);
        runCloseActions();
    }

    /** Runs each registered close action once, whichever thread gets there first. */
    protected final void runCloseActions() {
        for (Runnable r : closeActions) {
            if (closeActions.remove(r)) {
                r.run();
            }
        }
    }

    @Override
    public boolean closed() {
        return ended.get() || !channel.isActive();
    }

    @Override
    public void onClose(Runnable action) {
        closeActions.add(action);
        if (closed()) {
            runCloseActions();
        }
    }
}
