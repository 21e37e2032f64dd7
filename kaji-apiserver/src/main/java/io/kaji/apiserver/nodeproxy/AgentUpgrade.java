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
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
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
 * whatever follows the head held in its pipeline until the caller's handlers are in place ({@link #release}); on
 * any other status the body (up to 64 KiB: {@code Content-Length}, or until the agent closes) is read and the
 * connection closed.
 *
 * <p>Why held rather than returned: TLS hands on each decrypted record as a read of its own, and pausing reads
 * does not stop the records of a socket read that is being decoded. containerd writes a WebSocket port-forward's
 * two port messages right after its 101, so they often arrive in the same read as the head, each in a record of
 * its own; they must neither be dropped (they were, when the reader removed itself after the head: fabric8, which
 * skips the first two messages as the ports, then dropped the HTTP response head instead) nor overtake the head.
 */
public final class AgentUpgrade {

    private static final int MAX_HEAD = 64 * 1024;
    /** What an agent sent after its 101 when its connection ended before anyone took it over. */
    private static final AttributeKey<ByteBuf> HELD_AFTER_END = AttributeKey.valueOf("kaji.agent.heldAfterEnd");
    private static final int MAX_BODY = 64 * 1024;

    /**
     * The agent's answer.
     *
     * @param status  the HTTP status
     * @param head    the response head, through the blank line, exactly as received
     * @param rest    bytes after the head: the body of a refusal; on 101 what came with the head when the answer
     *                was made elsewhere (tests), empty from {@link #send}, which holds the stream's start in the
     *                connection's pipeline until {@link #release}
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
     * whose HTTP handlers must be gone, and relays both connections byte for byte until one closes. An agent that
     * ended before the relay was in place still has what it sent delivered, then the client is closed.
     */
    public static void relay(Answer upgraded, Channel client) {
        Channel agent = upgraded.channel();
        client.eventLoop().execute(() -> {
            client.write(Unpooled.wrappedBuffer(upgraded.head()));
            if (upgraded.rest().length > 0) {
                client.write(Unpooled.wrappedBuffer(upgraded.rest()));
            }
            client.flush();
            // On the agent's loop, so that its connection cannot end between the look and the hand-over; the
            // held bytes reach the client behind the head written above.
            agent.eventLoop().execute(() -> {
                if (agent.pipeline().get(AnswerReader.class) != null) {
                    ByteRelay.link(client, agent);
                    agent.pipeline().remove(AnswerReader.class);
                    return;
                }
                // The agent closed and Netty emptied its pipeline: what it sent was kept aside.
                ByteBuf held = agent.attr(HELD_AFTER_END).getAndSet(null);
                if (held != null) {
                    client.writeAndFlush(held);
                }
                PeerHandler.closeAfterFlush(client);
            });
        });
    }

    /**
     * Lets what the agent sent after its 101 head (held since, with the connection's end if it came) into the
     * handlers now following the reader, in the order it arrived, and removes the reader. Call once the caller's
     * handlers are in the agent connection's pipeline and before anything else is fed into it; any thread (it
     * runs on the connection's event loop). If the agent has closed and Netty has emptied the pipeline already,
     * what it had sent is dropped.
     */
    public static void release(Channel agent) {
        agent.eventLoop().execute(() -> {
            if (agent.pipeline().get(AnswerReader.class) != null) {
                agent.pipeline().remove(AnswerReader.class);
            } else {
                ReferenceCountUtil.release(agent.attr(HELD_AFTER_END).getAndSet(null));
            }
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

    /**
     * Collects the response head, then either holds what follows (101) until it is {@linkplain #release released}
     * or collects the body and closes.
     */
    static final class AnswerReader extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Answer> answer;
        private final ByteBuf received = Unpooled.buffer();
        private byte[] head;
        private int status;
        private long contentLength = -1;
        /** After a 101: the connection ended while its bytes were held; passed on behind them on release. */
        private boolean endHeld;

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
            if (status == 101) {
                return;
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
                    // Reading pauses, but the rest of this socket read still comes in: it stays in `received`.
                    ctx.channel().config().setAutoRead(false);
                    answer.complete(new Answer(101, head, new byte[0], ctx.channel()));
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
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (status != 101) {
                ctx.fireChannelReadComplete();
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (status != 101 || received.refCnt() == 0) {
                return;
            }
            if (!ctx.channel().isRegistered()) {
                // Netty empties the pipeline of a closed connection: nothing downstream can take the bytes now.
                if (received.isReadable()) {
                    ReferenceCountUtil.release(ctx.channel().attr(HELD_AFTER_END).getAndSet(received));
                } else {
                    received.release();
                }
                return;
            }
            if (received.isReadable()) {
                ctx.fireChannelRead(received);
                ctx.fireChannelReadComplete();
            } else {
                received.release();
            }
            if (endHeld) {
                ctx.fireChannelInactive();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (status == 101) {
                endHeld = true;
                return;
            }
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
