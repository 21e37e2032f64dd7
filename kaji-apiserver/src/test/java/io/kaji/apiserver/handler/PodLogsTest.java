package io.kaji.apiserver.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.http.Exchange;
import io.kaji.apiserver.http.ResponseStream;
import io.kaji.apiserver.nodeproxy.AgentClient;
import io.kaji.apiserver.nodeproxy.AgentCredentials;
import io.kaji.apiserver.registry.BuiltinResources;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import io.kaji.store.RevisionedStore;
import io.kaji.store.sqlite.SqliteStore;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** pods/log against a fake agent endpoint over real TLS with the cluster CA's client certificate. */
class PodLogsTest {

    @TempDir
    static Path dir;
    static RevisionedStore store;
    static ResourceRegistry registry;
    static ObjectStorage storage;
    static ResourceDefinition pods;
    static HttpsServer agent;
    static final List<String> seenPaths = new CopyOnWriteArrayList<>();
    static final List<String> seenClients = new CopyOnWriteArrayList<>();
    static final CountDownLatch secondLine = new CountDownLatch(1);
    static final CountDownLatch clientLeft = new CountDownLatch(1);
    static final CompletableFuture<Boolean> followClientGone = new CompletableFuture<>();
    static PodLogs logs;

    @BeforeAll
    static void start() throws Exception {
        store = SqliteStore.open(dir.resolve("db"));
        registry = BuiltinResources.registry(null);
        storage = new ObjectStorage(store);
        pods = registry.find("", "v1", "pods").orElseThrow();
        KeyPair caKey = keyPair();
        X500Name caName = new X500Name("CN=test-ca");
        var b = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, Date.from(Instant.now().minusSeconds(60)),
                Date.from(Instant.now().plusSeconds(3600)), caName, caKey.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        X509Certificate ca = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        agent = fakeAgent(ca, caKey);
        logs = new PodLogs(registry, storage);
        logs.connect(new AgentClient(AgentCredentials.issue(ca, caKey.getPrivate()), Duration.ofSeconds(2)));
        node("n1", agent.getAddress().getPort());
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        node("n-down", closedPort);
        pod("web", "n1", List.of("app"), List.of());
        pod("multi", "n1", List.of("app", "sidecar"), List.of("init"));
        pod("pending", null, List.of("app"), List.of());
        pod("orphan", "n-gone", List.of("app"), List.of());
        pod("down", "n-down", List.of("app"), List.of());
    }

    @AfterAll
    static void stop() {
        agent.stop(0);
        store.close();
    }

    @Test
    void streamsTheAgentsAnswerAndPassesTheOptions() {
        Captured c = serve(logs, "web", Map.of("tailLines", "2", "timestamps", "true", "pretty", "x"));
        assertThat(c.streamed()).isEqualTo("line 1\nline 2\n");
        assertThat(c.contentType).isEqualTo("text/plain");
        assertThat(c.ended).isTrue();
        assertThat(seenPaths).contains("/containerLogs/default/web/app?tailLines=2&timestamps=true");
        assertThat(seenClients).allMatch(s -> s.contains("CN=kube-apiserver-kubelet-client"));
    }

