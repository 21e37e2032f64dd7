package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.kaji.cli.localcluster.LocalCluster;
import io.kaji.node.image.BusyboxImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Port-forward under many connections, end to end (server and agent processes, containerd, bridge kajipf1 in
 * 100.64.144.0/22): one forward each through fabric8's {@link LocalPortForward} (WebSocket {@code v4.channel.k8s.io}
 * relayed to containerd), kubectl 1.32 (SPDY tunnelled through WebSocket, unwrapped by the API server) and kubectl
 * with {@code KUBECTL_PORT_FORWARD_WEBSOCKETS=false} (SPDY relayed), each carrying sequential and concurrent HTTP
 * exchanges with busybox httpd. Every response is checked byte for byte: a CGI that echoes a marker unique to the
 * connection, and files of 0 B, 1 B, 64 KiB and 1 MiB whose lines are numbered (so a lost, repeated or reordered
 * chunk, or bytes of another connection, show). Also: clients that close mid-response, a pod port with nothing
 * listening (the error reaches the client; the forward keeps working).
 *
 * <p>Runs only with {@code -Dkaji.soak.connections=N}, the exchanges per client and mode (docs/node.md, "Port-forward
 * soak").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIf("supported")
class PortForwardSoakE2ETest {

    private static final String NODE = "e2e-pf-a";
    private static final String POD = "soak";
    private static final int CONNECTIONS = Integer.getInteger("kaji.soak.connections", 30);
    private static final int PARALLEL = 6;
    /** Numbered lines, {@code seq -w 1 150000}: 7 bytes each, enough for 1 MiB. */
    private static final byte[] LINES;
    private static final Map<String, byte[]> FILES;
    private static final Pattern FORWARDING = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> (\\d+)");

    static {
        StringBuilder s = new StringBuilder(150_000 * 7);
        for (int i = 1; i <= 150_000; i++) {
            s.append(String.format("%06d\n", i));
        }
        LINES = s.toString().getBytes(StandardCharsets.US_ASCII);
        FILES = Map.of("/empty", new byte[0], "/one", new byte[] {'x'}, "/k64", Arrays.copyOf(LINES, 64 * 1024),
                "/m1", Arrays.copyOf(LINES, 1024 * 1024), "/index.html",
                BusyboxImage.INDEX_HTML.getBytes(StandardCharsets.UTF_8));
    }

    private LocalCluster cluster;
    private KubernetesClient client;
    private Path root;

    /** Only on request: the class takes a minute or more even with few exchanges (KubectlExecE2ETest has the short
     * version in the suite). */
    static boolean supported() {
        return LocalCluster.supported() && System.getProperty("kaji.soak.connections") != null;
    }

    @BeforeAll
    void start() throws Exception {
        root = Path.of("target", "e2e-portforward").toAbsolutePath();
        cluster = LocalCluster.start(new LocalCluster.Spec(root, "100.64.144.0/22", "100.64.148.0/24", List.of(NODE),
                List.of("kajipf1"), List.of()));
        client = cluster.client();
        String script = String.join(" && ",
                "mkdir -p /www/cgi-bin",
                ": > /www/empty",
                "printf x > /www/one",
                "seq -w 1 150000 | head -c 65536 > /www/k64",
                "seq -w 1 150000 | head -c 1048576 > /www/m1",
                "printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho marker=$QUERY_STRING\\n'"
                        + " > /www/cgi-bin/echo",
                "chmod +x /www/cgi-bin/echo",
                "exec httpd -f -p 80 -h /www");
        client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName(POD).endMetadata()
                .withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L).addNewContainer()
                .withName("httpd").withImage(BusyboxImage.NAME).withCommand("sh", "-c", script)
                .withNewReadinessProbe().withNewTcpSocket().withNewPort(80).endTcpSocket().withPeriodSeconds(1)
                .endReadinessProbe().endContainer().endSpec().build()).create();
        PodWaits.awaitRunningAndReady(client, POD);
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void fabric8CarriesEveryExchangeWhole() throws Exception {
        try (LocalPortForward pf = client.pods().inNamespace("default").withName(POD).portForward(80)) {
            soak("fabric8 (WebSocket v4)", pf.getLocalPort(), Ending.COMPLETE_RESPONSE);
            assertThat(pf.errorOccurred()).as("fabric8 errors: client %s, server %s", pf.getClientThrowables(),
                    pf.getServerThrowables()).isFalse();
        }
        try (LocalPortForward pf = client.pods().inNamespace("default").withName(POD).portForward(80)) {
            abortMidResponse("fabric8", pf.getLocalPort(), Ending.COMPLETE_RESPONSE);
        }
        try (LocalPortForward nothing = client.pods().inNamespace("default").withName(POD).portForward(81);
             LocalPortForward pf = client.pods().inNamespace("default").withName(POD).portForward(80)) {
            assertThat(fetchRefused(nothing.getLocalPort())).as("nothing listens on port 81").isEmpty();
            await("fabric8 reports the error stream").atMost(Duration.ofSeconds(10))
                    .until(nothing::errorOccurred);
            assertThat(nothing.getServerThrowables().toString()).contains("error forwarding port 81");
            assertThat(nothing.isAlive()).as("fabric8 still listens after the error").isTrue();
            check("after the refused port", 0, "/cgi-bin/echo?after-refused", fetch(pf.getLocalPort(),
                    "/cgi-bin/echo?after-refused", Ending.COMPLETE_RESPONSE));
        }
    }

    @Test
    void kubectlOverWebSocketCarriesEveryExchangeWhole() throws Exception {
        kubectlSoak("kubectl 1.32 (SPDY in WebSocket)", Map.of(), "GET");
    }

    @Test
    void kubectlOverSpdyCarriesEveryExchangeWhole() throws Exception {
        kubectlSoak("kubectl 1.32 (SPDY)", Map.of("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false"), "POST");
    }

    private void kubectlSoak(String name, Map<String, String> env, String method) throws Exception {
        Kubectl k = new Kubectl(Kubectl.DEFAULT_BINARY, cluster.kubeconfig(),
                Files.createDirectories(root.resolve("home-" + method)));
        try (Forward f = Forward.start(k, env, root, "-v=6", "port-forward", "pod/" + POD, ":80", ":81")) {
            soak(name, f.port(80), Ending.HALF_CLOSE);
            abortMidResponse(name, f.port(80), Ending.HALF_CLOSE);
            String log = Files.readString(k.startedStderr());
            assertThat(log).as(log).containsPattern(method + " https://\\S+/portforward\\S* 101 Switching Protocols");
            // containerd reports the refused dial on the error stream; client-go (1.29+) then logs it and closes
            // the whole forward ("lost connection to pod"), as against any Kubernetes node.
            assertThat(fetchRefused(f.port(81))).as("nothing listens on port 81").isEmpty();
            await(name + " reports the error stream").atMost(Duration.ofSeconds(20)).until(() ->
                    Files.readString(k.startedStderr()).contains("error forwarding port 81"));
        }
        try (Forward f = Forward.start(k, env, root, "port-forward", "pod/" + POD, ":80")) {
            check(name + " after the refused port", 0, "/cgi-bin/echo?after-refused",
                    fetch(f.port(80), "/cgi-bin/echo?after-refused", Ending.HALF_CLOSE));
        }
    }

    /** A running {@code kubectl port-forward} and the local port of each pod port; closing ends the process. */
    record Forward(Process process, Map<Integer, Integer> ports) implements AutoCloseable {

        static Forward start(Kubectl k, Map<String, String> env, Path root, String... args) throws Exception {
            Path out = Files.createTempFile(root, "port-forward", ".out");
            Process p = k.start(env, out, args);
            Map<Integer, Integer> ports = new java.util.concurrent.ConcurrentHashMap<>();
            long wanted = Arrays.stream(args).filter(a -> a.startsWith(":")).count();
            try {
                await("kubectl port-forward listening").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50)).until(() -> {
                            Matcher m = FORWARDING.matcher(Files.readString(out));
                            while (m.find()) {
                                ports.put(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(1)));
                            }
                            return ports.size() == wanted;
                        });
            } catch (RuntimeException | Error e) {
                end(p);
                throw e;
            }
            return new Forward(p, ports);
        }

        int port(int podPort) {
            return ports.get(podPort);
        }

        @Override
        public void close() throws InterruptedException {
            end(process);
        }

        private static void end(Process p) throws InterruptedException {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** {@link #CONNECTIONS} exchanges one after another, then as many on {@link #PARALLEL} threads. */
    private void soak(String name, int port, Ending ending) throws Exception {
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        long[] millis = new long[2 * CONNECTIONS];
        long t0 = System.nanoTime();
        for (int i = 0; i < CONNECTIONS; i++) {
            millis[i] = exchange(name, port, i, ending, failures);
        }
        long sequential = System.nanoTime() - t0;
        t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Future<Long>> done = new ArrayList<>();
            for (int i = CONNECTIONS; i < 2 * CONNECTIONS; i++) {
                int n = i;
                done.add(pool.submit(() -> exchange(name, port, n, ending, failures)));
            }
            for (int i = 0; i < done.size(); i++) {
                millis[CONNECTIONS + i] = done.get(i).get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long concurrent = System.nanoTime() - t0;
        Arrays.sort(millis);
        System.out.printf("port-forward soak: %s: %d sequential exchanges in %d ms, %d on %d threads in %d ms; "
                        + "per exchange p50 %d ms, p99 %d ms, max %d ms; %d failed%n", name, CONNECTIONS,
                sequential / 1_000_000, CONNECTIONS, PARALLEL, concurrent / 1_000_000, millis[millis.length / 2],
                millis[(int) (millis.length * 0.99)], millis[millis.length - 1], failures.size());
        assertThat(failures).as(name + ": exchanges that came back wrong").isEmpty();
    }

    /** Exchange {@code n}: the target rotates over a CGI echo and the four files. Returns its milliseconds. */
    private static long exchange(String name, int port, int n, Ending ending, List<String> failures) {
        String target = switch (n % 6) {
            case 0, 4 -> "/cgi-bin/echo?" + name.replaceAll("\\W", "") + "-" + n;
            case 1 -> "/empty";
            case 2 -> "/one";
            case 3 -> "/k64";
            default -> "/m1";
        };
        long t0 = System.nanoTime();
        try {
            check(name, n, target, fetch(port, target, ending));
        } catch (IOException | AssertionError e) {
            failures.add("#" + n + " " + target + ": " + e.getMessage());
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /**
     * How a client ends its side. containerd's port-forward, once one direction has ended (httpd closed), waits
     * up to 1 s for the other before it closes the stream, so a client that only waits for the end pays 1 s per
     * connection.
     */
    enum Ending {
        /** Half-closes after the request and reads until the far end closes: the exact end of the response.
         * kubectl passes the half-close on (the data stream's FIN), so containerd closes at once. */
        HALF_CLOSE,
        /** Reads until the response is complete (its {@code Content-Length}, or the echo's length) and closes:
         * fabric8 does not pass a half-close on, so waiting for the end would take containerd's second. */
        COMPLETE_RESPONSE
    }

    /** An HTTP/1.0 GET on a connection of its own; what it read (everything, however it ended). */
    static byte[] fetch(int port, String target, Ending ending) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(("GET " + target + " HTTP/1.0\r\nHost: soak\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            if (ending == Ending.HALF_CLOSE) {
                s.shutdownOutput();
                return s.getInputStream().readAllBytes();
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            for (int r; got.size() < completeLength(target, got.toByteArray()) && (r = in.read(buf)) > 0; ) {
                got.write(buf, 0, r);
            }
            return got.toByteArray();
        }
    }

    /** How long the response to {@code target} is, as far as {@code head} tells; unknown: as long as possible. */
    private static int completeLength(String target, byte[] head) {
        if (target.startsWith("/cgi-bin/echo?")) {
            return echo(target).length();
        }
        String text = new String(head, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        Matcher m = Pattern.compile("\r\nContent-Length: (\\d+)\r\n").matcher(text);
        return end >= 0 && m.find() && m.start() < end ? end + 4 + Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
    }

    /** busybox httpd writes its status line, then the CGI's own header lines and body as they are. */
    private static String echo(String target) {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\n\nmarker=" + target.substring(target.indexOf('?') + 1)
                + "\n";
    }

    /** What a GET to a forwarded port with nothing listening reads: nothing, or a reset (also nothing). */
    private static byte[] fetchRefused(int port) {
        try {
            return fetch(port, "/one", Ending.HALF_CLOSE);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** The whole response, byte for byte: status line, length, body, and nothing after it. */
    static void check(String name, int n, String target, byte[] response) {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        String what = name + " #" + n + " " + target + " (" + response.length + " bytes, starting "
                + quote(text.substring(0, Math.min(80, text.length()))) + ")";
        if (target.startsWith("/cgi-bin/echo?")) {
            String expected = echo(target);
            if (!text.equals(expected)) {
                throw new AssertionError(what + " is not the marker's echo " + quote(expected));
            }
            return;
        }
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 200 OK\r\n") || end < 0) {
            throw new AssertionError(what + " does not start with a 200 head");
        }
        byte[] expected = FILES.get(target);
        if (!text.substring(0, end + 2).contains("\r\nContent-Length: " + expected.length + "\r\n")) {
            throw new AssertionError(what + " has no Content-Length: " + expected.length);
        }
        byte[] body = Arrays.copyOfRange(response, end + 4, response.length);
        if (!Arrays.equals(body, expected)) {
            int i = Arrays.mismatch(body, expected);
            throw new AssertionError(what + ": body of " + body.length + " bytes differs from the file's "
                    + expected.length + " at byte " + i + ": " + quote(new String(body, Math.max(0, i - 10),
                    Math.min(40, body.length - Math.max(0, i - 10)), StandardCharsets.ISO_8859_1)));
        }
    }

    /** Connections that read part of 1 MiB and close (with an RST for half of them); the next one is whole. */
    private static void abortMidResponse(String name, int port, Ending ending) throws Exception {
        for (int i = 0; i < 10; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
                s.setSoTimeout(30_000);
                if (i % 2 == 1) {
                    s.setSoLinger(true, 0);
                }
                s.getOutputStream().write("GET /m1 HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = s.getInputStream();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] buf = new byte[4096];
                for (int r; got.size() < 20_000 && (r = in.read(buf)) > 0; ) {
                    got.write(buf, 0, r);
                }
                assertThat(got.toString(StandardCharsets.ISO_8859_1)).as(name + " abort #" + i)
                        .startsWith("HTTP/1.1 200 OK\r\n");
            }
        }
        for (int i = 0; i < 3; i++) {
            String target = "/cgi-bin/echo?after-abort-" + i;
            check(name + " after aborts", i, target, fetch(port, target, ending));
        }
        check(name + " after aborts", 3, "/m1", fetch(port, "/m1", ending));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }
}
