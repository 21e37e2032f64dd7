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
            // The other side is gone and this one is being half-closed (closeAfterFlush): drain, do not forward.
            io.netty.util.ReferenceCountUtil.release(msg);
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

    private static final io.netty.util.AttributeKey<Boolean> CLOSING = io.netty.util.AttributeKey.valueOf("kaji.relay.closing");

    /**
     * Ends {@code c} once everything written to it is flushed, without losing the tail of the stream: a socket
     * closed while input it has not read is waiting makes the kernel send RST, and a peer that receives RST drops
     * what it has not read yet — the last bytes of a large exec output. So the output is half-closed instead (TLS
     * close_notify, then FIN), the input is read and discarded until the peer closes its side, and the channel is
     * closed then, or after {@value #LINGER_SECONDS} s at the latest.
     */
    public static void closeAfterFlush(Channel c) {
        if (!c.isActive() || c.attr(CLOSING).setIfAbsent(Boolean.TRUE) != null) {
            return;
        }
        c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushed -> {
            io.netty.handler.ssl.SslHandler tls = c.pipeline().get(io.netty.handler.ssl.SslHandler.class);
            if (tls != null && flushed.isSuccess()) {
                tls.closeOutbound().addListener(sent -> halfClose(c));
            } else {
                halfClose(c);
            }
        });
    }

    private static final int LINGER_SECONDS = 10;

    private static void halfClose(Channel c) {
        if (!c.isActive()) {
            return;
        }
        if (!(c instanceof io.netty.channel.socket.DuplexChannel duplex)) {
            c.close();
            return;
        }
        c.config().setAutoRead(true);
        c.read();
        duplex.shutdownOutput();
        c.eventLoop().schedule(() -> {
            c.close();
        }, LINGER_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
    }
}
