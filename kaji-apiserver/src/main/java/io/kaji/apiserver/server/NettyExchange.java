package io.kaji.apiserver.server;

import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.http.Exchange;
import io.kaji.apiserver.http.ResponseStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/** The answer side of one request on a Netty channel. */
final class NettyExchange implements Exchange {

    /** A watcher this far behind (bytes queued on the connection) is cut off. */
    private static final long MAX_PENDING_BYTES = 64L * 1024 * 1024;

    private final Channel channel;
    private final boolean keepAlive;
    private final FullHttpRequest webSocketUpgrade;

    /**
     * @param webSocketUpgrade the request when it asked for a WebSocket upgrade (fabric8 watches), else null: a
     *                         stream is then sent as WebSocket text messages instead of HTTP chunks
     */
    NettyExchange(Channel channel, boolean keepAlive, FullHttpRequest webSocketUpgrade) {
        this.channel = channel;
        this.keepAlive = keepAlive;
        this.webSocketUpgrade = webSocketUpgrade;
    }

    @Override
    public String remoteAddress() {
        return channel.remoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : null;
    }

    @Override
    public void respond(ApiResponse response) {
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(response.body()));
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        h.set(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-cache, private");
        response.headers().forEach(h::set);
        addWarnings(h, response.warnings());
        finish(channel.writeAndFlush(r));
    }

    private void finish(ChannelFuture written) {
        if (keepAlive) {
            written.addListener(f -> {
                channel.config().setAutoRead(true);
                channel.read();
            });
        } else {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static void addWarnings(HttpHeaders h, List<String> warnings) {
        for (String w : warnings) {
            h.add("Warning", "299 - \"" + w.replace("\"", "\\\"") + "\"");
        }
    }

    @Override
    public Channel takeOver() {
        if (channel.eventLoop().inEventLoop()) {
            removeHttpHandlers();
        } else {
            channel.eventLoop().submit(this::removeHttpHandlers).syncUninterruptibly();
        }
        return channel;
    }

    private void removeHttpHandlers() {
        for (String name : new String[] {"api", "aggregate", "http"}) {
            if (channel.pipeline().get(name) != null) {
                channel.pipeline().remove(name);
            }
        }
    }

    @Override
    public ResponseStream startStream(String contentType, List<String> warnings) {
        if (webSocketUpgrade != null) {
            return WebSocketWatch.start(channel, webSocketUpgrade);
        }
        DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-cache, private");
        addWarnings(h, warnings);
        channel.writeAndFlush(r);
        return new Stream();
    }

    private final class Stream extends ChannelResponseStream {

        Stream() {
            super(NettyExchange.this.channel);
        }

        @Override
        public boolean write(byte[] chunk) {
            if (ended.get() || !channel.isActive()) {
                return false;
            }
            if (queuedBytes() + (channel.isWritable() ? 0 : channel.bytesBeforeWritable()) > MAX_PENDING_BYTES) {
                channel.close();
                return false;
            }
            send(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)), chunk.length);
            return true;
        }

        @Override
        public void end() {
            if (ended.compareAndSet(false, true)) {
                send((Runnable) () -> finish(channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)), 0);
                runCloseActions();
            }
        }
    }
}
