package io.kaji.apiserver.nodeproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tunnel on embedded channels: kubectl's side speaks masked WebSocket frames, the node's raw bytes. */
class SpdyTunnelTest {

    private static final String PORT_FORWARD_101 = "HTTP/1.1 101 Switching Protocols\r\n"
            + "X-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n";

    private final BridgeHarness h = new BridgeHarness();

    private String start(String nodeHead, byte[] rest) {
        SpdyTunnel.start(h.client, h.nodeAnswer(nodeHead, rest), BridgeHarness.KEY);
        return h.clientHead();
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
        String head = start(PORT_FORWARD_101, "early".getBytes(StandardCharsets.UTF_8));
        assertThat(head).startsWith("HTTP/1.1 101 Switching Protocols\r\n")
                .contains("Sec-WebSocket-Accept: " + BridgeHarness.ACCEPT + "\r\n",
                        "Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n");
        assertThat(h.client.config().isAutoRead()).isTrue();
        assertThat(h.node.config().isAutoRead()).isTrue();

        h.fromKubectl(new BinaryWebSocketFrame(Unpooled.copiedBuffer("syn-stream", StandardCharsets.UTF_8)));
        ByteBuf toNode = h.node.readOutbound();
        assertThat(toNode.toString(StandardCharsets.UTF_8)).isEqualTo("syn-stream");
        toNode.release();

        h.node.writeInbound(Unpooled.copiedBuffer("reply-1", StandardCharsets.UTF_8));
        h.node.writeInbound(Unpooled.copiedBuffer("data-2", StandardCharsets.UTF_8));
        h.node.close();
        List<WebSocketFrame> frames = h.toKubectl();
        assertThat(frames).hasSize(4);
        assertThat(frames.subList(0, 3).stream().map(f -> f.content().toString(StandardCharsets.UTF_8)))
                .containsExactly("early", "reply-1", "data-2");
        assertThat(frames.get(3)).isInstanceOf(CloseWebSocketFrame.class);
        assertThat(h.client.isOpen()).as("open until the client answers the close").isTrue();
        h.fromKubectl(new CloseWebSocketFrame(1000, ""));
        h.client.runPendingTasks();
        assertThat(h.client.isOpen()).isFalse();
    }

    @Test
    void pingsAreAnsweredAndTheClientsCloseEndsTheNodeConnection() {
        start(PORT_FORWARD_101, new byte[0]);
        h.fromKubectl(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {7})));
        assertThat(h.toKubectl()).singleElement().isInstanceOfSatisfying(PongWebSocketFrame.class,
                p -> assertThat(p.content().getByte(0)).isEqualTo((byte) 7));
        h.fromKubectl(new CloseWebSocketFrame(1000, ""));
        h.node.runPendingTasks();
        assertThat(h.node.isOpen()).isFalse();
        assertThat(h.toKubectl()).as("the server's answer to the close").singleElement()
                .isInstanceOf(CloseWebSocketFrame.class);
    }

    @Test
    void aClientThatDisconnectsEndsTheNodeConnectionAndNothingMoreIsForwarded() {
        start(PORT_FORWARD_101, new byte[0]);
        h.client.close();
        h.node.runPendingTasks();
        assertThat(h.node.isOpen()).isFalse();
        assertThat((Object) h.node.readOutbound()).isNull();
    }
}
