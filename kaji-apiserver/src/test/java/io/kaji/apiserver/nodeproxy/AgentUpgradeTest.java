package io.kaji.apiserver.nodeproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent connection's answer reader with real TLS (JDK engines on both ends, as {@link AgentUpgrade#send} uses):
 * Netty's {@link SslHandler} hands each decrypted TLS record on as a read of its own, so the records that follow
 * the one holding the 101 head in the same socket read arrive before anyone relays the connection. containerd's
 * WebSocket port-forward writes the port of each channel right after its 101, and fabric8 drops the first two
 * messages as those ports: a lost port message made it drop the HTTP response head instead (CI: {@code Invalid
 * status line: "<h1>hello from kaji</h1>"}).
 */
class AgentUpgradeTest {

    private static final String HEAD = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-Websocket-Protocol: v4.channel.k8s.io\r\n\r\n";
    /** containerd's first two messages of a port-forward to port 80: channel 0 and channel 1, each with the port. */
    private static final byte[] PORT_DATA = {(byte) 0x82, 3, 0, 80, 0};
    private static final byte[] PORT_ERROR = {(byte) 0x82, 3, 1, 80, 0};

    private EmbeddedChannel node;
    private EmbeddedChannel agent;
    private EmbeddedChannel client;
    private CompletableFuture<AgentUpgrade.Answer> answer;

    @BeforeEach
    void handshake() throws Exception {
        SelfSignedCertificate ssc = new SelfSignedCertificate("agent");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("agent", ssc.key(), new char[0], new X509Certificate[] {ssc.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, new SecureRandom());
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), new SecureRandom());
        SSLEngine server = serverTls.createSSLEngine();
        server.setUseClientMode(false);
        SSLEngine cli = clientTls.createSSLEngine("127.0.0.1", 10250);
        cli.setUseClientMode(true);
        answer = new CompletableFuture<>();
        node = new EmbeddedChannel(new SslHandler(server));
        agent = new EmbeddedChannel(new SslHandler(cli), new AgentUpgrade.AnswerReader(answer));
        client = new EmbeddedChannel();
        client.config().setAutoRead(false);
        for (int i = 0; i < 20 && !(handshaken(node) && handshaken(agent)); i++) {
            deliver(agent, node);
            deliver(node, agent);
        }
        assertThat(handshaken(node) && handshaken(agent)).as("TLS handshake").isTrue();
    }

    @AfterEach
    void close() {
        node.finishAndReleaseAll();
        agent.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }

    @Test
    void recordsAfterTheOneWithThe101InTheSameReadAreRelayed() throws Exception {
        // Three records, one socket read: the head, then each port message (containerd writes them one by one).
        node.writeAndFlush(ascii(HEAD));
        node.writeAndFlush(Unpooled.wrappedBuffer(PORT_DATA));
        node.writeAndFlush(Unpooled.wrappedBuffer(PORT_ERROR));
        deliver(node, agent);

        relay();
        assertThat(toClient()).isEqualTo(concat(ascii(HEAD), PORT_DATA, PORT_ERROR));
    }

    @Test
    void bytesArrivingBeforeTheRelayIsInPlaceKeepTheirOrder() throws Exception {
        node.writeAndFlush(ascii(HEAD));
        deliver(node, agent);
        assertThat(answer.get(1, TimeUnit.SECONDS).status()).isEqualTo(101);
        // The relay is set up on another event loop: records can still come in from the read that had the head.
        node.writeAndFlush(Unpooled.wrappedBuffer(PORT_DATA));
        deliver(node, agent);

        relay();
        node.writeAndFlush(Unpooled.wrappedBuffer(PORT_ERROR));
        deliver(node, agent);
        client.runPendingTasks();
        assertThat(toClient()).isEqualTo(concat(ascii(HEAD), PORT_DATA, PORT_ERROR));
    }

    @Test
    void anAgentThatEndsRightAfterItsAnswerStillDeliversWhatItSent() throws Exception {
        node.writeAndFlush(ascii(HEAD));
        node.writeAndFlush(Unpooled.wrappedBuffer(PORT_DATA));
        deliver(node, agent);
        agent.close();
        agent.runPendingTasks();
        assertThat(agent.pipeline().get(AgentUpgrade.AnswerReader.class)).as("Netty emptied the pipeline").isNull();

        relay();
        assertThat(toClient()).isEqualTo(concat(ascii(HEAD), PORT_DATA));
        assertThat(client.isOpen()).as("client closed after the agent's bytes").isFalse();
    }

    @Test
    void releaseHandsTheHeldBytesAndTheEndToTheHandlersAfterTheReader() throws Exception {
        // What SpdyTunnel and StreamTranslator do: their own handler after the reader, then release.
        node.writeAndFlush(ascii(HEAD));
        node.writeAndFlush(Unpooled.wrappedBuffer(PORT_DATA));
        deliver(node, agent);
        assertThat(answer.get(1, TimeUnit.SECONDS).rest()).as("the stream's start stays in the pipeline").isEmpty();
        node.writeAndFlush(Unpooled.wrappedBuffer(PORT_ERROR));
        deliver(node, agent);
        agent.pipeline().fireChannelInactive();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        boolean[] ended = {false};
        agent.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                b.release();
                assertThat(ended[0]).as("bytes after the end").isFalse();
                seen.writeBytes(bytes);
            }

            @Override
            public void channelInactive(io.netty.channel.ChannelHandlerContext ctx) {
                ended[0] = true;
            }
        });
        assertThat(seen.size()).as("nothing passes before the release").isZero();

        AgentUpgrade.release(agent);
        agent.runPendingTasks();
        assertThat(seen.toByteArray()).isEqualTo(concat(Unpooled.EMPTY_BUFFER, PORT_DATA, PORT_ERROR));
        assertThat(ended[0]).as("the end follows the bytes").isTrue();
        assertThat(agent.pipeline().get(AgentUpgrade.AnswerReader.class)).isNull();
    }

    private void relay() throws Exception {
        AgentUpgrade.Answer a = answer.get(1, TimeUnit.SECONDS);
        assertThat(a.status()).isEqualTo(101);
        assertThat(new String(a.head(), StandardCharsets.ISO_8859_1)).isEqualTo(HEAD);
        AgentUpgrade.relay(a, client);
        for (int i = 0; i < 3; i++) {
            client.runPendingTasks();
            agent.runPendingTasks();
        }
    }

    private byte[] toClient() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o; (o = client.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** Moves everything {@code from} sent into {@code to} as one socket read. */
    private static void deliver(EmbeddedChannel from, EmbeddedChannel to) {
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = from.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        if (all.isReadable()) {
            to.writeInbound(all);
        } else {
            all.release();
        }
        to.runPendingTasks();
    }

    private static boolean handshaken(EmbeddedChannel c) {
        return c.pipeline().get(SslHandler.class).handshakeFuture().isSuccess();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(ByteBuf head, byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] h = new byte[head.readableBytes()];
        head.readBytes(h);
        head.release();
        out.writeBytes(h);
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
