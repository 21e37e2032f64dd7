package io.kaji.apiserver.nodeproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The closing handshake when the client's close and the node's end cross, on real event loops: the client's and
 * the node's connections on loops of their own, as in the API server, where {@link BridgeHarness}'s embedded
 * channels share one loop and cannot cross. Connections are in-VM ({@link LocalChannel}); kubectl's side records
 * the bytes it receives.
 */
class WebSocketBridgeClosingTest {

    private final EventLoopGroup clientLoop = new DefaultEventLoopGroup(1);
    private final EventLoopGroup nodeLoop = new DefaultEventLoopGroup(1);
    private final EventLoopGroup peers = new DefaultEventLoopGroup(1);
    private final List<Channel> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(Channel::close);
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        nodeLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        peers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** Listens on {@code name}; the accepted connection (on {@code childLoop}, reading paused) completes the future. */
    private CompletableFuture<Channel> listen(String name, EventLoopGroup childLoop) throws InterruptedException {
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        servers.add(new ServerBootstrap().group(peers, childLoop).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        ch.config().setAutoRead(false);
                        accepted.complete(ch);
                    }
                }).bind(new LocalAddress(name)).sync().channel());
        return accepted;
    }

    private Channel connect(String name, EventLoopGroup loop, ChannelInboundHandlerAdapter handler)
            throws InterruptedException {
        return new Bootstrap().group(loop).channel(LocalChannel.class).handler(handler)
                .connect(new LocalAddress(name)).sync().channel();
    }

    @Test
    void aClientCloseThatCrossesTheNodesEndIsStillAnsweredWithACloseFrame() throws Exception {
        String id = Long.toString(System.nanoTime());
        // The node's connection: the API server dials the node (a fake that only hangs up).
        CompletableFuture<Channel> fakeNode = listen("node-" + id, peers);
        Channel node = connect("node-" + id, nodeLoop, new ChannelInboundHandlerAdapter());
        node.config().setAutoRead(false);
        // The client's connection: kubectl dials the API server, which hands the accepted connection over.
        CompletableFuture<Channel> accepted = listen("apiserver-" + id, clientLoop);
        Received received = new Received();
        Channel kubectl = connect("apiserver-" + id, peers, received);
        Channel client = accepted.get(5, TimeUnit.SECONDS);

        SpdyTunnel.start(client, new AgentUpgrade.Answer(101, "HTTP/1.1 101 Switching Protocols\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1), new byte[0], node), BridgeHarness.KEY);
        received.head.get(5, TimeUnit.SECONDS);

        // Hold the client's loop so that what follows queues on it in a known order: first kubectl's close (a read),
        // then the node's end, which the node's loop hands to the client's loop.
        CountDownLatch gate = new CountDownLatch(1);
        client.eventLoop().execute(() -> {
            try {
                gate.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        EmbeddedChannel masker = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
        masker.writeOutbound(new CloseWebSocketFrame(1000, ""));
        kubectl.writeAndFlush(masker.readOutbound()).sync();
        fakeNode.get(5, TimeUnit.SECONDS).close().sync();
        node.closeFuture().sync();
        node.eventLoop().submit(() -> { }).sync(); // its channelInactive ran: the bridge has ended
        gate.countDown();

        assertThat(kubectl.closeFuture().await(5, TimeUnit.SECONDS)).as("the connection ends").isTrue();
        assertThat(received.frames()).as("what kubectl read before the connection ended").singleElement()
                .isInstanceOfSatisfying(CloseWebSocketFrame.class, c -> assertThat(c.statusCode()).isEqualTo(1000));
    }

    /** kubectl's side: the 101 head, then the WebSocket bytes, kept raw until the test decodes them. */
    private static final class Received extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Void> head = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            synchronized (bytes) {
                bytes.writeBytes(ByteBufUtil.getBytes(b));
                if (bytes.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                    head.complete(null);
                }
            }
            b.release();
        }

        List<WebSocketFrame> frames() {
            String all;
            synchronized (bytes) {
                all = bytes.toString(StandardCharsets.ISO_8859_1);
            }
            byte[] afterHead = all.substring(all.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1);
            EmbeddedChannel decoder = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
            decoder.writeInbound(Unpooled.wrappedBuffer(afterHead));
            List<WebSocketFrame> frames = new ArrayList<>();
            for (Object o; (o = decoder.readInbound()) != null; ) {
                frames.add((WebSocketFrame) o);
            }
            return frames;
        }
    }
}