    @Test
    void followKeepsStreamingAndEndsWhenTheClientLeaves() throws Exception {
        Captured c = new Captured();
        CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> logs.serve(pods, "default", "web",
                request(Map.of("follow", "true", "container", "app")), c));
        await().atMost(Duration.ofSeconds(5)).until(() -> c.streamed().equals("first\n"));
        secondLine.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> c.streamed().equals("first\nsecond\n"));
        assertThat(serving).isNotDone();
        c.clientLeaves();
        serving.get(5, TimeUnit.SECONDS);
        assertThat(c.ended).isTrue();
        clientLeft.countDown();
        assertThat(followClientGone.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aContainerMustBeNamedForMultiContainerPods() {
        assertThatThrownBy(() -> serve(logs, "multi", Map.of())).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(400);
            assertThat(e.reason()).isEqualTo("BadRequest");
            assertThat(e.getMessage()).isEqualTo("a container name must be specified for pod multi, choose one of: "
                    + "[app sidecar] or one of the init containers: [init]");
        });
        assertThatThrownBy(() -> serve(logs, "multi", Map.of("container", "db")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("container db is not valid for pod multi");
                });
        assertThat(serve(logs, "multi", Map.of("container", "sidecar")).streamed()).isEqualTo("sidecar line\n");
    }

    @Test
    void errorsAreStatusesThatSayWhy() {
        assertThatThrownBy(() -> serve(logs, "nope", Map.of())).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(404);
            assertThat(e.getMessage()).isEqualTo("pods \"nope\" not found");
        });
        assertThatThrownBy(() -> serve(logs, "pending", Map.of())).isInstanceOfSatisfying(ApiException.class,
                e -> {
                    assertThat(e.code()).isEqualTo(503);
                    assertThat(e.getMessage()).startsWith("pod pending is not scheduled to a node yet");
                });
        assertThatThrownBy(() -> serve(logs, "orphan", Map.of())).isInstanceOfSatisfying(ApiException.class,
                e -> {
                    assertThat(e.code()).isEqualTo(503);
                    assertThat(e.getMessage()).isEqualTo("node \"n-gone\" of pod orphan is not registered; is its "
                            + "agent running?");
                });
        assertThatThrownBy(() -> serve(logs, "down", Map.of())).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(503);
            assertThat(e.getMessage()).startsWith("cannot reach the agent of node \"n-down\" at 127.0.0.1:");
        });
        assertThatThrownBy(() -> serve(logs, "web", Map.of("previous", "true")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("previous terminated container \"app\" in pod \"web\" not "
                            + "found");
                });
        PodLogs unwired = new PodLogs(registry, storage);
        assertThatThrownBy(() -> serve(unwired, "web", Map.of())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(503));
    }

    private static Captured serve(PodLogs logs, String pod, Map<String, String> params) {
        Captured c = new Captured();
        logs.serve(pods, "default", pod, request(params), c);
        return c;
    }

    private static ApiRequest request(Map<String, String> params) {
        Map<String, List<String>> q = new HashMap<>();
        params.forEach((k, v) -> q.put(k, List.of(v)));
        return new ApiRequest("GET", "/api/v1/namespaces/default/pods/x/log", q, name -> null, null);
    }

    private static void node(String name, int port) {
        ObjectNode n = Json.parseObject(("""
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"%s"},"status":{
                 "addresses":[{"type":"Hostname","address":"%s"},{"type":"InternalIP","address":"127.0.0.1"}],
                 "daemonEndpoints":{"kubeletEndpoint":{"Port":%d}}}}""").formatted(name, name, port)
                .getBytes(StandardCharsets.UTF_8));
        storage.create(registry.find("", "v1", "nodes").orElseThrow(), null, name, n);
    }

    private static void pod(String name, String node, List<String> containers, List<String> init) {
        ObjectNode p = Json.object();
        p.put("apiVersion", "v1");
        p.put("kind", "Pod");
        p.putObject("metadata").put("name", name).put("namespace", "default");
        ObjectNode spec = p.putObject("spec");
        if (node != null) {
            spec.put("nodeName", node);
        }
        containers.forEach(c -> spec.withArray("containers").addObject().put("name", c).put("image", "busybox"));
        init.forEach(c -> spec.withArray("initContainers").addObject().put("name", c).put("image", "busybox"));
        storage.create(pods, "default", name, p);
    }

    /** An agent endpoint: records the caller's certificate subject and path, answers like the kubelet. */
    private static HttpsServer fakeAgent(X509Certificate ca, KeyPair caKey) throws Exception {
        KeyPair kp = keyPair();
        X500Name n = new X500Name("CN=n1");
        var b = new JcaX509v3CertificateBuilder(n, BigInteger.TWO, Date.from(Instant.now().minusSeconds(60)),
                Date.from(Instant.now().plusSeconds(3600)), n, kp.getPublic());
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("s", kp.getPrivate(), new char[0], new java.security.cert.Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        s.setHttpsConfigurator(new HttpsConfigurator(ssl) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ssl.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        s.setExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory()));
        s.createContext("/", PodLogsTest::answer);
        s.start();
        return s;
    }

    private static void answer(HttpExchange ex) throws java.io.IOException {
        try (ex) {
            seenClients.add(((HttpsExchange) ex).getSSLSession().getPeerPrincipal().getName());
            String uri = ex.getRequestURI().toString();
            seenPaths.add(uri);
            if (uri.startsWith("/containerLogs/default/web/app?follow=true")) {
                ex.sendResponseHeaders(200, 0);
                var out = ex.getResponseBody();
                out.write("first\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                secondLine.await(10, TimeUnit.SECONDS);
                out.write("second\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                // Like the agent's follow loop: the next line after the client left fails to write.
                clientLeft.await(10, TimeUnit.SECONDS);
                try {
                    for (int i = 0; i < 100; i++) {
                        Thread.sleep(50);
                        out.write("late\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                    followClientGone.complete(false);
                } catch (java.io.IOException e) {
                    followClientGone.complete(true);
                }
                return;
            }
            String body;
            int status = 200;
            if (uri.equals("/containerLogs/default/web/app?previous=true")) {
                status = 400;
                body = "previous terminated container \"app\" in pod \"web\" not found\n";
            } else if (uri.startsWith("/containerLogs/default/multi/sidecar")) {
                body = "sidecar line\n";
            } else {
                body = "line 1\nline 2\n";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, status == 200 ? 0 : bytes.length);
            ex.getResponseBody().write(bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** An exchange that records a stream's chunks; {@link #clientLeaves} closes it as a departing client would. */
    static final class Captured implements Exchange {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Runnable> onClose = new ArrayList<>();
        volatile String contentType;
        volatile boolean ended;
        volatile boolean gone;

        @Override
        public void respond(ApiResponse response) {
            throw new AssertionError("expected a stream, got " + response.status());
        }

        @Override
        public ResponseStream startStream(String type, List<String> warnings) {
            contentType = type;
            return new ResponseStream() {
                @Override
                public boolean write(byte[] chunk) {
                    synchronized (bytes) {
                        bytes.writeBytes(chunk);
                    }
                    return !gone;
                }

                @Override
                public void end() {
                    ended = true;
                }

                @Override
                public boolean closed() {
                    return ended || gone;
                }

                @Override
                public synchronized void onClose(Runnable action) {
                    onClose.add(action);
                }
            };
        }

        String streamed() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }

        synchronized void clientLeaves() {
            gone = true;
            onClose.forEach(Runnable::run);
        }
    }
}
