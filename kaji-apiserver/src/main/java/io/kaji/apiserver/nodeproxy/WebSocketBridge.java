package io.kaji.apiserver.nodeproxy;

import io.kaji.netty.PeerHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's WebSocket connection joined to one upgraded connection to a node, the part that
 * {@link StreamTranslator} (v5 exec and attach over SPDY) and {@link SpdyTunnel} (SPDY tunnelled through
 * WebSocket) share: the server's side of the opening handshake, the client's pings and closing handshake, the end
 * of both sides, and the client-side handler with its back-pressure. A subclass says what a binary message from the
 * client becomes on the node's connection, how the node's connection ends, and installs its own handler there
 * (a {@link NodeSide}).
 */
abstract class WebSocketBridge {

    private static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** The largest WebSocket message a client may send (stdin chunks are 32 KiB with client-go). */
    private static final int MAX_CLIENT_FRAME = 1 << 20;
    /** How long the client may take to answer the server's WebSocket close. */
    static final long CLOSE_WAIT_SECONDS = 5;

    /** The client's connection, speaking WebSocket once {@link #acceptClient} ran. */
    final Channel client;
    /** The node's upgraded connection. */
    final Channel node;
    /** Set once either side ended; nothing is forwarded after it. */
    final AtomicBoolean ended = new AtomicBoolean();
    private final String name;
    /** Whether the server's WebSocket close frame was written (client event loop only). */
    private boolean closeSent;

    /**
     * @param name what the bridge is, for debug lines ("exec translation", "port-forward tunnel")
     */
    WebSocketBridge(Channel client, Channel node, String name) {
        this.client = client;
        this.node = node;
        this.name = name;
    }

    /** RFC 6455's {@code Sec-WebSocket-Accept} for a client's key. */
    static String acceptKey(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1")
                    .digest((key.trim() + WEBSOCKET_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }

    /**
     * Answers the client's WebSocket handshake with 101 (written, not flushed) and puts the WebSocket codec and the
     * client-side handler on its pipeline. Client event loop.
     *
     * @param key         the client's {@code Sec-WebSocket-Key}
     * @param subProtocol the {@code Sec-WebSocket-Protocol} chosen, or null for none
     */
    final void acceptClient(String key, String subProtocol) {
        String head = "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + acceptKey(key) + "\r\n"
                + (subProtocol == null ? "" : "Sec-WebSocket-Protocol: " + subProtocol + "\r\n") + "\r\n";
        client.write(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
        client.pipeline().addLast("ws-decoder", new WebSocket13FrameDecoder(true, false, MAX_CLIENT_FRAME));
        client.pipeline().addLast("ws-encoder", new WebSocket13FrameEncoder(false));
        client.pipeline().addLast("bridge", new ClientSide());
    }

    /**
     * Ends both sides, once: the client gets a normal WebSocket close after everything written before it, and its
     * connection is closed once it answers with its own close (RFC 6455's closing handshake) or after
     * {@value #CLOSE_WAIT_SECONDS} s. Closing the connection right after the close frame would make clients that
     * answer it (OkHttp, under client-java) fail on a closed socket and report the stream as failed. The node's
     * connection ends through {@link #endNode}. Any thread.
     */
    final void end() {
        if (ended.compareAndSet(false, true)) {
            client.eventLoop().execute(() -> closeClient(false));
            endNode();
        }
    }

    /**
     * The server's half of the closing handshake, on the client's event loop (which alone touches
     * {@link #closeSent}): the close frame once, then the end of the connection — at once when the client's close
     * has arrived, else when it arrives or after {@value #CLOSE_WAIT_SECONDS} s. Deciding both here keeps the close
     * frame ahead of the connection's end whichever side ends first: when the node's end (on its own loop) and the
     * client's close cross, the client must still read a close frame before TLS's close_notify, or OkHttp reports
     * the exec as failed (client-java's exit code -1975219) although its status had arrived.
     *
     * @param clientClosed whether the client's close frame has arrived
     */
    private void closeClient(boolean clientClosed) {
        if (!closeSent && client.isActive()) {
            closeSent = true;
            client.writeAndFlush(new CloseWebSocketFrame(1000, ""));
            if (!clientClosed) {
                client.eventLoop().schedule(() -> PeerHandler.closeAfterFlush(client), CLOSE_WAIT_SECONDS,
                        TimeUnit.SECONDS);
            }
        }
        if (clientClosed) {
            PeerHandler.closeAfterFlush(client);
        }
    }

    /** Ends the node's connection when the bridge ends. */
    abstract void endNode();

    /**
     * What a binary message from the client becomes on the node's connection, or null for nothing. Called while the
     * bridge has not ended, on the client's event loop; {@code message} belongs to the caller, so what is passed on
     * must be retained.
     */
    abstract Object fromClient(ByteBuf message);

    /** WebSocket frames from the client: pings answered, close ends the bridge, binary messages to the subclass. */
    private final class ClientSide extends PeerHandler {

        ClientSide() {
            super(node, name + ": client");
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof CloseWebSocketFrame) {
                    // The client's close starts the closing handshake or answers ours: either way it is over.
                    if (ended.compareAndSet(false, true)) {
                        endNode();
                    }
                    closeClient(true);
                } else if (msg instanceof PingWebSocketFrame ping) {
                    ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                } else if (msg instanceof BinaryWebSocketFrame frame && !ended.get()) {
                    Object toNode = fromClient(frame.content());
                    if (toNode != null) {
                        forward(ctx, toNode);
                    }
                }
                // Text frames belong to protocols not offered here; pongs need nothing.
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ended.set(true);
            node.close();
        }
    }

    /**
     * The base of the handler on the node's connection: it feeds the client, and the node's connection closing
     * ends the bridge.
     */
    abstract class NodeSide extends PeerHandler {

        NodeSide() {
            super(client, name + ": node");
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            end();
        }
    }
}
