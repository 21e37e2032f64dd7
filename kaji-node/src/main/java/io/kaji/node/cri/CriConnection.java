package io.kaji.node.cri;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.kaji.node.cri.v1.ImageServiceGrpc;
import io.kaji.node.cri.v1.RuntimeServiceGrpc;
import io.kaji.node.cri.v1.VersionRequest;
import io.kaji.node.cri.v1.VersionResponse;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel to a CRI runtime's unix socket (containerd's {@code containerd.sock}) with blocking stubs for the
 * {@code runtime.v1} RuntimeService and ImageService.
 *
 * <p>Creating a connection does not connect; the first call does, and gRPC reconnects by itself after the runtime
 * restarts. {@link #resetConnectBackoff()} makes it retry at once, which the supervisor does after a restart.
 * Thread-safe: the stubs may be used from any thread. Calls fail with {@link io.grpc.StatusRuntimeException}
 * ({@code UNAVAILABLE} while the socket does not answer, {@code DEADLINE_EXCEEDED} after the deadline).
 */
public final class CriConnection implements AutoCloseable {

    /** The default deadline of one CRI call; long calls (pull, stop with a grace period) pass their own. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

    /**
     * The buffers of CRI channels: one pooled direct arena of 1 MiB chunks, no per-thread caches. gRPC's own
     * allocator has two heap and two direct arenas per core with 2 MiB chunks and caches on every thread that
     * allocates (the agent's pod workers and relister among them): ~10 MiB of native memory in an agent (NMT's
     * "Other", docs/footprint.md) for a local socket that carries a few small messages a second.
     */
    static final ByteBufAllocator ALLOCATOR = new PooledByteBufAllocator(true, 0, 1, 8192, 7, 0, 0, false);

    private final Path socket;
    private final EpollEventLoopGroup eventLoop;
    private final ManagedChannel channel;
    private final CriOperations operations = new CriOperations();

    private CriConnection(Path socket) {
        this.socket = socket;
        this.eventLoop = new EpollEventLoopGroup(1);
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(eventLoop)
                .channelType(EpollDomainSocketChannel.class)
                .withOption(ChannelOption.ALLOCATOR, ALLOCATOR)
                .overrideAuthority("localhost")
                .usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024)
                .intercept(operations)
                .build();
    }

    /** A connection to the CRI socket at {@code socket}. */
    public static CriConnection open(Path socket) {
        return new CriConnection(socket);
    }

    /** The calls made on this connection and their failures, by operation. */
    public java.util.Map<String, CriOperations.Count> operations() {
        return operations.snapshot();
    }

    public Path socket() {
        return socket;
    }

    /** The RuntimeService stub with a deadline of {@code deadline} from now. */
    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime(Duration deadline) {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The ImageService stub with a deadline of {@code deadline} from now. */
    public ImageServiceGrpc.ImageServiceBlockingStub images(Duration deadline) {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Calls {@code Version}; blocking; throws {@link io.grpc.StatusRuntimeException} if the runtime does not answer. */
    public VersionResponse version(Duration deadline) {
        return runtime(deadline).version(VersionRequest.newBuilder().setVersion("v1").build());
    }

    /** Makes a channel waiting out its reconnect back-off try again now (after the runtime was restarted). */
    public void resetConnectBackoff() {
        channel.resetConnectBackoff();
    }

    /** Closes the channel and its event loop; waits up to five seconds. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "CRI at " + socket;
    }
}
