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
import org.junit.jupiter.api.Test;

/**
 * The translation on embedded channels: a fake node speaking SPDY frames on one side, a fake kubectl speaking
 * masked WebSocket frames on the other, both encoded and decoded by Netty's codecs as on the wire.
 */
class StreamTranslatorTest {

    private final BridgeHarness h = new BridgeHarness();
    /** The node's codec: SPDY bytes from the translator in, frames out, and back. */
    private final EmbeddedChannel nodeCodec = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1, false));

    private void startTranslation(StreamTranslator.Streams streams) {
        StreamTranslator.start(h.client, h.nodeAnswer(
                "HTTP/1.1 101 Switching Protocols\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n",
                new byte[0]), BridgeHarness.KEY, streams);
        assertThat(h.clientHead()).startsWith("HTTP/1.1 101 Switching Protocols\r\n")
                .contains("Sec-WebSocket-Accept: " + BridgeHarness.ACCEPT + "\r\n")
                .contains("Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n");
    }

    /** Frames the translator sent to the node. */
    private List<SpdyFrame> toNode() {
        List<SpdyFrame> frames = new ArrayList<>();
        for (Object o; (o = h.node.readOutbound()) != null; ) {
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
            h.node.writeInbound(o);
        }
        h.client.runPendingTasks();
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
        assertThat(h.client.config().isAutoRead()).as("client input waits for the node's replies").isFalse();
        fromNode(new DefaultSpdySynReplyFrame(1), new DefaultSpdySynReplyFrame(3), new DefaultSpdySynReplyFrame(5));
        assertThat(h.client.config().isAutoRead()).isFalse();
        fromNode(new DefaultSpdySynReplyFrame(7));
        assertThat(h.client.config().isAutoRead()).isTrue();
    }

    @Test
    void withATtyThereIsAResizeStreamAndNoStderr() {
        startTranslation(new StreamTranslator.Streams(true, true, true, true));
        assertThat(toNode().stream().map(f -> ((SpdySynStreamFrame) f).headers().getAsString("streamtype")))
                .containsExactly("error", "stdin", "stdout", "resize");
        fromNode(new DefaultSpdySynReplyFrame(1), new DefaultSpdySynReplyFrame(3), new DefaultSpdySynReplyFrame(5),
                new DefaultSpdySynReplyFrame(7));
        h.fromKubectl(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {4},
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
        h.fromKubectl(message(0, 'h', 'i'));
        h.fromKubectl(message(1, 'x')); // a client does not write stdout: dropped
        h.fromKubectl(message(255, 0));
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
        h.node.close();
        h.client.runPendingTasks();
        List<WebSocketFrame> frames = h.toKubectl();
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
        assertThat(h.client.isOpen()).isTrue();
        h.fromKubectl(new CloseWebSocketFrame(1000, ""));
        h.client.runPendingTasks();
        assertThat(h.client.isOpen()).isFalse();
    }

    @Test
    void pingsAreAnsweredOnBothSides() {
        startTranslation(new StreamTranslator.Streams(false, true, false, false));
        toNode();
        fromNode(new DefaultSpdyPingFrame(2));
        assertThat(toNode()).singleElement().isInstanceOfSatisfying(SpdyPingFrame.class,
                p -> assertThat(p.id()).isEqualTo(2));
        h.fromKubectl(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {7})));
        assertThat(h.toKubectl()).singleElement().isInstanceOfSatisfying(PongWebSocketFrame.class,
                p -> assertThat(p.content().getByte(0)).isEqualTo((byte) 7));
    }

    @Test
    void aClientCloseEndsTheNodeConnection() {
        startTranslation(new StreamTranslator.Streams(true, true, false, false));
        toNode();
        h.fromKubectl(new CloseWebSocketFrame(1000, ""));
        h.node.runPendingTasks();
        assertThat(h.node.isOpen()).isFalse();
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
