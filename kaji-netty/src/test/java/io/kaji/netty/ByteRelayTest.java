package io.kaji.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ByteRelayTest {

    @Test
    void bytesPassUnchangedInBothDirections() {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel agent = new EmbeddedChannel();
        ByteRelay.link(client, agent);
        client.writeInbound(Unpooled.copiedBuffer("to agent", StandardCharsets.UTF_8));
        agent.writeInbound(Unpooled.copiedBuffer("to client", StandardCharsets.UTF_8));
        assertThat(text(agent.readOutbound())).isEqualTo("to agent");
        assertThat(text(client.readOutbound())).isEqualTo("to client");
    }

    @Test
    void aFullPeerPausesReadingUntilItDrains() {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel agent = new EmbeddedChannel();
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
    void eitherSideClosingClosesTheOther() {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel agent = new EmbeddedChannel();
        ByteRelay.link(client, agent);
        agent.writeInbound(Unpooled.copiedBuffer("last words", StandardCharsets.UTF_8));
        agent.close();
        client.runPendingTasks();
        assertThat(text(client.readOutbound())).isEqualTo("last words");
        assertThat(client.isActive()).isFalse();
    }

    private static String text(Object msg) {
        ByteBuf b = (ByteBuf) msg;
        try {
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }
}
