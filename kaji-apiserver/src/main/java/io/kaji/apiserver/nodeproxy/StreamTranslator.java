package io.kaji.apiserver.nodeproxy;

import io.kaji.netty.PeerHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code pods/exec} and {@code pods/attach} to WebSocket clients that speak {@code v5.channel.k8s.io}
 * (kubectl 1.30+, client-java) while talking SPDY to the node, as kube-apiserver's stream translator does since
 * Kubernetes 1.30: node runtimes (containerd 1.6/1.7's streaming server, the kubelet) do not speak v5, and relaying
 * SPDY to the client instead loses data — client-go's SPDY connection hands each stream's frames to its own
 * goroutine and drops the ones still queued when the connection closes, so the tail of a large output can vanish
 * while the exit status (on another stream) arrives. Here every frame of the node's single SPDY connection is
 * turned, in arrival order, into one WebSocket message on the client's connection, and the WebSocket close comes
 * after the last of them.
 *
 * <p>Protocols. Towards the node: an SPDY/3.1 upgrade with {@code X-Stream-Protocol-Version: v4.channel.k8s.io};
 * the API server opens the streams client-go would open (headers {@code streamtype: error|stdin|stdout|stderr|
 * resize}, odd ids, in that order, only those the query asks for), waits for the node's reply to each before it
 * forwards anything, answers pings, and leaves flow control alone (the SPDY peers of this protocol do not use it).
 * Towards the client: WebSocket binary messages whose first byte is the channel (0 stdin, 1 stdout, 2 stderr,
 * 3 error — the v4 Status JSON, unchanged —, 4 resize), and v5's close signal {@code [255, channel]}, which ends
 * the stdin stream (an empty SPDY data frame with FIN). Back-pressure both ways: a side stops reading while the
 * other cannot take more.
 */
public final class StreamTranslator {

    private static final Logger LOG = LoggerFactory.getLogger(StreamTranslator.class);

    /** The WebSocket sub-protocol this class serves to clients. */
    public static final String V5 = "v5.channel.k8s.io";
    /** The stream protocol it asks the node for. */
    public static final String V4 = "v4.channel.k8s.io";

    static final byte STDIN = 0;
    static final byte STDOUT = 1;
    static final byte STDERR = 2;
    static final byte ERROR = 3;
    static final byte RESIZE = 4;
    static final int CLOSE_SIGNAL = 255;

    /** How long the node may take to accept every stream. */
    private static final long REPLY_TIMEOUT_SECONDS = 30;

    /** The streams an exec or attach asks for (PodExecOptions' flags). */
    public record Streams(boolean stdin, boolean stdout, boolean stderr, boolean tty) {

        /** The channels in the order their SPDY streams are opened: error first, as client-go does. */
        List<Byte> channels() {
            List<Byte> c = new ArrayList<>();
            c.add(ERROR);
            if (stdin) {
                c.add(STDIN);
            }
            if (stdout) {
                c.add(STDOUT);
            }
            // With a TTY stderr is merged into stdout, and the kubelet expects no stderr stream.
            if (stderr && !tty) {
                c.add(STDERR);
            }
            if (tty) {
                c.add(RESIZE);
            }
            return c;
        }
    }

    private StreamTranslator() {
    }

    /**
     * Whether a request for {@code sub} should be translated: a WebSocket upgrade of exec or attach that offers
     * {@code v5.channel.k8s.io} (kube-apiserver's rule; v4 and older WebSocket clients are relayed to the node as
     * they are, and port-forward is never translated).
     *
     * @param upgrade  the request's {@code Upgrade} header, or null
     * @param protocol the request's {@code Sec-WebSocket-Protocol} header values
     */
    public static boolean translates(String sub, String upgrade, List<String> protocol) {
        if (!"exec".equals(sub) && !"attach".equals(sub)) {
            return false;
        }
        if (upgrade == null || !upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
            return false;
        }
        for (String header : protocol) {
            for (String p : header.split(",")) {
                if (p.trim().equals(V5)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The headers of the SPDY upgrade sent to the node instead of the client's WebSocket upgrade. */
    public static List<Map.Entry<String, String>> nodeUpgradeHeaders(String userAgent) {
        List<Map.Entry<String, String>> h = new ArrayList<>();
        h.add(Map.entry("Connection", "Upgrade"));
        h.add(Map.entry("Upgrade", "SPDY/3.1"));
        h.add(Map.entry("X-Stream-Protocol-Version", V4));
        if (userAgent != null) {
            h.add(Map.entry("User-Agent", userAgent));
        }
        return h;
    }

    /** The stream protocol the node chose, from its 101 head ({@code X-Stream-Protocol-Version}), or null. */
    public static String negotiated(byte[] head) {
        for (String line : new String(head, StandardCharsets.ISO_8859_1).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("X-Stream-Protocol-Version")) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /**
     * Takes over both connections: answers the client's WebSocket upgrade (101 with {@code v5.channel.k8s.io}),
     * opens the SPDY streams on the node's upgraded connection and translates until one side ends.
     *
     * @param client       the client's connection, its HTTP handlers removed
     * @param node         the node's answer: 101 to the SPDY upgrade, with its connection (reading paused)
     * @param webSocketKey the client's {@code Sec-WebSocket-Key}
     */
    public static void start(Channel client, AgentUpgrade.Answer node, String webSocketKey, Streams streams) {
        Session session = new Session(client, node.channel(), streams);
        // The client side is set up (reading paused) before the node's first reply can enable its reading.
        client.eventLoop().execute(() -> {
            session.startClient(webSocketKey);
            node.channel().eventLoop().execute(() -> session.startNode(node.rest()));
        });
    }

    /** The state of one translated exec or attach; each handler touches only what its own event loop owns. */
    private static final class Session extends WebSocketBridge {
        /** The channel of each SPDY stream, by stream id; iterated in id order, the order they are opened in. */
        private final SortedMap<Integer, Byte> channelOf = new TreeMap<>();
        private final int[] streamOf = new int[5];
        /** Streams the node has not accepted yet; client input waits until it is 0 (node loop only). */
        private int awaitingReply;

        Session(Channel client, Channel node, Streams streams) {
            super(client, node, "exec translation");
            int id = 1;
            for (byte channel : streams.channels()) {
                channelOf.put(id, channel);
                streamOf[channel] = id;
                id += 2;
            }
        }

        void startClient(String key) {
            client.config().setAutoRead(false);
            acceptClient(key, V5);
            client.flush();
            if (!client.isActive()) {
                ended.set(true);
                node.close();
            }
        }

        void startNode(byte[] rest) {
            node.pipeline().addLast("spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
            node.pipeline().addLast("translator", new FromNode());
            if (rest.length > 0) {
                // Bytes that came with the 101 head are already decrypted: they enter right after TLS.
                ChannelHandlerContext afterTls = node.pipeline().context(SslHandler.class);
                if (afterTls != null) {
                    afterTls.fireChannelRead(Unpooled.wrappedBuffer(rest));
                } else {
                    node.pipeline().fireChannelRead(Unpooled.wrappedBuffer(rest));
                }
            }
            // What the node sent after its 101 and the answer reader held (never together with a `rest`).
            AgentUpgrade.release(node);
            for (Map.Entry<Integer, Byte> s : channelOf.entrySet()) {
                SpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(s.getKey(), 0, (byte) 0);
                syn.headers().set("streamtype", streamType(s.getValue()));
                node.write(syn);
                awaitingReply++;
            }
            node.flush();
            PeerHandler.resumeReading(node);
            node.eventLoop().schedule(() -> {
                if (awaitingReply > 0 && !ended.get()) {
                    LOG.warn("the node accepted {} of {} exec streams within {} s; closing", channelOf.size()
                            - awaitingReply, channelOf.size(), REPLY_TIMEOUT_SECONDS);
                    end();
                }
            }, REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        private static String streamType(byte channel) {
            return switch (channel) {
                case STDIN -> "stdin";
                case STDOUT -> "stdout";
                case STDERR -> "stderr";
                case ERROR -> "error";
                default -> "resize";
            };
        }

        @Override
        void endNode() {
            node.close();
        }

        /** Stdin, resize and v5's close signal become SPDY frames. */
        @Override
        Object fromClient(ByteBuf message) {
            if (!message.isReadable()) {
                return null;
            }
            int channel = message.readUnsignedByte();
            if (channel == CLOSE_SIGNAL) {
                if (message.isReadable() && message.readUnsignedByte() == STDIN && streamOf[STDIN] != 0) {
                    return new DefaultSpdyDataFrame(streamOf[STDIN]).setLast(true);
                }
                return null;
            }
            if ((channel == STDIN || channel == RESIZE) && streamOf[channel] != 0 && message.isReadable()) {
                return new DefaultSpdyDataFrame(streamOf[channel], message.retain());
            }
            return null;
        }

        /** Frames from the node: data becomes WebSocket messages on the client, in order. */
        private final class FromNode extends NodeSide {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (ended.get()) {
                        return;
                    }
                    if (msg instanceof SpdyDataFrame data) {
                        Byte channel = channelOf.get(data.streamId());
                        if (channel != null && channel != STDIN && channel != RESIZE
                                && data.content().isReadable()) {
                            ByteBuf payload = Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(new byte[] {channel}),
                                    data.content().retain());
                            forward(ctx, new BinaryWebSocketFrame(payload));
                        }
                    } else if (msg instanceof SpdySynReplyFrame reply) {
                        accepted(reply.streamId());
                    } else if (msg instanceof SpdyRstStreamFrame rst) {
                        if (awaitingReply > 0 && channelOf.containsKey(rst.streamId())) {
                            LOG.debug("the node refused exec stream {}: {}", rst.streamId(), rst.status());
                        }
                    } else if (msg instanceof SpdyPingFrame ping) {
                        // Pings the node starts have even ids; ours (none) would be odd.
                        if (ping.id() % 2 == 0) {
                            ctx.writeAndFlush(new DefaultSpdyPingFrame(ping.id()));
                        }
                    }
                    // SETTINGS, WINDOW_UPDATE, HEADERS, GOAWAY: nothing to do; the node closes the connection
                    // when it is done, after its last frame.
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            private void accepted(int streamId) {
                if (channelOf.containsKey(streamId) && awaitingReply > 0 && --awaitingReply == 0) {
                    resumeReading(client);
                }
            }

            /** Client input stays paused until the node accepted every stream. */
            @Override
            protected boolean peerMayRead() {
                return awaitingReply == 0;
            }
        }
    }
}
