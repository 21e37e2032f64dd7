package io.kaji.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.containerd.ContainerdResidue;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxSpec;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The agent's streaming endpoints against a real containerd (bridge kajit8, pods in 100.64.8.0/24): exec,
 * port-forward, a terminal with resize, and attach over WebSocket {@code v4.channel.k8s.io} (what fabric8 speaks),
 * relayed by the agent to containerd's streaming server; exit codes in the error channel's Status; a WebSocket
 * sub-protocol containerd does not speak refused before the upgrade (so kubectl falls back to SPDY); unknown
 * containers and pods refused with the kubelet's texts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentStreamingIntegrationTest {

    private ContainerdFixture node;
    private AgentServer agent;
    private TestCa ca;
    private HttpClient client;
    private String sandboxId;

    @BeforeAll
    void start() throws Exception {
        node = ContainerdFixture.start("kajit8", "100.64.8.0/24");
        PodRef ref = new PodRef("default", "web", UUID.randomUUID().toString());
        PodLogs logs = new PodLogs(node.dataDir.resolve("pods"));
        SandboxSpec sandbox = SandboxSpec.builder(ref).logDirectory(logs.podDirectory(ref)).build();
        sandboxId = node.runtime.runSandbox(sandbox);
        String id = node.runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("httpd", BusyboxImage.NAME)
                .command("httpd", "-f", "-p", "80", "-h", "/www").build());
        node.runtime.startContainer(id);
        String ticker = node.runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("ticker",
                BusyboxImage.NAME).command("sh", "-c", "while true; do echo tick; sleep 0.2; done").build());
        node.runtime.startContainer(ticker);
        Pod pod = new PodBuilder().withNewMetadata().withNamespace("default").withName("web").withUid(ref.uid())
                .endMetadata().withNewSpec().addNewContainer().withName("httpd").endContainer().endSpec().build();
        ContainerLogs.Pods pods = (ns, name) -> ns.equals("default") && name.equals("web") ? pod : null;
        ca = new TestCa("test-ca");
        agent = AgentServer.start(AgentTls.context("n1", List.of("127.0.0.1"), List.of(ca.cert)),
                new ContainerLogs(logs, pods, (p, c, a) -> true), new ContainerStreams(pods, node.runtime),
                new AgentServer.Options("127.0.0.1", 0, false, Duration.ofMillis(50)), Clock.systemUTC());
        client = HttpClient.newBuilder().sslContext(ca.client("CN=" + AgentServer.API_SERVER_CLIENT)).build();
    }

    @AfterAll
    void stop() {
        if (agent != null) {
            agent.close();
        }
        if (node != null) {
            if (sandboxId != null) {
                node.runtime.stopSandbox(sandboxId);
                node.runtime.removeSandbox(sandboxId);
            }
            ContainerdResidue residue = new ContainerdResidue(node.config);
            node.close();
            assertThat(residue.shimPids()).as("shims left").isEmpty();
        }
    }

    @Test
    void execOverWebSocketV4CarriesOutputAndTheExitCode() throws Exception {
        long t0 = System.nanoTime();
        Session s = open(exec("sh", "-c", "echo hi; echo oops >&2; exit 3") + "&stdout=1&stderr=1");
        s.closed.get(20, TimeUnit.SECONDS);
        System.out.printf("timing: exec over WebSocket through the agent, connect to exit %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(s.protocol).isEqualTo("v4.channel.k8s.io");
        assertThat(s.text(1)).isEqualTo("hi\n");
        assertThat(s.text(2)).isEqualTo("oops\n");
        assertThat(s.text(3)).contains("\"reason\":\"NonZeroExitCode\"").contains("\"reason\":\"ExitCode\"")
                .contains("\"message\":\"3\"");
    }

    @Test
    void bulkOutputArrivesComplete() throws Exception {
        int bytes = 64 * 1024 * 1024;
        long t0 = System.nanoTime();
        Session s = open(exec("head", "-c", String.valueOf(bytes), "/dev/zero") + "&stdout=1");
        s.closed.get(120, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("timing: 64 MiB of exec stdout over WebSocket v4 from containerd through the agent in %d ms "
                + "(%.0f MiB/s)%n", ms, 64 * 1000.0 / ms);
        assertThat(s.raw(1).length).isEqualTo(bytes);
        assertThat(s.text(3)).contains("\"status\":\"Success\"");
    }

    @Test
    void stdinReachesTheCommand() throws Exception {
        Session s = open(exec("head", "-n", "1") + "&stdin=true&stdout=true");
        s.ws.sendBinary(ByteBuffer.wrap("\0ping\n".getBytes(StandardCharsets.UTF_8)), true).get(5, TimeUnit.SECONDS);
        s.closed.get(20, TimeUnit.SECONDS);
        assertThat(s.text(1)).isEqualTo("ping\n");
        assertThat(s.text(3)).contains("\"status\":\"Success\"");
    }

    @Test
    void aTerminalTakesResizesFromChannelFour() throws Exception {
        Session s = open(exec("sh", "-c", "sleep 1; stty size") + "&stdin=1&stdout=1&tty=1");
        s.ws.sendBinary(ByteBuffer.wrap("\u0004{\"Width\":100,\"Height\":30}".getBytes(StandardCharsets.UTF_8)),
                true).get(5, TimeUnit.SECONDS);
        s.closed.get(20, TimeUnit.SECONDS);
        assertThat(s.text(1)).isEqualTo("30 100\r\n");
        assertThat(s.text(3)).contains("\"status\":\"Success\"");
    }

    @Test
    void attachStreamsTheMainProcessOutput() throws Exception {
        Session s = open("/attach/default/web/ticker?stdout=1");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!s.text(1).contains("tick\ntick\n") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(s.text(1)).contains("tick\ntick\n");
        s.ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    }

    @Test
    void portForwardOverWebSocketReachesThePodPort() throws Exception {
        Session s = open("/portForward/default/web?ports=80");
        // Each channel's first frame is the port, little-endian; then data (channel 0) and errors (channel 1).
        s.ws.sendBinary(ByteBuffer.wrap("\0GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)),
                true).get(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!s.text(0).contains(BusyboxImage.INDEX_HTML) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(s.raw(0)).startsWith((byte) 80, (byte) 0);
        assertThat(s.text(0)).contains(" 200 OK").contains(BusyboxImage.INDEX_HTML);
        s.ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    }

    @Test
    void protocolsTheRuntimeDoesNotSpeakAreRefusedBeforeTheUpgrade() {
        // containerd 1.6 answers 403 (x/net/websocket's refusal of a sub-protocol), relayed unchanged.
        assertThatThrownBy(() -> open(exec("true") + "&stdout=1", "v5.channel.k8s.io"))
                .rootCause().hasMessageContaining("Unexpected HTTP response status code 403");
    }

    @Test
    void unknownContainersAndPodsAreRefusedWithTheKubeletsText() throws Exception {
        var r = client.send(java.net.http.HttpRequest.newBuilder(URI.create(base()
                        + "/exec/default/web/db?command=true&stdout=1")).POST(java.net.http.HttpRequest.BodyPublishers
                        .noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("container not found (\"db\")\n");
        r = client.send(java.net.http.HttpRequest.newBuilder(URI.create(base() + "/portForward/default/nope"))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("pod does not exist\n");
    }

    private String base() {
        return "https://127.0.0.1:" + agent.port();
    }

    private static String exec(String... command) {
        StringBuilder s = new StringBuilder("/exec/default/web/httpd?");
        for (int i = 0; i < command.length; i++) {
            s.append(i == 0 ? "" : "&").append("command=").append(URLEncoder.encode(command[i], StandardCharsets.UTF_8));
        }
        return s.toString();
    }

    private Session open(String pathAndQuery) throws Exception {
        return open(pathAndQuery, "v4.channel.k8s.io");
    }

    private Session open(String pathAndQuery, String protocol) throws Exception {
        Session s = new Session();
        String wss = "wss://127.0.0.1:" + agent.port() + pathAndQuery;
        s.ws = client.newWebSocketBuilder().subprotocols(protocol).connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(wss), s).join();
        s.protocol = s.ws.getSubprotocol();
        return s;
    }

    /** Collects the binary messages of one connection by channel (first byte). */
    private static final class Session implements WebSocket.Listener {
        final Map<Integer, ByteArrayOutputStream> channels = new ConcurrentHashMap<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final ByteArrayOutputStream message = new ByteArrayOutputStream();
        volatile WebSocket ws;
        volatile String protocol;

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            synchronized (message) {
                message.writeBytes(b);
                if (last) {
                    byte[] m = message.toByteArray();
                    message.reset();
                    if (m.length > 0) {
                        ByteArrayOutputStream ch = channels.computeIfAbsent(m[0] & 0xff,
                                k -> new ByteArrayOutputStream());
                        synchronized (ch) {
                            ch.write(m, 1, m.length - 1);
                        }
                    }
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }

        byte[] raw(int channel) {
            ByteArrayOutputStream ch = channels.get(channel);
            if (ch == null) {
                return new byte[0];
            }
            synchronized (ch) {
                return ch.toByteArray();
            }
        }

        String text(int channel) {
            return new String(raw(channel), StandardCharsets.ISO_8859_1);
        }
    }

}
