package io.kaji.apiserver.server;

import io.kaji.apiserver.http.ResponseStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

/**
 * Watches over WebSocket, which the fabric8 client tries first: after the handshake each watch event is one text
 * message (the JSON event without its newline), and the server closes with a normal close frame when the watch
 * ends. Requests that fail before streaming still get a plain HTTP Status response.
 */
final class WebSocketWatch {

    private WebSocketWatch() {
    }

    static boolean isUpgrade(FullHttpRequest req) {
        return req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /** A body-less copy of the upgrade request, kept for the handshake after the original is released. */
    static FullHttpRequest handshakeRequest(FullHttpRequest req) {
        DefaultFullHttpRequest copy = new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(),
                Unpooled.EMPTY_BUFFER);
        copy.headers().set(req.headers());
        return copy;
    }

    /** Completes the handshake and returns the stream of text messages. */
    static ResponseStream start(Channel channel, FullHttpRequest req) {
        String url = "wss://" + req.headers().get(HttpHeaderNames.HOST) + req.uri();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(url, "*", false, 1 << 20)
                .newHandshaker(req);
        Stream stream = new Stream(channel, handshaker);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(channel);
            stream.closed0();
            return stream;
        }
        handshaker.handshake(channel, req).addListener(f -> {
            if (f.isSuccess()) {
                channel.pipeline().addLast("websocket-control", new ControlFrames(handshaker));
                channel.config().setAutoRead(true);
                channel.read();
            } else {
                channel.close();
            }
        });
        return stream;
    }

    /** Answers pings and ends the connection on a close frame from the client. */
    private static final class ControlFrames extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final WebSocketServerHandshaker handshaker;

        ControlFrames(WebSocketServerHandshaker handshaker) {
            this.handshaker = handshaker;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame close) {
                handshaker.close(ctx.channel(), close.retain());
            } else if (frame instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            }
        }
    }

    private static final class Stream extends ChannelResponseStream {
        private final WebSocketServerHandshaker handshaker;

        Stream(Channel channel, WebSocketServerHandshaker handshaker) {
            super(channel);
            this.handshaker = handshaker;
        }

        @Override
        public boolean write(byte[] chunk) {
            if (ended.get() || !channel.isActive()) {
                return false;
            }
            int length = chunk.length > 0 && chunk[chunk.length - 1] == '\n' ? chunk.length - 1 : chunk.length;
            send(new TextWebSocketFrame(Unpooled.wrappedBuffer(chunk, 0, length)), length);
            return true;
        }

        @Override
        public void end() {
            if (ended.compareAndSet(false, true)) {
                send((Runnable) () -> {
                    if (handshaker != null && channel.isActive()) {
                        handshaker.close(channel, new CloseWebSocketFrame(1000, ""));
                    }
                }, 0);
                runCloseActions();
            }
        }
    }
}
