package io.kaji.apiserver.nodeproxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Copies bytes from one channel to another, unchanged, after an HTTP upgrade has made both of them carry the same
 * stream protocol (SPDY or WebSocket). Back-pressure: while the peer cannot take more, this side stops reading.
 * When either side closes or fails, the other is closed once what was written to it is flushed. (The node agent
 * has the same relay between the API server and containerd.)
 */
public final class ByteRelay extends ChannelInboundHandlerAdapter {

    private final Channel peer;

    private ByteRelay(Channel peer) {
        this.peer = peer;
    }

    /**
     * Relays between {@code a} and {@code b} in both directions and starts reading from both. Call on the channels'
     * event loop after their pipelines lost every HTTP handler.
     */
    public static void link(Channel a, Channel b) {
        a.pipeline().addLast("relay", new ByteRelay(b));
        b.pipeline().addLast("relay", new ByteRelay(a));
        for (Channel c : new Channel[] {a, b}) {
            c.config().setAutoRead(true);
            c.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!peer.isActive()) {
            io.netty.util.ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        peer.write(msg);
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
            peer.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAfterFlush(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
        closeAfterFlush(peer);
    }

    /** Closes {@code c} once everything written to it is flushed. */
    public static void closeAfterFlush(Channel c) {
        if (c.isActive()) {
            c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
