package io.kaji.node.probe;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.kaji.node.probe.health.HealthCheckRequest;
import io.kaji.node.probe.health.HealthCheckResponse;
import io.kaji.node.probe.health.HealthGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC probe: one {@code grpc.health.v1.Health/Check} call (plaintext, as the kubelet's) to host:port with the
 * probe's {@code service} name and timeout; {@code SERVING} passes, any other status fails, and so do connection
 * errors, timeouts and servers without the health service, with the kubelet's messages. Each probe opens and closes
 * its own channel (the kubelet dials per probe too); calls run on the transport's event loop, no extra threads.
 */
public final class GrpcProbe {

    public ProbeOutcome run(String host, int port, String service, Duration timeout) {
        String address = TcpProbe.hostPort(host, port);
        ManagedChannel channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().directExecutor()
                .userAgent(HttpGetProbe.USER_AGENT).build();
        try {
            HealthCheckResponse r = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service == null ? "" : service).build());
            if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
                return ProbeOutcome.success("");
            }
            return ProbeOutcome.failure("service unhealthy (responded with \"" + r.getStatus().name() + "\")");
        } catch (StatusRuntimeException e) {
            Status s = e.getStatus();
            return switch (s.getCode()) {
                case UNAVAILABLE -> ProbeOutcome.failure("timeout: failed to connect service \"" + address
                        + "\" within " + goDuration(timeout) + ": " + describe(s));
                case DEADLINE_EXCEEDED -> ProbeOutcome.failure("timeout: health rpc did not complete within "
                        + goDuration(timeout));
                case UNIMPLEMENTED -> ProbeOutcome.failure("this server does not implement the grpc health protocol "
                        + "(grpc.health.v1.Health): " + describe(s));
                default -> ProbeOutcome.failure("error: health rpc probe failed: " + describe(s));
            };
        } finally {
            channel.shutdownNow();
        }
    }

    private static String describe(Status s) {
        String d = s.getDescription();
        if (d == null && s.getCause() != null) {
            d = s.getCause().getMessage();
        }
        return "rpc error: code = " + s.getCode() + " desc = " + (d == null ? "" : d);
    }

    /** A duration as Go's %v prints it for whole seconds or milliseconds: {@code 1s}, {@code 1.5s}, {@code 500ms}. */
    static String goDuration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : (ms / 1000) + "." + String.format("%03d", ms % 1000)
                .replaceAll("0+$", "") + "s";
    }
}
