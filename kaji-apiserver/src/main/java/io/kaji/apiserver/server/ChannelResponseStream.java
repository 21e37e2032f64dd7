package io.kaji.apiserver.server;

import io.kaji.apiserver.http.ResponseStream;
import io.netty.channel.Channel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every streamed response on a Netty channel (chunked HTTP, WebSocket) shares: it ends once — by
 * {@link #end()} or by the peer going away — and then runs each close action exactly once. Subclasses write the
 * chunks and the ending their protocol needs.
 */
abstract class ChannelResponseStream implements ResponseStream {

    protected final Channel channel;
    /** Set once the stream has ended; writes after it are refused. */
    protected final AtomicBoolean ended = new AtomicBoolean();
    private final List<Runnable> closeActions = new CopyOnWriteArrayList<>();

    ChannelResponseStream(Channel channel) {
        this.channel = channel;
        channel.closeFuture().addListener(f -> closed0());
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
