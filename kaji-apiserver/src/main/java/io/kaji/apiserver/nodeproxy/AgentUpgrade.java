package io.kaji.apiserver.nodeproxy;

import io.kaji.netty.ByteRelay;
import io.kaji.netty.PeerHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * One HTTP upgrade request to a node agent (exec, attach, port-forward), sent raw over TLS so that the connection
 * can carry the upgraded protocol afterwards. {@link #send} writes the request line and headers, then reads the
 * agent's response head: on {@code 101 Switching Protocols} the connection is handed back with reading paused and
 * the bytes after the head kept; on any other status the body (up to 64 KiB: {@code Content-Length}, or until the
 * agent closes) is read and the connection closed.
 */
public final class AgentUpgrade {

    private static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_BODY = 64 * 1024;

    /**
     * The agent's answer.
     *
     * @param status  the HTTP status
     * @param head    the response head, through the blank line, exactly as received
     * @param rest    bytes after the head (101: the start of the upgraded stream; else the body)
     * @param channel the open connection on 101 (reading paused), else null
     */
    public record Answer(int status, byte[] head, byte[] rest, Channel channel) {

        /** The body as text, for error messages. */
        public String bodyText() {
            return new String(rest, StandardCharsets.UTF_8).strip();
        }
    }

    private AgentUpgrade() {
    }

    /**
     * Completes an accepted upgrade: sends the agent's 101 head (and anything that followed it) to {@code client},
     * whose HTTP handlers must be gone, and relays both connections byte for byte until one closes.
     */
    public static void relay(Answer upgraded, Channel client) {
        Channel agent = upgraded.channel();
        client.eventLoop().execute(() -> {
            client.write(Unpooled.wrappedBuffer(upgraded.head()));
            if (upgraded.rest().length > 0) {
                client.write(Unpooled.wrappedBuffer(upgraded.rest()));
            }
            client.flush();
            if (!agent.isActive()) {
                PeerHandler.closeAfterFlush(client);
                return;
            }
            ByteRelay.link(client, agent);
        });
    }

    /** The request head: request line, {@code Host}, the given headers, blank line. */
    static byte[] requestHead(String method, String host, int port, String pathAndQuery,
                              List<Map.Entry<String, String>> headers) {
        StringBuilder s = new StringBuilder();
        s.append(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n");
        s.append("Host: ").append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port)
                .append("\r\n");
        for (Map.Entry<String, String> h : headers) {
            s.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        if (method.equals("POST")) {
            s.append("Content-Length: 0\r\n");
        }
        return s.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Connects, sends {@code head} and waits for the answer. Blocking.
     *
     * @throws IOException if the agent cannot be reached, the TLS handshake fails, or no answer comes in time
     */
    static Answer send(EventLoopGroup loops, SSLContext tls, String host, int port, byte[] head,
                       Duration connectTimeout, Duration answerTimeout) throws IOException, InterruptedException {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(loops).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SSLEngine engine = tls.createSSLEngine(host, port);
                        engine.setUseClientMode(true);
                        ch.pipeline().addLast("tls", new SslHandler(engine));
                        ch.pipeline().addLast("answer", new AnswerReader(answer));
                    }
                });
        ChannelFuture connected = b.connect(host, port);
        if (!connected.await(connectTimeout.toMillis() + 1000)) {
            connected.channel().close();
            throw new IOException("connect timed out after " + connectTimeout.toMillis() + " ms");
        }
        if (!connected.isSuccess()) {
            Throwable c = connected.cause();
            throw c instanceof IOException io ? io : new IOException(String.valueOf(c.getMessage()), c);
        }
        Channel ch = connected.channel();
        ch.writeAndFlush(Unpooled.wrappedBuffer(head));
        try {
            return answer.get(answerTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            ch.close();
            throw new IOException("no answer within " + answerTimeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            ch.close();
            Throwable c = e.getCause();
            throw c instanceof IOException io ? io : new IOException(String.valueOf(c.getMessage()), c);
        } catch (InterruptedException e) {
            ch.close();
            throw e;
        }
    }

    /** Collects the response head, then either stops reading (101) or collects the body and closes. */
    static final class AnswerReader extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Answer> answer;
        private final ByteBuf received = Unpooled.buffer();
        private byte[] head;
        private int status;
        private long contentLength = -1;

        AnswerReader(CompletableFuture<Answer> answer) {
            this.answer = answer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                received.writeBytes(in);
            } finally {
                in.release();
            }
            if (head == null) {
                int end = ByteBufUtil.indexOf(Unpooled.wrappedBuffer(new byte[] {'\r', '\n', '\r', '\n'}), received);
                if (end < 0) {
                    if (received.readableBytes() > MAX_HEAD) {
                        fail(ctx, new IOException("the agent's response head exceeds " + MAX_HEAD + " bytes"));
                    }
                    return;
                }
                head = new byte[end + 4];
                received.readBytes(head);
                try {
                    parseHead(new String(head, StandardCharsets.ISO_8859_1));
                } catch (IllegalArgumentException e) {
                    fail(ctx, new IOException(e.getMessage()));
                    return;
                }
                if (status == 101) {
                    ctx.channel().config().setAutoRead(false);
                    byte[] rest = ByteBufUtil.getBytes(received);
                    received.release();
                    ctx.pipeline().remove(this);
                    answer.complete(new Answer(101, head, rest, ctx.channel()));
                    return;
                }
            }
            if (contentLength >= 0 && received.readableBytes() >= contentLength
                    || received.readableBytes() >= MAX_BODY) {
                finish(ctx);
            }
        }

        private void parseHead(String text) {
            String[] lines = text.split("\r\n");
            String[] statusLine = lines[0].split(" ", 3);
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
                throw new IllegalArgumentException("the agent did not answer HTTP/1.1: " + lines[0]);
            }
            try {
                status = Integer.parseInt(statusLine[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the agent answered a malformed status line: " + lines[0]);
            }
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0 && lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT)
                        .equals("content-length")) {
                    try {
                        contentLength = Long.parseLong(lines[i].substring(colon + 1).trim());
                    } catch (NumberFormatException e) {
                        contentLength = -1;
                    }
                }
            }
        }

        private void finish(ChannelHandlerContext ctx) {
            if (answer.isDone()) {
                return;
            }
            int n = (int) Math.min(received.readableBytes(), contentLength >= 0 ? contentLength : MAX_BODY);
            byte[] body = new byte[n];
            received.readBytes(body);
            received.release();
            answer.complete(new Answer(status, head, body, null));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (head == null) {
                fail(ctx, new IOException("the agent closed the connection without answering"));
            } else {
                finish(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, cause instanceof IOException io ? io : new IOException(String.valueOf(cause.getMessage()),
                    cause));
        }

        private void fail(ChannelHandlerContext ctx, IOException e) {
            if (!answer.isDone()) {
                if (received.refCnt() > 0) {
                    received.release();
                }
                answer.completeExceptionally(e);
            }
            ctx.close();
        }
    }
}
