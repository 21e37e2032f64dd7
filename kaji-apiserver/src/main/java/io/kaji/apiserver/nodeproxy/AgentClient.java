package io.kaji.apiserver.nodeproxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * HTTPS requests from the API server to node agents (the kubelet port), authenticated with
 * {@link AgentCredentials}: plain requests ({@link #get}, for pods/log) and upgrades ({@link #upgrade}, for exec,
 * attach and port-forward, relayed on this client's own event loops until {@link #close}). Agents serve self-signed certificates, so, like kube-apiserver without
 * {@code --kubelet-certificate-authority}, the agent's certificate is not verified: the connection is encrypted,
 * and the agent authenticates the API server, not the reverse. Thread-safe; one instance per API server.
 */
public final class AgentClient implements AutoCloseable {

    /** How long an agent may take to answer an upgrade (it asks the CRI first). */
    private static final Duration UPGRADE_ANSWER_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final SSLContext tls;
    private final Duration connectTimeout;
    /** The event loops of upgraded connections (exec, attach, port-forward), made at the first one. */
    private volatile EventLoopGroup streamLoops;

    public AgentClient(AgentCredentials credentials, Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
        this.tls = sslContext(credentials);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .sslContext(tls).build();
    }

    /**
     * Sends an upgrade request ({@code Upgrade: SPDY/3.1} or {@code websocket}) to an agent and returns its answer;
     * on 101 the answer holds the open connection for {@link AgentUpgrade#relay}. Blocking until the agent answered.
     *
     * @param headers the headers to send besides {@code Host} (the upgrade and protocol headers)
     * @throws IOException if the agent cannot be reached or does not answer in time
     */
    public AgentUpgrade.Answer upgrade(String host, int port, String method, String pathAndQuery,
                                       List<Map.Entry<String, String>> headers)
            throws IOException, InterruptedException {
        byte[] head = AgentUpgrade.requestHead(method, host, port, pathAndQuery, headers);
        return AgentUpgrade.send(loops(), tls, host, port, head, connectTimeout, UPGRADE_ANSWER_TIMEOUT);
    }

    private EventLoopGroup loops() {
        EventLoopGroup g = streamLoops;
        if (g == null) {
            synchronized (this) {
                g = streamLoops;
                if (g == null) {
                    g = new NioEventLoopGroup(2, Thread.ofPlatform().name("kaji-node-streams-", 0).daemon(true)
                            .factory());
                    streamLoops = g;
                }
            }
        }
        return g;
    }

    /**
     * Sends {@code GET https://host:port<pathAndQuery>} and returns once the response headers arrived; the body
     * streams. Blocking.
     *
     * @throws IOException if the agent cannot be reached or the connection fails
     */
    public HttpResponse<InputStream> get(String host, int port, String pathAndQuery)
            throws IOException, InterruptedException {
        String h = host.contains(":") ? "[" + host + "]" : host;
        HttpRequest req = HttpRequest.newBuilder(URI.create("https://" + h + ":" + port + pathAndQuery))
                .header("Accept", "*/*").GET().build();
        return http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Ends every relayed exec, attach and port-forward connection; {@code pods/log} requests are unaffected. */
    @Override
    public void close() {
        EventLoopGroup g;
        synchronized (this) {
            g = streamLoops;
            streamLoops = null;
        }
        if (g != null) {
            g.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    private static SSLContext sslContext(AgentCredentials c) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("agent-client", c.key(), new char[0], c.chain().toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), new TrustManager[] {new AnyAgent()}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS to node agents: " + e.getMessage(), e);
        }
    }

    /** Accepts any agent certificate (and, being an extended trust manager, skips the host name check). */
    private static final class AnyAgent extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
