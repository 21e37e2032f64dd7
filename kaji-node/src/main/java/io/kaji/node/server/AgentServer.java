package io.kaji.node.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.kaji.node.logs.ContainerLogStreamer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's HTTPS endpoint (the kubelet's port 10250), through which the API server reaches the node for
 * pods/log. Serves {@code GET /containerLogs/{namespace}/{pod}/{container}} with the kubelet's query parameters
 * ({@link LogQuery}) as {@code text/plain}, chunked, flushed per batch of lines, following the file with
 * {@code follow=true}. Callers authenticate with a client certificate issued by a trusted CA (see
 * {@link AgentTls}); a request without one gets 401, a certificate whose subject is not the API server's
 * kubelet client ({@link #API_SERVER_CLIENT}) or in group {@code system:masters} gets 403. Errors are plain text
 * with the status, as the kubelet's. {@link #start} binds; {@link #close} stops it and ends open streams.
 */
public final class AgentServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentServer.class);

    /** The common name of the client certificate the API server presents to agents. */
    public static final String API_SERVER_CLIENT = "kube-apiserver-kubelet-client";
    private static final Set<String> ADMIN_GROUPS = Set.of("system:masters");

    /**
     * @param bindAddress        the address to listen on (0.0.0.0: every address, as the kubelet)
     * @param port               the port (kubelet: 10250); 0 picks a free one
     * @param fallbackToFreePort if {@code port} is taken, listen on a free one instead (several agents on one
     *                           machine; the Node reports the actual port) rather than fail
     * @param pollInterval       how often a followed log is checked for new lines
     */
    public record Options(String bindAddress, int port, boolean fallbackToFreePort, Duration pollInterval) {
        public static final int DEFAULT_PORT = 10250;

        public static Options defaults() {
            return new Options("0.0.0.0", DEFAULT_PORT, true, Duration.ofMillis(100));
        }

        public Options withPort(int p) {
            return new Options(bindAddress, p, fallbackToFreePort, pollInterval);
        }
    }

    private final HttpsServer server;
    private final ExecutorService workers;
    private final ContainerLogs logs;
    private final Options options;
    private final Clock clock;
    private volatile boolean closed;

    private AgentServer(HttpsServer server, ExecutorService workers, ContainerLogs logs, Options options,
                        Clock clock) {
        this.server = server;
        this.workers = workers;
        this.logs = logs;
        this.options = options;
        this.clock = clock;
    }

    /** Binds and starts serving. Throws {@link IllegalStateException} naming the address if it cannot listen. */
    public static AgentServer start(SSLContext ssl, ContainerLogs logs, Options options, Clock clock) {
        HttpsServer s;
        try {
            s = bind(options.bindAddress(), options.port());
        } catch (BindException e) {
            if (!options.fallbackToFreePort() || options.port() == 0) {
                throw new IllegalStateException("agent endpoint: cannot listen on " + options.bindAddress() + ":"
                        + options.port() + ": " + e.getMessage() + " (another agent or kubelet on this machine?)", e);
            }
            try {
                s = bind(options.bindAddress(), 0);
            } catch (IOException e2) {
                throw new IllegalStateException("agent endpoint: cannot listen on " + options.bindAddress() + ": "
                        + e2.getMessage(), e2);
            }
            log.warn("agent endpoint: port {} is taken (another agent on this machine?); listening on {} instead, "
                    + "reported in the Node's daemonEndpoints", options.port(), s.getAddress().getPort());
        } catch (IOException e) {
            throw new IllegalStateException("agent endpoint: cannot listen on " + options.bindAddress() + ":"
                    + options.port() + ": " + e.getMessage(), e);
        }
        s.setHttpsConfigurator(new HttpsConfigurator(ssl) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ssl.getDefaultSSLParameters();
                // Want, not need: a caller without a certificate gets a 401 it can read, not a handshake error.
                p.setWantClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        ExecutorService workers = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("kaji-agent-endpoint-", 0).factory());
        s.setExecutor(workers);
        AgentServer server = new AgentServer(s, workers, logs, options, clock);
        s.createContext("/", server::handle);
        s.start();
        log.info("agent endpoint listening on https://{}:{}", options.bindAddress(), s.getAddress().getPort());
        return server;
    }

    private static HttpsServer bind(String address, int port) throws IOException {
        return HttpsServer.create(new InetSocketAddress(address, port), 64);
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String user = authenticate((HttpsExchange) ex);
            if (user == null) {
                text(ex, 401, "Unauthorized");
                return;
            }
            if (user.isEmpty()) {
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            if (!path.startsWith("/containerLogs/")) {
                text(ex, 404, "404 page not found");
                return;
            }
            if (!ex.getRequestMethod().equals("GET")) {
                text(ex, 405, "method " + ex.getRequestMethod() + " not allowed on " + path);
                return;
            }
            String[] parts = path.substring("/containerLogs/".length()).split("/", -1);
            if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
                text(ex, 400, "expected /containerLogs/{namespace}/{pod}/{container}, got " + path);
                return;
            }
            containerLogs(ex, decode(parts[0]), decode(parts[1]), decode(parts[2]));
        } catch (IOException e) {
            log.debug("agent endpoint: {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.getMessage());
        } catch (RuntimeException e) {
            log.warn("agent endpoint: {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
        }
    }

    /**
     * The caller's name: null without a client certificate, empty after answering 403 for a certificate that is
     * not allowed here.
     */
    private String authenticate(HttpsExchange ex) throws IOException {
        Certificate[] peers;
        try {
            peers = ex.getSSLSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (peers.length == 0 || !(peers[0] instanceof X509Certificate cert)) {
            return null;
        }
        String cn = "";
        boolean admin = false;
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    cn = String.valueOf(rdn.getValue());
                } else if (rdn.getType().equalsIgnoreCase("O") && ADMIN_GROUPS.contains(String.valueOf(rdn.getValue()))) {
                    admin = true;
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        if (!cn.equals(API_SERVER_CLIENT) && !admin) {
            // The kubelet's wording for an authorization refusal.
            text(ex, 403, "Forbidden (user=" + cn + ", verb=get, resource=nodes, subresource=log)");
            return "";
        }
        return cn;
    }

    private void containerLogs(HttpExchange ex, String ns, String pod, String container) throws IOException {
        LogQuery q;
        try {
            q = LogQuery.parse(query(ex.getRequestURI().getRawQuery()), clock.instant());
        } catch (IllegalArgumentException e) {
            text(ex, 400, e.getMessage());
            return;
        }
        ContainerLogs.Result r = logs.find(ns, pod, container, q.previous());
        if (r instanceof ContainerLogs.Refused refused) {
            text(ex, refused.status(), refused.message());
            return;
        }
        ContainerLogs.Found found = (ContainerLogs.Found) r;
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            ContainerLogStreamer.copy(found.file(), q.options(), out,
                    () -> closed || logs.writerDone(found), options.pollInterval());
        } catch (java.nio.file.NoSuchFileException e) {
            log.debug("log of {} container {} attempt {} is gone", found.pod(), container, found.attempt());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void text(HttpExchange ex, int status, String message) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.putIfAbsent(k, v);
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** Stops listening; open log streams end within one poll interval. */
    @Override
    public void close() {
        closed = true;
        server.stop(0);
        workers.shutdownNow();
    }
}
