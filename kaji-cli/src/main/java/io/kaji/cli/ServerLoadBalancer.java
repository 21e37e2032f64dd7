package io.kaji.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.HttpsURLConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's client-side load balancer for several API servers (like k3s' agent load balancer): a TCP proxy on
 * {@code 127.0.0.1} (a free port) that forwards each new connection to the first healthy server in the given
 * order, trying the next one when a connect fails. A periodic health check (TCP connect plus {@code GET /readyz})
 * marks servers up (one success) and down (two failures in a row, or one refused connect); when a server goes down, the connections through it are closed so that clients
 * (fabric8's informers and watches) reconnect, and their new connections reach a live server.
 *
 * <p>TLS stays end to end between the agent's client and the server (the proxy only copies bytes), so the client
 * still verifies the server's certificate; every Kaji serving certificate covers 127.0.0.1. The health probe sends
 * no credentials and does not verify the certificate: it only asks whether something answers like an API server.
 *
 * <p>Thread-safe. {@link #start} binds and returns; connections are served on virtual threads.
 */
final class ServerLoadBalancer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServerLoadBalancer.class);
    private static final int FAILURES_TO_MARK_DOWN = 2;

    /** Whether a server is usable; must answer within a few seconds. */
    @FunctionalInterface
    interface HealthCheck {
        boolean healthy(InetSocketAddress server);
    }

    /** Timeouts and intervals; {@link #defaults()} for the agent. */
    record Options(Duration connectTimeout, Duration healthInterval, HealthCheck healthCheck) {
        Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(healthInterval, "healthInterval");
            Objects.requireNonNull(healthCheck, "healthCheck");
        }

        /** Connects time out after 2 s, health every 2 s with {@link #readyz}. */
        static Options defaults() {
            return new Options(Duration.ofSeconds(2), Duration.ofSeconds(2), readyz(Duration.ofSeconds(2)));
        }
    }

    private final List<Backend> backends;
    private final Options options;
    private final ServerSocket listener;
    private final ScheduledExecutorService health;
    private volatile Backend inUse;
    private volatile boolean closed;

    /** One server: its address, its health, the connections open to it. */
    private static final class Backend {
        final String name;
        final InetSocketAddress address;
        volatile boolean healthy = true;
        /** Health checks failed in a row (only the health thread writes it). */
        int failedChecks;
        final Set<Socket> connections = ConcurrentHashMap.newKeySet();

        Backend(String name, InetSocketAddress address) {
            this.name = name;
            this.address = address;
        }
    }

    private ServerLoadBalancer(List<Backend> backends, Options options, ServerSocket listener) {
        this.backends = backends;
        this.options = options;
        this.listener = listener;
        this.health = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-agent-lb-health").daemon(true).factory());
    }

    /**
     * Listens on 127.0.0.1 (a free port) and forwards to {@code servers} (https URLs; host and port are used).
     *
     * @throws IllegalArgumentException when a URL has no host
     */
    static ServerLoadBalancer start(List<String> servers, Options options) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("the load balancer needs at least one server URL");
        }
        List<Backend> backends = new ArrayList<>();
        for (String s : servers) {
            URI uri = URI.create(s.trim());
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("--server: \"" + s + "\" is not a URL like https://HOST:6443");
            }
            int port = uri.getPort() > 0 ? uri.getPort() : 443;
            backends.add(new Backend(s.trim(), InetSocketAddress.createUnresolved(uri.getHost(), port)));
        }
        ServerSocket listener;
        try {
            listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("agent load balancer: cannot listen on 127.0.0.1: " + e.getMessage(), e);
        }
        ServerLoadBalancer lb = new ServerLoadBalancer(List.copyOf(backends), options, listener);
        Thread.ofPlatform().name("kaji-agent-lb-accept").daemon(true).start(lb::acceptLoop);
        long every = options.healthInterval().toMillis();
        lb.health.scheduleWithFixedDelay(lb::checkHealth, 0, every, TimeUnit.MILLISECONDS);
        log.info("agent load balancer on {} for servers {}", lb.localUrl(), servers);
        return lb;
    }

    /** The URL clients use: {@code https://127.0.0.1:<port>}. */
    String localUrl() {
        return "https://127.0.0.1:" + listener.getLocalPort();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** The server the last new connection went to, or null before the first. */
    String serverInUse() {
        Backend b = inUse;
        return b == null ? null : b.name;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("agent load balancer: accept failed: {}", e.getMessage());
                    // E.g. out of file descriptors: do not spin.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
                continue;
            }
            Thread.ofVirtual().name("kaji-agent-lb-conn").start(() -> forward(client));
        }
    }

    private void forward(Socket client) {
        for (Backend b : candidates()) {
            Socket upstream = new Socket();
            try {
                upstream.connect(resolve(b.address), (int) options.connectTimeout().toMillis());
            } catch (IOException e) {
                closeQuietly(upstream);
                markDown(b, "connect failed: " + e.getMessage());
                continue;
            }
            use(b);
            pipe(client, upstream, b);
            return;
        }
        log.warn("agent load balancer: no server reachable of {}; closing the connection",
                backends.stream().map(x -> x.name).toList());
        closeQuietly(client);
    }

    /** Healthy servers in order, then the others (a server just marked down may already be back). */
    private List<Backend> candidates() {
        List<Backend> out = new ArrayList<>();
        backends.stream().filter(b -> b.healthy).forEach(out::add);
        backends.stream().filter(b -> !b.healthy).forEach(out::add);
        return out;
    }

    private void use(Backend b) {
        Backend previous = inUse;
        if (previous != b) {
            inUse = b;
            if (previous == null) {
                log.info("agent load balancer: using server {}", b.name);
            } else {
                log.info("agent load balancer: now using server {} (was {})", b.name, previous.name);
            }
        }
    }

    private void pipe(Socket client, Socket upstream, Backend b) {
        b.connections.add(client);
        b.connections.add(upstream);
        Runnable end = () -> {
            closeQuietly(client);
            closeQuietly(upstream);
            b.connections.remove(client);
            b.connections.remove(upstream);
        };
        try {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
        } catch (IOException e) {
            end.run();
            return;
        }
        Thread.ofVirtual().name("kaji-agent-lb-up").start(() -> copy(client, upstream, end));
        copy(upstream, client, end);
    }

    private static void copy(Socket from, Socket to, Runnable end) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // A reset or a closed socket ends this connection either way.
        } finally {
            end.run();
        }
    }

    private void checkHealth() {
        for (Backend b : backends) {
            if (closed) {
                return;
            }
            boolean ok;
            try {
                ok = options.healthCheck().healthy(b.address);
            } catch (RuntimeException e) {
                ok = false;
            }
            if (ok) {
                b.failedChecks = 0;
                if (!b.healthy) {
                    b.healthy = true;
                    log.info("agent load balancer: server {} is healthy again", b.name);
                }
            } else if (++b.failedChecks >= FAILURES_TO_MARK_DOWN) {
                // One slow answer from a loaded server should not cut every watch it serves; a refused connect
                // (a dead process) marks it down at once in forward().
                markDown(b, b.failedChecks + " health checks failed in a row");
            }
        }
    }

    private void markDown(Backend b, String why) {
        if (b.healthy) {
            b.healthy = false;
            log.warn("agent load balancer: server {} is down ({}); closing its {} connection(s)", b.name, why,
                    b.connections.size() / 2);
        }
        // Clients then reconnect through us and reach a live server; a half-dead server must not hold them.
        for (Socket s : List.copyOf(b.connections)) {
            closeQuietly(s);
        }
    }

    private static InetSocketAddress resolve(InetSocketAddress a) {
        return a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing
        }
    }

    /** TCP connect plus {@code GET /readyz} answering 200 (unauthenticated, certificate not verified). */
    static HealthCheck readyz(Duration timeout) {
        return server -> {
            InetSocketAddress a = resolve(server);
            try {
                URI uri = URI.create("https://" + (a.getHostString().contains(":") ? "[" + a.getHostString() + "]"
                        : a.getHostString()) + ":" + a.getPort() + "/readyz");
                HttpsURLConnection c = (HttpsURLConnection) uri.toURL().openConnection();
                c.setSSLSocketFactory(NodeJoin.unverified().getSocketFactory());
                c.setHostnameVerifier((host, session) -> true);
                c.setConnectTimeout((int) timeout.toMillis());
                c.setReadTimeout((int) timeout.toMillis());
                try {
                    int code = c.getResponseCode();
                    c.getInputStream().close();
                    return code == HttpURLConnection.HTTP_OK;
                } finally {
                    c.disconnect();
                }
            } catch (IOException e) {
                return false;
            }
        };
    }

    /** A plain TCP connect within {@code timeout}. */
    static HealthCheck tcpConnect(Duration timeout) {
        return server -> {
            try (Socket s = new Socket()) {
                s.connect(resolve(server), (int) timeout.toMillis());
                return true;
            } catch (IOException e) {
                return false;
            }
        };
    }

    @Override
    public void close() {
        closed = true;
        health.shutdownNow();
        try {
            listener.close();
        } catch (IOException e) {
            // closing
        }
        for (Backend b : backends) {
            List.copyOf(b.connections).forEach(ServerLoadBalancer::closeQuietly);
        }
    }
}
