package io.kaji.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound end of one side of a two-connection bridge: what this channel reads goes, changed or not, to the
 * {@link #peer} channel. The plumbing every such bridge needs lives here, so a subclass only says what a message
 * becomes and what ending one side does to the other:
 *
 * <ul>
 *   <li>back-pressure: {@link #forward} writes to the peer and pauses reading on this side while the peer cannot
 *       take more; when the peer drains ({@link #channelWritabilityChanged} on the peer's own handler), this side
 *       reads again;</li>
 *   <li>a flush of the peer at the end of every read batch;</li>
 *   <li>a failed channel is logged at debug level and closed, which ends it through {@link #channelInactive};</li>
 *   <li>{@link #closeAfterFlush}, which ends a channel without cutting off the tail of what was written to it.</li>
 * </ul>
 *
 * Handlers run on their own channel's event loop; the peer may be on another loop (Netty's {@code write} and
 * {@code flush} are safe from any thread).
 */
public abstract class PeerHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(PeerHandler.class);
    private static final AttributeKey<Boolean> CLOSING = AttributeKey.valueOf("kaji.peer.closing");
    /** How long a half-closed channel waits for its peer's FIN before it is closed anyway. */
    static final int LINGER_SECONDS = 10;

    /** The other side's channel, which this handler's channel feeds. */
    protected final Channel peer;
    private final String side;

    /**
     * @param peer the channel this side's input goes to
     * @param side what this side is, for the debug line when it fails (for example "exec translation: node")
     */
    protected PeerHandler(Channel peer, String side) {
        this.peer = peer;
        this.side = side;
    }

    /**
     * Writes {@code msg} to the peer without flushing (the flush comes at the end of the read batch) and stops
     * reading this side while the peer's outbound buffer is over its high water mark.
     */
    protected final void forward(ChannelHandlerContext ctx, Object msg) {
        peer.write(msg);
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    /**
     * Whether the peer may read again now that this channel drained; a subclass that holds the peer's input back
     * for a reason of its own (waiting for a handshake) says no until it is over.
     */
    protected boolean peerMayRead() {
        return true;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && peerMayRead()) {
            resumeReading(peer);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{} connection failed: {}", side, cause.toString());
        ctx.close();
    }

    /** Turns reading on for {@code c} and asks for the next read at once. */
    public static void resumeReading(Channel c) {
        c.config().setAutoRead(true);
        c.read();
    }

    /**
     * Ends {@code c} once everything written to it is flushed, without losing the tail of the stream: a socket
     * closed while input it has not read is waiting makes the kernel send RST, and a peer that receives RST drops
     * what it has not read yet — the last bytes of a large exec output. So the output is half-closed instead (TLS
     * close_notify, then FIN), the input is read and discarded until the peer closes its side, and the channel is
     * closed then, or after {@value #LINGER_SECONDS} s at the latest. Calling it again, or on a closed channel, does
     * nothing. Any thread.
     */
    public static void closeAfterFlush(Channel c) {
        if (!c.isActive() || c.attr(CLOSING).setIfAbsent(Boolean.TRUE) != null) {
            return;
        }
        c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushed -> {
            SslHandler tls = c.pipeline().get(SslHandler.class);
            if (tls != null && flushed.isSuccess()) {
                tls.closeOutbound().addListener(sent -> halfClose(c));
            } else {
                halfClose(c);
            }
        });
    }

    private static void halfClose(Channel c) {
        if (!c.isActive()) {
            return;
        }
        if (!(c instanceof DuplexChannel duplex)) {
            c.close();
            return;
        }
        resumeReading(c);
        duplex.shutdownOutput();
        c.eventLoop().schedule(() -> c.close(), LINGER_SECONDS, TimeUnit.SECONDS);
    }
}
