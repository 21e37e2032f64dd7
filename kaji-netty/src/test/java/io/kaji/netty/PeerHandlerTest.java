package io.kaji.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The plumbing a subclass inherits, through a minimal one that upper-cases text on the way. */
class PeerHandlerTest {

    private final EmbeddedChannel source = new EmbeddedChannel();
    private final EmbeddedChannel peer = new EmbeddedChannel();

    /** Upper-cases what it reads; holds the peer's reading back while {@code hold} is set. */
    private static final class Shouting extends PeerHandler {
        boolean hold;

        Shouting(EmbeddedChannel peer) {
            super(peer, "test");
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                forward(ctx, Unpooled.copiedBuffer(in.toString(StandardCharsets.UTF_8).toUpperCase(),
                        StandardCharsets.UTF_8));
            } finally {
                in.release();
            }
        }

        @Override
        protected boolean peerMayRead() {
            return !hold;
        }
    }

    @Test
    void forwardedMessagesReachThePeerAtTheEndOfTheReadBatch() {
        source.pipeline().addLast(new Shouting(peer));
        source.pipeline().fireChannelRead(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
        assertThat((Object) peer.readOutbound()).as("not flushed within the batch").isNull();
        source.pipeline().fireChannelReadComplete();
        ByteBuf out = peer.readOutbound();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("HELLO");
        out.release();
    }

    @Test
    void aSubclassCanKeepThePeerPausedWhenThisSideDrains() {
        Shouting handler = new Shouting(peer);
        source.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        source.pipeline().addLast(handler);
        peer.config().setAutoRead(false);
        handler.hold = true;
        source.write(Unpooled.wrappedBuffer(new byte[32]));
        source.flush();
        source.runPendingTasks();
        assertThat(peer.config().isAutoRead()).as("held back by the subclass").isFalse();
        handler.hold = false;
        source.write(Unpooled.wrappedBuffer(new byte[32]));
        source.flush();
        source.runPendingTasks();
        assertThat(peer.config().isAutoRead()).isTrue();
        source.finishAndReleaseAll();
    }

    @Test
    void aFailureClosesTheChannel() {
        source.pipeline().addLast(new Shouting(peer));
        source.pipeline().fireExceptionCaught(new IllegalStateException("boom"));
        assertThat(source.isOpen()).isFalse();
        assertThat(peer.isOpen()).as("the subclass decides about the peer").isTrue();
    }

    @Test
    void closeAfterFlushSendsWhatWasWrittenFirstAndActsOnce() {
        peer.write(Unpooled.copiedBuffer("tail", StandardCharsets.UTF_8));
        PeerHandler.closeAfterFlush(peer);
        PeerHandler.closeAfterFlush(peer);
        peer.runPendingTasks();
        ByteBuf tail = peer.readOutbound();
        assertThat(tail.toString(StandardCharsets.UTF_8)).isEqualTo("tail");
        tail.release();
        ByteBuf empty = peer.readOutbound();
        assertThat(empty.readableBytes()).isZero();
        assertThat((Object) peer.readOutbound()).as("one flush marker, not two").isNull();
        assertThat(peer.isOpen()).isFalse();
    }
}
