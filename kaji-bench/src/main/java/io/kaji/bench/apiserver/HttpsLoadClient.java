package io.kaji.bench.apiserver;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The benchmark's load generator: persistent HTTP/1.1 connections over TLS on Netty, all served by a small event loop
 * group whose threads are named {@value #THREAD_PREFIX}… so their CPU time can be reported apart from the server's.
 * Request bodies are handed in as ready bytes; responses are aggregated, or streamed line by line for watches.
 * Thread-safe; each {@link Connection} carries one request at a time.
 */
final class HttpsLoadClient implements AutoCloseable {

    static final String THREAD_PREFIX = "bench-client";

    private final NioEventLoopGroup group;
    private final Bootstrap bootstrap;
    private final String host;
    private final int port;

    HttpsLoadClient(String host, int port, SslContext ssl, int threads) {
        this.host = host;
        this.port = port;
        this.group = new NioEventLoopGroup(threads, new DefaultThreadFactory(THREAD_PREFIX, true));
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc(), host, port));
                        ch.pipeline().addLast("http", new HttpClientCodec());
                    }
                });
    }

    /** CPU time (ns) used so far by this client's event loop threads. */
    static long cpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith(THREAD_PREFIX)) {
                long t = mx.getThreadCpuTime(info.getThreadId());
                if (t > 0) {
                    sum += t;
                }
            }
        }
        return sum;
    }

    /** Opens a connection for request/response exchanges (TLS handshake done when this returns). */
    Connection connect() throws InterruptedException {
        Channel ch = bootstrap.connect(host, port).sync().channel();
        ch.pipeline().get(io.netty.handler.ssl.SslHandler.class).handshakeFuture().sync();
        Connection c = new Connection(ch);
        HttpObjectAggregator aggregate = new HttpObjectAggregator(256 * 1024 * 1024);
        // A 57 MB list arrives in ~3,500 TLS records: merging them into one buffer every 1,024 parts (Netty's
        // default) copied the body again and again, and zeroed each new direct buffer: half the load generator's
        // CPU per LIST, on the same cores as the server it measures. The parts stay as they arrived.
        aggregate.setMaxCumulationBufferComponents(Integer.MAX_VALUE);
        ch.pipeline().addLast("aggregate", aggregate);
        ch.pipeline().addLast("answer", c.handler());
        return c;
    }

    /**
     * Opens a watch ({@code GET path}) whose every line (a watch event, without the newline) goes to
     * {@code onLine} on the event loop thread; the future completes when the response head arrived.
     */
    CompletableFuture<Integer> watch(String path, String authority, LineSink onLine) throws InterruptedException {
        Channel ch = bootstrap.connect(host, port).sync().channel();
        ch.pipeline().get(io.netty.handler.ssl.SslHandler.class).handshakeFuture().sync();
        CompletableFuture<Integer> head = new CompletableFuture<>();
        ch.pipeline().addLast("lines", new LineSplitter(head, onLine));
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path,
                Unpooled.EMPTY_BUFFER);
        req.headers().set(HttpHeaderNames.HOST, authority);
        req.headers().set(HttpHeaderNames.ACCEPT, "application/json");
        ch.writeAndFlush(req);
        return head;
    }

    /** Receives watch lines: {@code buf[from, to)} holds one line, valid only during the call. */
    @FunctionalInterface
    interface LineSink {
        void line(byte[] buf, int from, int to);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** One keep-alive connection; {@link #send} may be called again from the completion callback. */
    static final class Connection {
        private final Channel channel;
        private volatile Consumer<FullHttpResponse> pending;

        private Connection(Channel channel) {
            this.channel = channel;
        }

        private SimpleChannelInboundHandler<FullHttpResponse> handler() {
            return new SimpleChannelInboundHandler<>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
                    Consumer<FullHttpResponse> p = pending;
                    pending = null;
                    p.accept(msg);
                }
            };
        }

        /** Sends {@code request}; {@code onResponse} runs on the event loop with the (then released) response. */
        void send(FullHttpRequest request, Consumer<FullHttpResponse> onResponse) {
            pending = onResponse;
            channel.writeAndFlush(request);
        }

        /** Sends and waits (set-up requests only). */
        Answer call(FullHttpRequest request) throws Exception {
            CompletableFuture<Answer> f = new CompletableFuture<>();
            send(request, r -> f.complete(new Answer(r.status().code(),
                    r.content().toString(java.nio.charset.StandardCharsets.UTF_8))));
            return f.get(120, TimeUnit.SECONDS);
        }

        void close() {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    /** A response's status and body (set-up requests). */
    record Answer(int status, String body) {
    }

    /** Splits a chunked watch response into lines without copying more than a partial line between chunks. */
    private static final class LineSplitter extends SimpleChannelInboundHandler<HttpObject> {
        private final CompletableFuture<Integer> head;
        private final LineSink sink;
        private byte[] partial = new byte[8192];
        private int partialLength;

        LineSplitter(CompletableFuture<Integer> head, LineSink sink) {
            this.head = head;
            this.sink = sink;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                head.complete(r.status().code());
            }
            if (msg instanceof HttpContent c) {
                ByteBuf b = c.content();
                int n = b.readableBytes();
                if (partialLength + n > partial.length) {
                    partial = java.util.Arrays.copyOf(partial, Math.max(partial.length * 2, partialLength + n));
                }
                b.readBytes(partial, partialLength, n);
                int end = partialLength + n;
                int start = 0;
                for (int i = partialLength; i < end; i++) {
                    if (partial[i] == '\n') {
                        sink.line(partial, start, i);
                        start = i + 1;
                    }
                }
                System.arraycopy(partial, start, partial, 0, end - start);
                partialLength = end - start;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            head.completeExceptionally(cause);
            ctx.close();
        }
    }
}
