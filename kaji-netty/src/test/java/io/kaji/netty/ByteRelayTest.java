package io.kaji.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The relay on embedded channels: forwarding, back-pressure and how one side's end reaches the other. */
class ByteRelayTest {

    private final EmbeddedChannel client = new EmbeddedChannel();
    private final EmbeddedChannel agent = new EmbeddedChannel();

    @Test
    void bytesPassUnchangedInBothDirections() {
        ByteRelay.link(client, agent);
        client.writeInbound(text("to agent"));
        agent.writeInbound(text("to client"));
        assertThat(read(agent.readOutbound())).isEqualTo("to agent");
        assertThat(read(client.readOutbound())).isEqualTo("to client");
    }

    @Test
    void aFullPeerPausesReadingUntilItDrains() {
        agent.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        ByteRelay.link(client, agent);
        assertThat(client.config().isAutoRead()).isTrue();
        // Written but not yet flushed to the agent: 32 bytes pending, over the high water mark.
        client.pipeline().fireChannelRead(Unpooled.wrappedBuffer(new byte[32]));
        assertThat(agent.isWritable()).isFalse();
        assertThat(client.config().isAutoRead()).as("client reads paused").isFalse();
        // The end of the read batch flushes; the agent drains, and the client is read again.
        client.pipeline().fireChannelReadComplete();
        assertThat(agent.isWritable()).isTrue();
        assertThat(client.config().isAutoRead()).as("client reads resumed").isTrue();
        assertThat(((ByteBuf) agent.readOutbound()).readableBytes()).isEqualTo(32);
    }

    @Test
    void eitherSideClosingClosesTheOtherAfterWhatWasWrittenToIt() {
        ByteRelay.link(client, agent);
        agent.writeInbound(text("last words"));
        agent.close();
        client.runPendingTasks();
        assertThat(read(client.readOutbound())).isEqualTo("last words");
        assertThat(client.isActive()).isFalse();
    }

    @Test
    void aFailingSideIsClosedAndSoIsTheOther() {
        ByteRelay.link(client, agent);
        client.pipeline().fireExceptionCaught(new IOException("connection reset by peer"));
        agent.runPendingTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(agent.isOpen()).isFalse();
    }

    @Test
    void whatArrivesAfterThePeerWentIsDroppedAndReleased() {
        // The side still draining while it is half-closed (closeAfterFlush) reads with its peer already gone.
        agent.close();
        ByteRelay.link(client, agent);
        ByteBuf late = text("too late");
        client.pipeline().fireChannelRead(late);
        assertThat(late.refCnt()).isZero();
        assertThat((Object) agent.readOutbound()).isNull();
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static String read(Object msg) {
        ByteBuf b = (ByteBuf) msg;
        try {
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }
}
