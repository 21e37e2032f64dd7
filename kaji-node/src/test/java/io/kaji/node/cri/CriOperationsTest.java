package io.kaji.node.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.kaji.node.cri.v1.ListContainersRequest;
import io.kaji.node.cri.v1.ListContainersResponse;
import io.kaji.node.cri.v1.RuntimeServiceGrpc;
import io.kaji.node.cri.v1.VersionRequest;
import io.kaji.node.cri.v1.VersionResponse;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubelet's operation names, and calls, failures and durations counted on a real connection to a stand-in CRI
 * server.
 */
class CriOperationsTest {

    @TempDir
    Path dir;

    @Test
    void operationsAreNamedAsTheKubeletNamesThem() {
        assertThat(CriOperations.operation("RunPodSandbox")).isEqualTo("run_podsandbox");
        assertThat(CriOperations.operation("PodSandboxStatus")).isEqualTo("podsandbox_status");
        assertThat(CriOperations.operation("ListPodSandbox")).isEqualTo("list_podsandbox");
        assertThat(CriOperations.operation("ListContainers")).isEqualTo("list_containers");
        assertThat(CriOperations.operation("ContainerStatus")).isEqualTo("container_status");
        assertThat(CriOperations.operation("ImageFsInfo")).isEqualTo("image_fs_info");
        assertThat(CriOperations.operation("Version")).isEqualTo("version");
    }

    @Test
    void callsFailuresAndDurationsAreCountedPerOperation() throws Exception {
        Path socket = dir.resolve("cri.sock");
        EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loop).workerEventLoopGroup(loop)
                .addService(new RuntimeServiceGrpc.RuntimeServiceImplBase() {
                    @Override
                    public void version(VersionRequest request, StreamObserver<VersionResponse> response) {
                        try {
                            Thread.sleep(60);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        response.onNext(VersionResponse.newBuilder().setRuntimeName("stand-in").build());
                        response.onCompleted();
                    }

                    @Override
                    public void listContainers(ListContainersRequest request,
                                               StreamObserver<ListContainersResponse> response) {
                        response.onError(Status.UNAVAILABLE.withDescription("busy").asRuntimeException());
                    }
                }).build().start();
        try (CriConnection cri = CriConnection.open(socket)) {
            cri.version(Duration.ofSeconds(5));
            cri.version(Duration.ofSeconds(5));
            assertThatThrownBy(() -> cri.runtime(Duration.ofSeconds(5))
                    .listContainers(ListContainersRequest.getDefaultInstance()))
                    .isInstanceOf(StatusRuntimeException.class);
            CriOperations.Count version = cri.operations().get("version");
            assertThat(version.calls()).isEqualTo(2);
            assertThat(version.errors()).isZero();
            // Both calls took at least the stand-in's 60 ms: none in the buckets up to 31.25 ms, both counted.
            assertThat(version.duration().count()).isEqualTo(2);
            assertThat(version.duration().bounds()[2]).isEqualTo(0.03125);
            assertThat(version.duration().cumulative()[2]).isZero();
            assertThat(version.duration().sum()).isGreaterThanOrEqualTo(0.12);
            CriOperations.Count list = cri.operations().get("list_containers");
            assertThat(list.calls()).isEqualTo(1);
            assertThat(list.errors()).isEqualTo(1);
            assertThat(list.duration().count()).as("a failed call is timed too").isEqualTo(1);
        } finally {
            server.shutdownNow().awaitTermination();
            loop.shutdownGracefully().sync();
        }
    }
}
