package io.kaji.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay between real sockets on 127.0.0.1, as the agent runs it between the API server and containerd: a
 * backend that sends a large answer and closes at once, a relay in front of it, and a plain socket client that
 * reads slowly. Everything must arrive, in order, followed by a clean end of stream (FIN, not RST), even though the
 * client keeps sending after the backend has gone.
 */
class ByteRelayLoopbackTest {

    private static final int ANSWER_BYTES = 8 << 20;

    private final EventLoopGroup loops = new NioEventLoopGroup(2);

    @AfterEach
    void stop() throws InterruptedException {
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }

    @Test
    void aLargeAnswerArrivesWholeBeforeTheEndEvenWithUnreadInputPending() throws Exception {
        byte[] answer = new byte[ANSWER_BYTES];
        new Random(42).nextBytes(answer);
        Channel backend = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        // Answer and close at once, as a streaming server does when the command ends.
                        ctx.writeAndFlush(Unpooled.wrappedBuffer(answer)).addListener(ChannelFutureListener.CLOSE);
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        CompletableFuture<Channel> relayed = new CompletableFuture<>();
        Channel relay = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel front) {
                        new Bootstrap().group(front.eventLoop()).channel(NioSocketChannel.class)
                                .option(ChannelOption.AUTO_READ, false)
                                .handler(new ChannelInboundHandlerAdapter())
                                .connect(backend.localAddress()).addListener(connected -> {
                                    Channel back = ((io.netty.channel.ChannelFuture) connected).channel();
                                    ByteRelay.link(front, back);
                                    relayed.complete(front);
                                });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket client = new Socket()) {
            client.connect(relay.localAddress(), 5000);
            client.setSoTimeout(20_000);
            client.setReceiveBufferSize(16 * 1024);
            Channel front = relayed.get(10, TimeUnit.SECONDS);
            // The backend is gone by now or soon; the client still talks, and reads only after a while, so the
            // relay's writes to it wait on a full socket (back-pressure) while its input is pending.
            OutputStream out = client.getOutputStream();
            out.write(new byte[4096]);
            out.flush();
            Thread.sleep(300);
            ByteArrayOutputStream received = new ByteArrayOutputStream(ANSWER_BYTES);
            InputStream in = client.getInputStream();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                received.write(buf, 0, n);
            }
            assertThat(received.size()).isEqualTo(ANSWER_BYTES);
            assertThat(Arrays.equals(received.toByteArray(), answer)).as("the bytes, in order").isTrue();
            // Half-closed, not closed: the relay still reads (and drops) what the client sends, until it closes.
            out.write(new byte[1024]);
            out.flush();
            assertThat(front.isOpen()).isTrue();
            client.shutdownOutput();
            assertThat(front.closeFuture().await(5, TimeUnit.SECONDS)).as("closed after the client's FIN").isTrue();
        } finally {
            relay.close().sync();
            backend.close().sync();
        }
    }
}
