package io.kaji.apiserver.nodeproxy;

import io.kaji.netty.PeerHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * SPDY tunnelled through WebSocket, kubectl 1.31+'s first choice for {@code port-forward}, served as
 * kube-apiserver's tunneling handler does: a WebSocket upgrade offering sub-protocols {@code SPDY/3.1+<p>} (for
 * example {@code SPDY/3.1+portforward.k8s.io}) goes to the node as a plain SPDY/3.1 upgrade offering {@code <p>};
 * on the node's 101 the client's handshake is answered with {@code SPDY/3.1+} and the protocol the node chose, and
 * from then on every binary WebSocket message from the client is SPDY bytes for the node and every read from the
 * node goes back as one binary message. The SPDY session itself stays between the client and the node; this class
 * only removes and adds the WebSocket framing. Back-pressure and ending as in {@link WebSocketBridge}.
 */
public final class SpdyTunnel {

    /** The prefix of the tunnelling WebSocket sub-protocols. */
    public static final String PREFIX = "SPDY/3.1+";

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
        Tunnel tunnel = new Tunnel(client, node.channel());
        String chosen = StreamTranslator.negotiated(node.head());
        client.eventLoop().execute(() -> {
            tunnel.acceptClient(webSocketKey, chosen == null ? null : PREFIX + chosen);
            if (node.rest().length > 0) {
                client.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(node.rest())));
            }
            client.flush();
            tunnel.node.eventLoop().execute(() -> {
                tunnel.node.pipeline().addLast("tunnel", tunnel.new FromNode());
                AgentUpgrade.release(tunnel.node);
                PeerHandler.resumeReading(client);
                PeerHandler.resumeReading(tunnel.node);
            });
        });
    }

    /**
     * One tunnel: binary messages from the client are SPDY bytes for the node, and the node's bytes go back as
     * binary messages. When it ends, the client gets the WebSocket closing handshake ({@link WebSocketBridge#end})
     * and the node's connection is closed after what was written to it.
     */
    private static final class Tunnel extends WebSocketBridge {

        Tunnel(Channel client, Channel node) {
            super(client, node, "port-forward tunnel");
        }

        @Override
        void endNode() {
            PeerHandler.closeAfterFlush(node);
        }

        @Override
        Object fromClient(ByteBuf message) {
            return message.isReadable() ? message.retain() : null;
        }

        /** Node bytes become binary messages. */
        private final class FromNode extends NodeSide {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (ended.get() || !(msg instanceof ByteBuf bytes)) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                forward(ctx, new BinaryWebSocketFrame(bytes));
            }
        }
    }
}
