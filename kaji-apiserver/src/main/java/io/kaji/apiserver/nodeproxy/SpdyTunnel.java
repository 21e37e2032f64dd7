package io.kaji.apiserver.nodeproxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SPDY tunnelled through WebSocket, kubectl 1.31+'s first choice for {@code port-forward}, served as
 * kube-apiserver's tunneling handler does: a WebSocket upgrade offering sub-protocols {@code SPDY/3.1+<p>} (for
 * example {@code SPDY/3.1+portforward.k8s.io}) goes to the node as a plain SPDY/3.1 upgrade offering {@code <p>};
 * on the node's 101 the client's handshake is answered with {@code SPDY/3.1+} and the protocol the node chose, and
 * from then on every binary WebSocket message from the client is SPDY bytes for the node and every read from the
 * node goes back as one binary message. The SPDY session itself stays between the client and the node; this class
 * only removes and adds the WebSocket framing. Back-pressure as in {@link ByteRelay}.
 */
public final class SpdyTunnel {

    /** The prefix of the tunnelling WebSocket sub-protocols. */
    public static final String PREFIX = "SPDY/3.1+";
    private static final int MAX_CLIENT_FRAME = 1 << 20;

    private SpdyTunnel() {
    }

    /**
     * The SPDY protocols a WebSocket upgrade tunnels ({@code SPDY/3.1+…k8s.io} with the prefix removed), in the
     * client's order; empty when the request is not a tunnelling request.
     *
     * @param upgrade  the request's {@code Upgrade} header, or null
     * @param protocol the request's {@code Sec-WebSocket-Protocol} header values
     */
    public static List<String> tunnelledProtocols(String upgrade, List<String> protocol) {
        List<String> spdy = new ArrayList<>();
        if (upgrade == null || !upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
            return spdy;
        }
        for (String header : protocol) {
            for (String p : header.split(",")) {
                String t = p.trim();
                if (t.startsWith(PREFIX) && t.endsWith(".k8s.io")) {
                    spdy.add(t.substring(PREFIX.length()));
                }
            }
        }
        return spdy;
    }

    /** The headers of the SPDY upgrade sent to the node for a tunnelling request. */
    public static List<Map.Entry<String, String>> nodeUpgradeHeaders(List<String> spdyProtocols, String userAgent) {
        List<Map.Entry<String, String>> h = new ArrayList<>();
        h.add(Map.entry("Connection", "Upgrade"));
        h.add(Map.entry("Upgrade", "SPDY/3.1"));
        for (String p : spdyProtocols) {
            h.add(Map.entry("X-Stream-Protocol-Version", p));
        }
        if (userAgent != null) {
            h.add(Map.entry("User-Agent", userAgent));
        }
        return h;
    }

    /**
     * Answers the client's WebSocket handshake and tunnels until one side ends.
     *
     * @param client       the client's connection, its HTTP handlers removed
     * @param node         the node's 101 answer to the SPDY upgrade, with its connection (reading paused)
     * @param webSocketKey the client's {@code Sec-WebSocket-Key}
     */
    public static void start(Channel client, AgentUpgrade.Answer node, String webSocketKey) {
        Channel upstream = node.channel();
        String chosen = StreamTranslator.negotiated(node.head());
        AtomicBoolean ended = new AtomicBoolean();
        client.eventLoop().execute(() -> {
            String head = "HTTP/1.1 101 Switching Protocols\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + StreamTranslator.acceptKey(webSocketKey) + "\r\n"
                    + (chosen == null ? "" : "Sec-WebSocket-Protocol: " + PREFIX + chosen + "\r\n") + "\r\n";
            client.write(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
            client.pipeline().addLast("ws-decoder", new WebSocket13FrameDecoder(true, false, MAX_CLIENT_FRAME));
            client.pipeline().addLast("ws-encoder", new WebSocket13FrameEncoder(false));
            client.pipeline().addLast("tunnel", new FromClient(upstream, ended));
            if (node.rest().length > 0) {
                client.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(node.rest())));
            }
            client.flush();
            upstream.eventLoop().execute(() -> {
                upstream.pipeline().addLast("tunnel", new FromNode(client, ended));
                for (Channel c : new Channel[] {client, upstream}) {
                    c.config().setAutoRead(true);
                    c.read();
                }
            });
        });
    }

    /**
     * Ends both sides: a WebSocket close to the client after everything sent before it, the connection closed when
     * the client answers it or after {@link StreamTranslator#CLOSE_WAIT_SECONDS} s (see
     * {@link StreamTranslator}); the node's connection at once.
     */
    private static void end(Channel client, Channel node, AtomicBoolean ended) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        Runnable closeClient = () -> {
            if (client.isActive()) {
                client.writeAndFlush(new CloseWebSocketFrame(1000, ""));
                client.eventLoop().schedule(() -> ByteRelay.closeAfterFlush(client),
                        StreamTranslator.CLOSE_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            }
        };
        if (client.eventLoop().inEventLoop()) {
            closeClient.run();
        } else {
            client.eventLoop().execute(closeClient);
        }
        ByteRelay.closeAfterFlush(node);
    }

    /** Node bytes become binary messages. */
    private static final class FromNode extends ChannelInboundHandlerAdapter {
        private final Channel client;
        private final AtomicBoolean ended;

        FromNode(Channel client, AtomicBoolean ended) {
            this.client = client;
            this.ended = ended;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (ended.get() || !(msg instanceof ByteBuf bytes)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            client.write(new BinaryWebSocketFrame(bytes));
            if (!client.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            client.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                client.config().setAutoRead(true);
                client.read();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            end(client, ctx.channel(), ended);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Binary messages from the client are SPDY bytes for the node. */
    private static final class FromClient extends ChannelInboundHandlerAdapter {
        private final Channel node;
        private final AtomicBoolean ended;

        FromClient(Channel node, AtomicBoolean ended) {
            this.node = node;
            this.ended = ended;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof CloseWebSocketFrame) {
                    // The client's close starts the closing handshake or answers ours: either way it is over.
                    end(ctx.channel(), node, ended);
                    ByteRelay.closeAfterFlush(ctx.channel());
                } else if (msg instanceof PingWebSocketFrame ping) {
                    ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                } else if (msg instanceof BinaryWebSocketFrame frame && !ended.get()
                        && frame.content().isReadable()) {
                    node.write(frame.content().retain());
                    if (!node.isWritable()) {
                        ctx.channel().config().setAutoRead(false);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            node.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                node.config().setAutoRead(true);
                node.read();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ended.set(true);
            node.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
