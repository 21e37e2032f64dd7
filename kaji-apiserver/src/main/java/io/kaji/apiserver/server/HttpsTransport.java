package io.kaji.apiserver.server;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.serialization.Json;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import io.kaji.apiserver.http.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS listener on Netty: TLS, HTTP/1.1 decoding, the body limit (413 as a Status), and hand-off of each
 * complete request to a virtual thread, because handlers block on the store. A connection serves one request at
 * a time (reading pauses until the response, or the watch stream, is complete), so responses never interleave.
 */
final class HttpsTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpsTransport.class);

    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()));
    private final ExecutorService handlers;
    private Channel serverChannel;

    HttpsTransport(ExecutorService handlers) {
        this.handlers = handlers;
    }

    /**
     * Receives each complete request with the client certificate chain the TLS session presented (or null) and
     * the {@link System#nanoTime()} at which its last byte was read.
     */
    @FunctionalInterface
    interface RequestSink {
        void accept(ApiRequest request, java.security.cert.X509Certificate[] clientChain, Exchange exchange,
                long receivedNanos);
    }

    /**
     * Binds and returns the bound address (with the actual port when 0 was asked). {@code ssl} is asked for each new
     * connection, so a renewed certificate takes effect without a restart.
     */
    InetSocketAddress start(String bindAddress, int port, java.util.function.Supplier<SslContext> ssl, int maxBodyBytes,
            RequestSink router)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        p.addLast("tls", ssl.get().newHandler(ch.alloc()));
                        p.addLast("http", new HttpServerCodec());
                        p.addLast("aggregate", new LimitedAggregator(maxBodyBytes));
                        p.addLast("api", new RequestHandler(router));
                    }
                });
        serverChannel = b.bind(bindAddress, port).sync().channel();
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * Answers oversized bodies with Kubernetes' 413 Status. The connection stays open: the aggregator discards the
     * rest of the body, so a client still sending it reads the 413 instead of a reset connection.
     */
    private static final class LimitedAggregator extends HttpObjectAggregator {
        private final int limit;

        LimitedAggregator(int limit) {
            super(limit);
            this.limit = limit;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            byte[] body = Json.bytes(ApiException.tooLarge(limit).toStatus());
            DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
            ctx.writeAndFlush(r);
        }
    }

    private final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final RequestSink router;

        RequestHandler(RequestSink router) {
            this.router = router;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
            long received = System.nanoTime();
            if (!msg.decoderResult().isSuccess()) {
                ctx.close();
                return;
            }
            QueryStringDecoder qs = new QueryStringDecoder(msg.uri());
            Map<String, List<String>> query = new LinkedHashMap<>(qs.parameters());
            byte[] body = ByteBufUtil.getBytes(msg.content());
            var headers = msg.headers().copy();
            ApiRequest.Headers lookup = new ApiRequest.Headers() {
                @Override
                public String get(String name) {
                    return headers.get(name);
                }

                @Override
                public List<String> all(String name) {
                    return headers.getAll(name);
                }

                @Override
                public java.util.Set<String> names() {
                    return headers.names();
                }
            };
            ApiRequest req = new ApiRequest(msg.method().name(), qs.path(), query, lookup, body);
            boolean keepAlive = HttpUtil.isKeepAlive(msg);
            ctx.channel().config().setAutoRead(false);
            NettyExchange exchange = new NettyExchange(ctx.channel(), keepAlive,
                    WebSocketWatch.isUpgrade(msg) ? WebSocketWatch.handshakeRequest(msg) : null);
            java.security.cert.X509Certificate[] chain = peerChain(ctx);
            handlers.execute(() -> router.accept(req, chain, exchange, received));
        }

        private java.security.cert.X509Certificate[] peerChain(ChannelHandlerContext ctx) {
            io.netty.handler.ssl.SslHandler tls = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class);
            if (tls == null) {
                return null;
            }
            try {
                java.security.cert.Certificate[] certs = tls.engine().getSession().getPeerCertificates();
                java.security.cert.X509Certificate[] out = new java.security.cert.X509Certificate[certs.length];
                for (int i = 0; i < certs.length; i++) {
                    out[i] = (java.security.cert.X509Certificate) certs[i];
                }
                return out;
            } catch (javax.net.ssl.SSLPeerUnverifiedException | ClassCastException e) {
                return null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
