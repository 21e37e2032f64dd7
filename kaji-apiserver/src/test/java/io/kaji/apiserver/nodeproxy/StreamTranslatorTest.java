package io.kaji.apiserver.nodeproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The translation on embedded channels: a fake node speaking SPDY frames on one side, a fake kubectl speaking
 * masked WebSocket frames on the other, both encoded and decoded by Netty's codecs as on the wire.
 */
class StreamTranslatorTest {

    private final EmbeddedChannel client = new EmbeddedChannel();
    private final EmbeddedChannel node = new EmbeddedChannel();
    /** The node's codec: SPDY bytes from the translator in, frames out, and back. */
    private final EmbeddedChannel nodeCodec = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1, false));
    /** kubectl's side: masked frames out, frames from the server decoded. */
    private final EmbeddedChannel kubectl = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 24),
            new WebSocket13FrameEncoder(true));

    @BeforeEach
    void start() {
        client.config().setAutoRead(false);
        node.config().setAutoRead(false);
    }

    private void startTranslation(StreamTranslator.Streams streams) {
        AgentUpgrade.Answer answer = new AgentUpgrade.Answer(101,
                "HTTP/1.1 101 Switching Protocols\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1), new byte[0], node);
        StreamTranslator.start(client, answer, "dGhlIHNhbXBsZSBub25jZQ==", streams);
        client.runPendingTasks();
        node.runPendingTasks();
        ByteBuf head = client.readOutbound();
        String text = head.toString(StandardCharsets.ISO_8859_1);
        head.release();
        assertThat(text).startsWith("HTTP/1.1 101 Switching Protocols\r\n")
                // RFC 6455's example key and accept value
                .contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n")
                .contains("Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n");
    }

    /** Frames the translator sent to the node. */
    private List<SpdyFrame> toNode() {
        List<SpdyFrame> frames = new ArrayList<>();
        for (Object o; (o = node.readOutbound()) != null; ) {
            nodeCodec.writeInbound(o);
        }
        for (Object o; (o = nodeCodec.readInbound()) != null; ) {
            frames.add((SpdyFrame) o);
        }
        return frames;
    }

    private void fromNode(SpdyFrame... frames) {
        for (SpdyFrame f : frames) {
            nodeCodec.writeOutbound(f);
        }
        for (Object o; (o = nodeCodec.readOutbound()) != null; ) {
            node.writeInbound(o);
        }
        client.runPendingTasks();
    }

    private void fromKubectl(WebSocketFrame frame) {
        kubectl.writeOutbound(frame);
        for (Object o; (o = kubectl.readOutbound()) != null; ) {
            client.writeInbound(o);
        }
        node.runPendingTasks();
    }

    /** WebSocket frames the translator sent to kubectl. */
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

    private static DefaultSpdyDataFrame data(int stream, String text) {
        return new DefaultSpdyDataFrame(stream, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    private static BinaryWebSocketFrame message(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(b));
    }

    @Test
    void opensTheStreamsClientGoOpensAndWaitsForTheirReplies() {
        startTranslation(new StreamTranslator.Streams(true, true, true, false));
        List<SpdyFrame> syn = toNode();
        assertThat(syn).hasSize(4).allMatch(f -> f instanceof SpdySynStreamFrame);
        assertThat(syn.stream().map(f -> Map.entry(((SpdySynStreamFrame) f).streamId(),
                ((SpdySynStreamFrame) f).headers().getAsString("streamtype"))).toList())
                .containsExactly(Map.entry(1, "error"), Map.entry(3, "stdin"), Map.entry(5, "stdout"),
                        Map.entry(7, "stderr"));
        assertThat(client.config().isAutoRead()).as("client input waits for the node's replies").isFalse();
        fromNode(new DefaultSpdySynReplyFrame(1), new DefaultSpdySynReplyFrame(3), new DefaultSpdySynReplyFrame(5));
        assertThat(client.config().isAutoRead()).isFalse();
        fromNode(new DefaultSpdySynReplyFrame(7));
        assertThat(client.config().isAutoRead()).isTrue();
    }

    @Test
    void withATtyThereIsAResizeStreamAndNoStderr() {
        startTranslation(new StreamTranslator.Streams(true, true, true, true));
        assertThat(toNode().stream().map(f -> ((SpdySynStreamFrame) f).headers().getAsString("streamtype")))
                .containsExactly("error", "stdin", "stdout", "resize");
        fromNode(new DefaultSpdySynReplyFrame(1), new DefaultSpdySynReplyFrame(3), new DefaultSpdySynReplyFrame(5),
                new DefaultSpdySynReplyFrame(7));
        fromKubectl(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {4},
                "{\"Width\":80,\"Height\":24}".getBytes(StandardCharsets.UTF_8))));
        List<SpdyFrame> resize = toNode();
        assertThat(resize).hasSize(1);
        assertThat(((SpdyDataFrame) resize.get(0)).streamId()).isEqualTo(7);
        assertThat(((SpdyDataFrame) resize.get(0)).content().toString(StandardCharsets.UTF_8))
                .isEqualTo("{\"Width\":80,\"Height\":24}");
    }

    @Test
    void stdinAndTheV5CloseSignalBecomeDataAndFinOnTheStdinStream() {
        startTranslation(new StreamTranslator.Streams(true, true, false, false));
        toNode();
        fromNode(new DefaultSpdySynReplyFrame(1), new DefaultSpdySynReplyFrame(3), new DefaultSpdySynReplyFrame(5));
        fromKubectl(message(0, 'h', 'i'));
        fromKubectl(message(1, 'x')); // a client does not write stdout: dropped
        fromKubectl(message(255, 0));
        List<SpdyFrame> frames = toNode();
        assertThat(frames).hasSize(2);
        SpdyDataFrame stdin = (SpdyDataFrame) frames.get(0);
        assertThat(stdin.streamId()).isEqualTo(3);
        assertThat(stdin.content().toString(StandardCharsets.UTF_8)).isEqualTo("hi");
        assertThat(stdin.isLast()).isFalse();
        SpdyDataFrame fin = (SpdyDataFrame) frames.get(1);
        assertThat(fin.streamId()).isEqualTo(3);
        assertThat(fin.isLast()).isTrue();
        assertThat(fin.content().isReadable()).isFalse();
    }

    @Test
    void outputReachesTheClientInOrderAndTheCloseComesAfterTheLastByte() {
        startTranslation(new StreamTranslator.Streams(false, true, true, false));
        toNode();
        fromNode(new DefaultSpdySynReplyFrame(1), new DefaultSpdySynReplyFrame(3), new DefaultSpdySynReplyFrame(5));
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String chunk = "line " + i + "\n";
            expected.append(chunk);
            fromNode(data(3, chunk));
        }
        fromNode(data(5, "oops\n"), data(1, "{\"metadata\":{},\"status\":\"Success\"}"));
        fromNode(new DefaultSpdyDataFrame(3).setLast(true));
        node.close();
        client.runPendingTasks();
        List<WebSocketFrame> frames = toKubectl();
        StringBuilder stdout = new StringBuilder();
        List<Integer> channels = new ArrayList<>();
        for (WebSocketFrame f : frames.subList(0, frames.size() - 1)) {
            assertThat(f).isInstanceOf(BinaryWebSocketFrame.class);
            byte[] b = ByteBufUtil.getBytes(f.content());
            channels.add((int) b[0]);
            if (b[0] == 1) {
                stdout.append(new String(b, 1, b.length - 1, StandardCharsets.UTF_8));
            }
        }
        assertThat(stdout.toString()).isEqualTo(expected.toString());
        assertThat(channels.subList(200, 202)).containsExactly(2, 3);
        assertThat(frames.get(frames.size() - 1)).isInstanceOfSatisfying(CloseWebSocketFrame.class,
                c -> assertThat(c.statusCode()).isEqualTo(1000));
        // The connection stays open for the client's answer to the close (OkHttp writes one and fails if it
        // cannot), and ends with it.
        assertThat(client.isOpen()).isTrue();
        fromKubectl(new CloseWebSocketFrame(1000, ""));
        client.runPendingTasks();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void pingsAreAnsweredOnBothSides() {
        startTranslation(new StreamTranslator.Streams(false, true, false, false));
        toNode();
        fromNode(new DefaultSpdyPingFrame(2));
        assertThat(toNode()).singleElement().isInstanceOfSatisfying(SpdyPingFrame.class,
                p -> assertThat(p.id()).isEqualTo(2));
        fromKubectl(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {7})));
        assertThat(toKubectl()).singleElement().isInstanceOfSatisfying(PongWebSocketFrame.class,
                p -> assertThat(p.content().getByte(0)).isEqualTo((byte) 7));
    }

    @Test
    void aClientCloseEndsTheNodeConnection() {
        startTranslation(new StreamTranslator.Streams(true, true, false, false));
        toNode();
        fromKubectl(new CloseWebSocketFrame(1000, ""));
        node.runPendingTasks();
        assertThat(node.isOpen()).isFalse();
    }

    @Test
    void translatesOnlyV5ExecAndAttach() {
        assertThat(StreamTranslator.translates("exec", "websocket", List.of("v5.channel.k8s.io"))).isTrue();
        assertThat(StreamTranslator.translates("attach", "WebSocket",
                List.of("v5.channel.k8s.io, v4.channel.k8s.io"))).isTrue();
        assertThat(StreamTranslator.translates("exec", "websocket", List.of("v4.channel.k8s.io"))).isFalse();
        assertThat(StreamTranslator.translates("exec", "SPDY/3.1", List.of())).isFalse();
        assertThat(StreamTranslator.translates("portforward", "websocket", List.of("v5.channel.k8s.io")))
                .isFalse();
        assertThat(StreamTranslator.negotiated(("HTTP/1.1 101 Switching Protocols\r\n"
                + "x-stream-protocol-version: v4.channel.k8s.io\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)))
                .isEqualTo("v4.channel.k8s.io");
        assertThat(StreamTranslator.negotiated("HTTP/1.1 101 OK\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)))
                .isNull();
    }
}
