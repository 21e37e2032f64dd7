package io.kaji.apiserver.nodeproxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The set-up the tests of {@link WebSocketBridge}'s subclasses share: the client's and the node's connections as
 * embedded channels with reading paused (as the API server hands them over), and a fake kubectl that speaks masked
 * WebSocket frames through Netty's codec, as on the wire.
 */
final class BridgeHarness {

    /** RFC 6455's example key, and the accept value it must get. */
    static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    final EmbeddedChannel client = new EmbeddedChannel();
    final EmbeddedChannel node = new EmbeddedChannel();
    /** kubectl's side: masked frames out, frames from the server decoded. */
    final EmbeddedChannel kubectl = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 24),
            new WebSocket13FrameEncoder(true));

    BridgeHarness() {
        client.config().setAutoRead(false);
        node.config().setAutoRead(false);
    }

    /** The node's 101 to the SPDY upgrade, on {@link #node}. */
    AgentUpgrade.Answer nodeAnswer(String head, byte[] rest) {
        return new AgentUpgrade.Answer(101, head.getBytes(StandardCharsets.ISO_8859_1), rest, node);
    }

    /** Runs what the bridge scheduled on both sides and returns the first thing written to the client: its 101. */
    String clientHead() {
        client.runPendingTasks();
        node.runPendingTasks();
        ByteBuf head = client.readOutbound();
        try {
            return head.toString(StandardCharsets.ISO_8859_1);
        } finally {
            head.release();
        }
    }

    /** kubectl sends {@code frame}; the bridge reads it, and the node side runs what that scheduled. */
    void fromKubectl(WebSocketFrame frame) {
        kubectl.writeOutbound(frame);
        for (Object o; (o = kubectl.readOutbound()) != null; ) {
            client.writeInbound(o);
        }
        node.runPendingTasks();
    }

    /** The WebSocket frames the bridge sent to kubectl so far, decoded. */
    List<WebSocketFrame> toKubectl() {
        client.runPendingTasks();
        for (Object o; (o = client.readOutbound()) != null; ) {
            kubectl.writeInbound(o);
        }
        List<WebSocketFrame> frames = new ArrayList<>();
        for (Object o; (o = kubectl.readInbound()) != null; ) {
            frames.add((WebSocketFrame) o);
        }
        return frames;
    }
}
