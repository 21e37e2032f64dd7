package io.kaji.apiserver.nodeproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tunnel on embedded channels: kubectl's side speaks masked WebSocket frames, the node's raw bytes. */
class SpdyTunnelTest {

    private final EmbeddedChannel client = new EmbeddedChannel();
    private final EmbeddedChannel node = new EmbeddedChannel();
    private final EmbeddedChannel kubectl = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 24),
            new WebSocket13FrameEncoder(true));

    private String start(String nodeHead, byte[] rest) {
        client.config().setAutoRead(false);
        node.config().setAutoRead(false);
        SpdyTunnel.start(client, new AgentUpgrade.Answer(101, nodeHead.getBytes(StandardCharsets.ISO_8859_1), rest,
                node), "dGhlIHNhbXBsZSBub25jZQ==");
        client.runPendingTasks();
        node.runPendingTasks();
        ByteBuf head = client.readOutbound();
        try {
            return head.toString(StandardCharsets.ISO_8859_1);
        } finally {
            head.release();
        }
    }

    private List<WebSocketFrame> toKubectl() {
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

    @Test
    void theClientsSubProtocolsBecomeTheNodesStreamProtocols() {
        assertThat(SpdyTunnel.tunnelledProtocols("websocket",
                List.of("SPDY/3.1+portforward.k8s.io, v4.channel.k8s.io")))
                .containsExactly("portforward.k8s.io");
        assertThat(SpdyTunnel.tunnelledProtocols("websocket", List.of("SPDY/3.1+other.example.com"))).isEmpty();
        assertThat(SpdyTunnel.tunnelledProtocols("SPDY/3.1", List.of("SPDY/3.1+portforward.k8s.io"))).isEmpty();
        assertThat(SpdyTunnel.nodeUpgradeHeaders(List.of("portforward.k8s.io"), "kubectl/v1.32"))
                .contains(Map.entry("Upgrade", "SPDY/3.1"),
                        Map.entry("X-Stream-Protocol-Version", "portforward.k8s.io"),
                        Map.entry("User-Agent", "kubectl/v1.32"));
    }

    @Test
    void bytesCrossInBothDirectionsAndTheCloseFollowsTheLastOne() {
        String head = start("HTTP/1.1 101 Switching Protocols\r\n"
                + "X-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n", "early".getBytes(StandardCharsets.UTF_8));
        assertThat(head).startsWith("HTTP/1.1 101 Switching Protocols\r\n")
                .contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n",
                        "Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n");
        assertThat(client.config().isAutoRead()).isTrue();
        assertThat(node.config().isAutoRead()).isTrue();

        kubectl.writeOutbound(new BinaryWebSocketFrame(Unpooled.copiedBuffer("syn-stream", StandardCharsets.UTF_8)));
        for (Object o; (o = kubectl.readOutbound()) != null; ) {
            client.writeInbound(o);
        }
        ByteBuf toNode = node.readOutbound();
        assertThat(toNode.toString(StandardCharsets.UTF_8)).isEqualTo("syn-stream");
        toNode.release();

        node.writeInbound(Unpooled.copiedBuffer("reply-1", StandardCharsets.UTF_8));
        node.writeInbound(Unpooled.copiedBuffer("data-2", StandardCharsets.UTF_8));
        node.close();
        List<WebSocketFrame> frames = toKubectl();
        assertThat(frames).hasSize(4);
        assertThat(frames.subList(0, 3).stream().map(f -> f.content().toString(StandardCharsets.UTF_8)))
                .containsExactly("early", "reply-1", "data-2");
        assertThat(frames.get(3)).isInstanceOf(CloseWebSocketFrame.class);
        assertThat(client.isOpen()).as("open until the client answers the close").isTrue();
        kubectl.writeOutbound(new CloseWebSocketFrame(1000, ""));
        for (Object o; (o = kubectl.readOutbound()) != null; ) {
            client.writeInbound(o);
        }
        client.runPendingTasks();
        assertThat(client.isOpen()).isFalse();
    }
}
