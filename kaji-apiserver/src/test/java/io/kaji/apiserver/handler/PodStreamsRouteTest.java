package io.kaji.apiserver.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.auth.RequestAttributes;
import io.kaji.apiserver.auth.UserInfo;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.TestServer;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * pods/exec, attach and portforward through a real API server to a fake node agent on loopback: the agent path
 * kube-apiserver would build, only the protocol headers forwarded (never the user's token), the API server's
 * kubelet-client certificate presented, bytes relayed both ways after 101, refusals turned into Status objects,
 * and the options checked before any node is contacted.
 */
class PodStreamsRouteTest {

    @TempDir
    static Path dir;
    static TestServer server;
    static FakeAgent agent;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
        agent = new FakeAgent();
        assertThat(server.post("/api/v1/nodes", """
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}""").statusCode()).isEqualTo(201);
        assertThat(server.send(server.request("/api/v1/nodes/n1/status").header("Content-Type",
                "application/merge-patch+json").method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(
                """
                {"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],
                 "daemonEndpoints":{"kubeletEndpoint":{"Port":%d}}}}""".formatted(agent.port()))).build())
                .statusCode()).isEqualTo(200);
        for (String pod : List.of("web", "pending")) {
            assertThat(server.post("/api/v1/namespaces/default/pods", """
                    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},
                     "spec":{%s"containers":[{"name":"app","image":"busybox"}]}}"""
                    .formatted(pod, pod.equals("web") ? "\"nodeName\":\"n1\"," : "")).statusCode()).isEqualTo(201);
        }
    }

    @BeforeEach
    void forgetEarlierRequests() {
        agent.seen.clear();
        agent.answers.clear();
    }

    @AfterAll
    static void stop() throws IOException {
        if (agent != null) {
            agent.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void discoveryListsTheStreamingSubresources() {
        JsonNode list = Json.MAPPER.readTree(server.get("/api/v1").body());
        Map<String, String> found = new java.util.HashMap<>();
        for (JsonNode r : list.get("resources")) {
            String name = r.get("name").asString();
            if (name.equals("pods/exec") || name.equals("pods/attach") || name.equals("pods/portforward")) {
                found.put(name, r.get("kind").asString() + " " + r.get("verbs"));
            }
        }
        assertThat(found).containsOnly(Map.entry("pods/exec", "PodExecOptions [\"create\",\"get\"]"),
                Map.entry("pods/attach", "PodAttachOptions [\"create\",\"get\"]"),
                Map.entry("pods/portforward", "PodPortForwardOptions [\"create\",\"get\"]"));
    }

    @Test
    void anAcceptedUpgradeIsRelayedByteForByte() throws Exception {
        agent.answers.add("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n");
        try (SSLSocket s = clientSocket()) {
            send(s, "POST /api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=echo%20hi"
                    + "&stdout=true&stderr=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + server.server().pki().adminToken() + "\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                    + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: channel.k8s.io\r\n"
                    + "Content-Length: 0\r\n\r\n");
            String head = readHead(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 101 Switching Protocols\r\n")
                    .contains("X-Stream-Protocol-Version: v4.channel.k8s.io");
            send(s, "ping");
            assertThat(new String(s.getInputStream().readNBytes(4), StandardCharsets.UTF_8)).isEqualTo("ping");
        }
        FakeAgent.Seen seen = agent.seen.poll(10, TimeUnit.SECONDS);
        assertThat(seen).isNotNull();
        assertThat(seen.head()).startsWith("POST /exec/default/web/app?command=sh&command=-c&command=echo%20hi"
                + "&stdout=1&stderr=1 HTTP/1.1\r\n");
        assertThat(seen.head()).contains("Upgrade: SPDY/3.1", "X-Stream-Protocol-Version: v4.channel.k8s.io",
                "X-Stream-Protocol-Version: channel.k8s.io");
        assertThat(seen.head().toLowerCase()).doesNotContain("authorization");
        assertThat(seen.client()).contains("CN=kube-apiserver-kubelet-client");
    }

    @Test
    void aV5WebSocketExecIsAnsweredHereAndAskedOfTheNodeAsSpdy() throws Exception {
        agent.answers.add("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n");
        try (SSLSocket s = clientSocket()) {
            send(s, "GET /api/v1/namespaces/default/pods/web/exec?command=date&stdout=true&stderr=true HTTP/1.1\r\n"
                    + "Host: x\r\nAuthorization: Bearer " + server.server().pki().adminToken() + "\r\n"
                    + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Protocol: v5.channel.k8s.io,v4.channel.k8s.io\r\n\r\n");
            assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 101 Switching Protocols\r\n")
                    .contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
                            "Sec-WebSocket-Protocol: v5.channel.k8s.io");
        }
        FakeAgent.Seen seen = agent.seen.poll(10, TimeUnit.SECONDS);
        assertThat(seen).isNotNull();
        assertThat(seen.head()).startsWith("POST /exec/default/web/app?command=date&stdout=1&stderr=1 HTTP/1.1\r\n")
                .contains("Upgrade: SPDY/3.1", "X-Stream-Protocol-Version: v4.channel.k8s.io");
        assertThat(seen.head().toLowerCase()).doesNotContain("sec-websocket", "authorization");
    }

    @Test
    void portForwardPortsBecomeTheKubeletsPortParameters() throws Exception {
        agent.answers.add("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        try (SSLSocket s = clientSocket()) {
            send(s, "GET /api/v1/namespaces/default/pods/web/portforward?ports=8080,9090 HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + server.server().pki().adminToken() + "\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n");
            assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 101 ");
        }
        FakeAgent.Seen seen = agent.seen.poll(10, TimeUnit.SECONDS);
        assertThat(seen.head()).startsWith("GET /portForward/default/web?port=8080&port=9090 HTTP/1.1\r\n")
                .contains("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol: v4.channel.k8s.io");
    }

    @Test
    void aRefusedUpgradeBecomesAStatus() {
        agent.answers.add("HTTP/1.1 403 Forbidden\r\n\r\nrequested protocol(s) are not supported: "
                + "[v5.channel.k8s.io]");
        HttpResponse<String> r = server.send(server.request(
                "/api/v1/namespaces/default/pods/web/exec?command=true").POST(
                java.net.http.HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode status = Json.MAPPER.readTree(r.body());
        assertThat(status.get("kind").asString()).isEqualTo("Status");
        assertThat(status.get("message").asString())
                .isEqualTo("requested protocol(s) are not supported: [v5.channel.k8s.io]");
    }

    @Test
    void optionsAreCheckedBeforeTheNodeIsAsked() {
        assertThat(message(server.get("/api/v1/namespaces/default/pods/web/exec?stdout=true"), 400))
                .isEqualTo("you must specify at least one command for the container");
        assertThat(message(server.get("/api/v1/namespaces/default/pods/web/exec?command=ls&container=db"), 400))
                .isEqualTo("container db is not valid for pod web");
        assertThat(message(server.get("/api/v1/namespaces/default/pods/web/attach?stdout=false&stderr=false"), 400))
                .isEqualTo("you must specify at least 1 of stdin, stdout, stderr");
        assertThat(message(server.get("/api/v1/namespaces/default/pods/pending/exec?command=ls"), 400))
                .isEqualTo("pod pending does not have a host assigned");
        assertThat(message(server.get("/api/v1/namespaces/default/pods/nope/portforward"), 404))
                .isEqualTo("pods \"nope\" not found");
        assertThat(message(server.get("/api/v1/namespaces/default/pods/web/portforward?ports=0"), 400))
                .isEqualTo("port 0 must be between 1 and 65535, inclusive");
        assertThat(server.delete("/api/v1/namespaces/default/pods/web/exec").statusCode()).isEqualTo(405);
        assertThat(agent.seen).isEmpty();
    }

    @Test
    void openingAStreamIsAuthorizedAsCreateWhateverTheMethod() {
        for (String method : List.of("GET", "POST")) {
            for (String sub : List.of("exec", "attach", "portforward")) {
                String path = "/api/v1/namespaces/default/pods/web/" + sub;
                ApiRequest req = new ApiRequest(method, path, Map.of(), new ApiRequest.Headers() {
                    @Override
                    public String get(String name) {
                        return null;
                    }

                    @Override
                    public java.util.Set<String> names() {
                        return java.util.Set.of();
                    }
                }, new byte[0]);
                assertThat(RequestAttributes.of(req, UserInfo.ANONYMOUS, path, RequestInfo.parse(path)).verb())
                        .as(method + " " + sub).isEqualTo("create");
            }
        }
        String log = "/api/v1/namespaces/default/pods/web/log";
        ApiRequest get = new ApiRequest("GET", log, Map.of(), new ApiRequest.Headers() {
            @Override
            public String get(String name) {
                return null;
            }

            @Override
            public java.util.Set<String> names() {
                return java.util.Set.of();
            }
        }, new byte[0]);
        assertThat(RequestAttributes.of(get, UserInfo.ANONYMOUS, log, RequestInfo.parse(log)).verb()).isEqualTo("get");
    }

    private static String message(HttpResponse<String> r, int code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(code);
        return Json.MAPPER.readTree(r.body()).get("message").asString();
    }

    private static SSLSocket clientSocket() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), new SecureRandom());
        URI u = URI.create(server.url());
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(u.getHost(), u.getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    private static void send(SSLSocket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.write(c);
            String s = b.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * A node agent that answers each connection with the next canned response head, then (after 101) echoes what
     * it receives; it records the request head and the client certificate's subject.
     */
    static final class FakeAgent implements AutoCloseable {
        record Seen(String head, String client) {
        }

        final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
        private final SSLServerSocket socket;
        private final Thread acceptor;

        FakeAgent() throws Exception {
            SelfSignedCertificate ssc = new SelfSignedCertificate("agent");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("agent", ssc.key(), new char[0], new X509Certificate[] {ssc.cert()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), new SecureRandom());
            socket = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 8,
                    InetAddress.getLoopbackAddress());
            socket.setWantClientAuth(true);
            acceptor = Thread.ofVirtual().start(this::accept);
        }

        int port() {
            return socket.getLocalPort();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    SSLSocket s = (SSLSocket) socket.accept();
                    Thread.ofVirtual().start(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(SSLSocket s) {
            try (s) {
                String head = readHead(s.getInputStream());
                String client = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal()
                        .getName();
                seen.add(new Seen(head, client));
                String answer = answers.poll(5, TimeUnit.SECONDS);
                s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                if (answer.startsWith("HTTP/1.1 101")) {
                    s.getInputStream().transferTo(s.getOutputStream());
                }
            } catch (Exception e) {
                // The test sees what it needs through the queues.
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            acceptor.interrupt();
        }
    }
}
