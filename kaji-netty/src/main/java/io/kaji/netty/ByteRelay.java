package io.kaji.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;

/**
 * Copies bytes from one channel to another, unchanged, after an HTTP upgrade has made both of them carry the same
 * stream protocol (SPDY or WebSocket): the API server between a client and a node agent, the node agent between
 * the API server and containerd's streaming server. Back-pressure: while the peer cannot take more, this side stops
 * reading. When either side closes or fails, the other is closed once what was written to it is flushed
 * ({@link PeerHandler#closeAfterFlush}).
 */
public final class ByteRelay extends PeerHandler {

    private ByteRelay(Channel peer) {
        super(peer, "relay");
    }

    /**
     * Relays between {@code a} and {@code b} in both directions and starts reading from both. Call on the channels'
     * event loop after their pipelines lost every HTTP handler.
     */
    public static void link(Channel a, Channel b) {
        a.pipeline().addLast("relay", new ByteRelay(b));
        b.pipeline().addLast("relay", new ByteRelay(a));
        resumeReading(a);
        resumeReading(b);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!peer.isActive()) {
            // The other side is gone and this one is being half-closed (closeAfterFlush): drain, do not forward.
            ReferenceCountUtil.release(msg);
            return;
        }
        forward(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAfterFlush(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        super.exceptionCaught(ctx, cause);
        closeAfterFlush(peer);
    }
}
