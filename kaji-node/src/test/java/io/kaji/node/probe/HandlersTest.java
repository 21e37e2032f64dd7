package io.kaji.node.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.kaji.node.probe.health.HealthCheckRequest;
import io.kaji.node.probe.health.HealthCheckResponse;
import io.kaji.node.probe.health.HealthGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The probe handlers against real servers on loopback: HTTP, raw TCP and gRPC health. */
class HandlersTest {

    private static final Duration ONE_SECOND = Duration.ofSeconds(1);
    private HttpServer http;
    private int httpPort;
    private final Map<String, String> seenHeaders = new ConcurrentHashMap<>();

    @BeforeEach
    void startHttp() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        httpPort = http.getAddress().getPort();
        http.createContext("/ok", ex -> {
            ex.getRequestHeaders().forEach((k, v) -> seenHeaders.put(k.toLowerCase(), String.join(",", v)));
            seenHeaders.put(":uri", ex.getRequestURI().toString());
            reply(ex, 200, "fine");
        });
        http.createContext("/fail", ex -> reply(ex, 500, "broken"));
        http.createContext("/slow", ex -> {
            sleep(3000);
            reply(ex, 200, "late");
        });
        http.createContext("/here", ex -> {
            ex.getResponseHeaders().add("Location", "/ok");
            reply(ex, 302, "");
        });
        http.createContext("/loop", ex -> {
            ex.getResponseHeaders().add("Location", "/loop");
            reply(ex, 301, "");
        });
        http.createContext("/away", ex -> {
            ex.getResponseHeaders().add("Location", "http://localhost:" + httpPort + "/fail");
            reply(ex, 307, "moved");
        });
        http.start();
    }

    @AfterEach
    void stopHttp() {
        http.stop(0);
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ProbeOutcome get(String path, List<HTTPHeader> headers) {
        return new HttpGetProbe().run(null, "127.0.0.1", httpPort, path, headers, ONE_SECOND);
    }

    @Test
    void httpStatusesDecide() {
        assertThat(get("/ok", null)).isEqualTo(ProbeOutcome.success("fine"));
        assertThat(get("/fail", null)).isEqualTo(ProbeOutcome.failure("HTTP probe failed with statuscode: 500"));
        assertThat(get("/nothing", null)).isEqualTo(ProbeOutcome.failure("HTTP probe failed with statuscode: 404"));
    }

    @Test
    void httpSendsTheKubeletsHeadersAndTheProbesOwn() {
        assertThat(get("/ok?x=1", List.of(new HTTPHeader("Host", "example.test"), new HTTPHeader("X-Custom", "v"),
                new HTTPHeader("Accept", "application/json"))).passed()).isTrue();
        assertThat(seenHeaders).containsEntry("host", "example.test").containsEntry("x-custom", "v")
                .containsEntry("accept", "application/json").containsEntry("user-agent", "kube-probe/1.32")
                .containsEntry(":uri", "/ok?x=1");
        seenHeaders.clear();
        assertThat(get("ok", null).passed()).as("a path without the leading slash").isTrue();
        assertThat(seenHeaders).containsEntry("host", "127.0.0.1:" + httpPort).containsEntry("accept", "*/*");
    }

    @Test
    void httpRedirectsAreFollowedOnTheSameHostOnly() {
        assertThat(get("/here", null)).isEqualTo(ProbeOutcome.success("fine"));
        assertThat(get("/away", null)).as("another host: not followed, a warning that passes")
                .isEqualTo(ProbeOutcome.warning("Probe terminated redirects, Response body: moved"));
        assertThat(get("/loop", null)).isEqualTo(ProbeOutcome.failure("Get \"http://127.0.0.1:" + httpPort
                + "/loop\": stopped after 10 redirects"));
    }

    @Test
    void httpConnectionErrorsAndTimeoutsFailWithGosWords() throws IOException {
        int closed = freePort();
        assertThat(new HttpGetProbe().run("HTTP", "127.0.0.1", closed, "/healthz", null, ONE_SECOND))
                .isEqualTo(ProbeOutcome.failure("Get \"http://127.0.0.1:" + closed + "/healthz\": dial tcp 127.0.0.1:"
                        + closed + ": connect: connection refused"));
        long t0 = System.nanoTime();
        assertThat(get("/slow", null)).isEqualTo(ProbeOutcome.failure("Get \"http://127.0.0.1:" + httpPort
                + "/slow\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void tcpPassesWhenAConnectionOpens() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            assertThat(new TcpProbe().run("127.0.0.1", s.getLocalPort(), ONE_SECOND).passed()).isTrue();
        }
        int closed = freePort();
        assertThat(new TcpProbe().run("127.0.0.1", closed, ONE_SECOND))
                .isEqualTo(ProbeOutcome.failure("dial tcp 127.0.0.1:" + closed + ": connect: connection refused"));
    }

    @Test
    void namedPortsResolveFromTheContainer() throws IOException {
        var c = new ContainerBuilder().withName("app").addNewPort().withName("web").withContainerPort(httpPort)
                .endPort().build();
        var probe = new ProbeBuilder().withNewHttpGet().withPath("/ok").withPort(new IntOrString("web")).endHttpGet()
                .build();
        Prober prober = new Prober(null);
        assertThat(prober.probe(probe, new ProbeTarget("127.0.0.1", c, "id")).passed()).isTrue();
        var unknown = new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString("grpc")).endTcpSocket().build();
        assertThat(prober.probe(unknown, new ProbeTarget("127.0.0.1", c, "id")))
                .isEqualTo(ProbeOutcome.error("strconv.Atoi: parsing \"grpc\": invalid syntax"));
    }

    @Test
    void grpcHealthCheck() throws Exception {
        Map<String, HealthCheckResponse.ServingStatus> statuses = new ConcurrentHashMap<>(Map.of(
                "", HealthCheckResponse.ServingStatus.SERVING,
                "db", HealthCheckResponse.ServingStatus.NOT_SERVING));
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new HealthGrpc.HealthImplBase() {
                    @Override
                    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
                        var s = statuses.get(request.getService());
                        if (s == null) {
                            out.onError(io.grpc.Status.NOT_FOUND.withDescription("unknown service").asException());
                            return;
                        }
                        out.onNext(HealthCheckResponse.newBuilder().setStatus(s).build());
                        out.onCompleted();
                    }
                }).build().start();
        Server bare = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(io.grpc.ServerServiceDefinition.builder("other.Service").build()).build().start();
        try {
            GrpcProbe probe = new GrpcProbe();
            int port = server.getPort();
            // The first call in a JVM loads Netty and gRPC (~0.7 s on a busy machine): not what is measured here.
            assertThat(probe.run("127.0.0.1", port, null, Duration.ofSeconds(10)).passed()).isTrue();
            assertThat(probe.run("127.0.0.1", port, null, ONE_SECOND)).isEqualTo(ProbeOutcome.success(""));
            assertThat(probe.run("127.0.0.1", port, "db", ONE_SECOND))
                    .isEqualTo(ProbeOutcome.failure("service unhealthy (responded with \"NOT_SERVING\")"));
            assertThat(probe.run("127.0.0.1", port, "nope", ONE_SECOND).output())
                    .startsWith("error: health rpc probe failed: rpc error: code = NOT_FOUND");
            assertThat(probe.run("127.0.0.1", bare.getPort(), "", ONE_SECOND).output()).startsWith(
                    "this server does not implement the grpc health protocol (grpc.health.v1.Health): ");
            int closed = freePort();
            ProbeOutcome refused = probe.run("127.0.0.1", closed, "", ONE_SECOND);
            assertThat(refused.result()).isEqualTo(ProbeOutcome.Result.FAILURE);
            assertThat(refused.output()).startsWith("timeout: failed to connect service \"127.0.0.1:" + closed
                    + "\" within 1s: ");
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            bare.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void goDurations() {
        assertThat(GrpcProbe.goDuration(Duration.ofSeconds(1))).isEqualTo("1s");
        assertThat(GrpcProbe.goDuration(Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(GrpcProbe.goDuration(Duration.ofMillis(250))).isEqualTo("250ms");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
