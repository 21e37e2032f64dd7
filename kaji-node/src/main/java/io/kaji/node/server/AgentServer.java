package io.kaji.node.server;

import io.kaji.netty.ByteRelay;
import io.kaji.node.logs.ContainerLogStreamer;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's HTTPS endpoint (the kubelet's port 10250), through which the API server reaches the node for
 * pods/log, pods/exec, pods/attach and pods/portforward. On Netty, because the streaming endpoints end in an HTTP
 * upgrade.
 *
 * <ul>
 *   <li>{@code GET /containerLogs/{namespace}/{pod}/{container}} with the kubelet's query parameters
 *       ({@link LogQuery}): {@code text/plain}, chunked, flushed per batch of lines, following the file with
 *       {@code follow=true}.</li>
 *   <li>{@code /exec/…}, {@code /attach/…} and {@code /portForward/…} ({@link StreamRequest}), GET or POST with
 *       {@code Upgrade: SPDY/3.1} or {@code websocket}: like the kubelet, the agent asks the CRI for a one-time URL
 *       of containerd's streaming server ({@link ContainerStreams}), sends it the client's upgrade request with its
 *       protocol headers, and then copies bytes both ways ({@link ByteRelay}). Whatever containerd answers (101
 *       with the protocol it chose, or a refusal such as 403 for a WebSocket sub-protocol it does not speak) reaches
 *       the caller unchanged, so clients negotiate and fall back exactly as against a kubelet.</li>
 *   <li>{@code GET /stats/summary} once {@link #serveStats} is called: CPU and memory of the node and its
 *       containers (the kubelet's Summary API, what metrics.k8s.io is computed from).</li>
 *   <li>{@code GET /metrics/resource} once {@link #serveResourceMetrics} is called: the same figures in the
 *       Prometheus text format, as the kubelet serves them to metrics-server; {@code GET /metrics/cadvisor} once
 *       {@link #serveCadvisorMetrics} is called: the containers' cAdvisor series Prometheus scrapes;
 *       {@code GET /metrics} once {@link #serveKubeletMetrics} is called: the kubelet's own series.</li>
 * </ul>
 *
 * <p>Callers authenticate with a client certificate issued by a trusted CA (see {@link AgentTls}) or, once
 * {@link #delegateAuth} is called, a bearer token the API server authenticates; the API server's kubelet client
 * ({@link #API_SERVER_CLIENT}) and {@code system:masters} may do anything, anyone else what a SubjectAccessReview
 * allows ({@link AgentAuth}). A request without credentials gets 401, a refused one 403. Errors are plain text with
 * the status, as the kubelet's. Each connection serves one request and is closed after it. {@link #start} binds;
 * {@link #close} stops it and ends open streams.
 */
public final class AgentServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentServer.class);

    /** The common name of the client certificate the API server presents to agents. */
    public static final String API_SERVER_CLIENT = "kube-apiserver-kubelet-client";
    /** Requests here carry no body worth more (upgrade requests have none). */
    private static final int MAX_REQUEST_BYTES = 64 * 1024;
    /** Headers that describe one hop, not the request: never forwarded to the runtime. */
    private static final Set<String> HOP_HEADERS = Set.of("host", "content-length", "transfer-encoding",
            "keep-alive", "proxy-connection", "te", "trailer", "authorization");

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

    private final EventLoopGroup loops;
    private final ExecutorService workers;
    private final SSLContext ssl;
    private final ContainerLogs logs;
    private final ContainerStreams streams;
    private final Options options;
    private final Clock clock;
    private final Set<Channel> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private Channel serverChannel;
    private volatile boolean closed;
    private volatile java.util.function.Supplier<byte[]> summary;
    private volatile java.util.function.Supplier<String> resourceMetrics;
    private volatile java.util.function.Supplier<String> cadvisorMetrics;
    private volatile java.util.function.Supplier<String> kubeletMetrics;
    private volatile java.util.function.Supplier<byte[]> pods;
    private volatile AgentAuth auth;

    private AgentServer(SSLContext ssl, ContainerLogs logs, ContainerStreams streams, Options options, Clock clock) {
        this.loops = new NioEventLoopGroup(2, Thread.ofPlatform().name("kaji-agent-endpoint-io-", 0).daemon(true)
                .factory());
        this.workers = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("kaji-agent-endpoint-", 0).factory());
        this.ssl = ssl;
        this.logs = logs;
        this.streams = streams;
        this.options = options;
        this.clock = clock;
        this.auth = new AgentAuth(null, "", clock);
    }

    /**
     * Authenticates bearer tokens and authorizes callers other than the API server and {@code system:masters}
     * through the API server ({@code auth}), as the kubelet's webhook modes do. Until called, only those two are
     * let in.
     */
    public void delegateAuth(AgentAuth auth) {
        this.auth = auth;
    }

    /**
     * Serves {@code GET /stats/summary}: the kubelet Summary API's JSON from {@code source} (until called, 404).
     * The API server reads it for metrics.k8s.io.
     */
    public void serveStats(java.util.function.Supplier<byte[]> source) {
        this.summary = source;
    }

    /**
     * Serves {@code GET /metrics/resource}: the kubelet's resource metrics in the Prometheus text format from
     * {@code source} (until called, 404), what metrics-server scrapes.
     */
    public void serveResourceMetrics(java.util.function.Supplier<String> source) {
        this.resourceMetrics = source;
    }

    /**
     * Serves {@code GET /metrics}: the kubelet's own metrics in the Prometheus text format from {@code source}
     * (until called, 404; {@link io.kaji.node.stats.KubeletMetrics}).
     */
    public void serveKubeletMetrics(java.util.function.Supplier<String> source) {
        this.kubeletMetrics = source;
    }

    /**
     * Serves {@code GET /metrics/cadvisor}: the kubelet's container metrics in the Prometheus text format from
     * {@code source} (until called, 404), what Prometheus' kubelet jobs scrape ({@link
     * io.kaji.node.stats.CadvisorMetrics}).
     */
    public void serveCadvisorMetrics(java.util.function.Supplier<String> source) {
        this.cadvisorMetrics = source;
    }

    /**
     * Serves {@code GET /pods}: the pods bound to this node as a v1 PodList in JSON from {@code source} (until
     * called, 404), as the kubelet lists the pods it runs for monitoring agents.
     */
    public void servePods(java.util.function.Supplier<byte[]> source) {
        this.pods = source;
    }

    /** Binds and starts serving logs only (exec, attach and port-forward answer 404). */
    public static AgentServer start(SSLContext ssl, ContainerLogs logs, Options options, Clock clock) {
        return start(ssl, logs, null, options, clock);
    }

    /**
     * Binds and starts serving. Throws {@link IllegalStateException} naming the address if it cannot listen.
     *
     * @param streams resolves exec, attach and port-forward requests; null turns them off
     */
    public static AgentServer start(SSLContext ssl, ContainerLogs logs, ContainerStreams streams, Options options,
                                    Clock clock) {
        AgentServer server = new AgentServer(ssl, logs, streams, options, clock);
        try {
            server.bind(options.port());
        } catch (BindException e) {
            if (!options.fallbackToFreePort() || options.port() == 0) {
                server.close();
                throw new IllegalStateException("agent endpoint: cannot listen on " + options.bindAddress() + ":"
                        + options.port() + ": " + e.getMessage() + " (another agent or kubelet on this machine?)", e);
            }
            try {
                server.bind(0);
            } catch (IOException e2) {
                server.close();
                throw new IllegalStateException("agent endpoint: cannot listen on " + options.bindAddress() + ": "
                        + e2.getMessage(), e2);
            }
            log.warn("agent endpoint: port {} is taken (another agent on this machine?); listening on {} instead, "
                    + "reported in the Node's daemonEndpoints", options.port(), server.port());
        } catch (IOException e) {
            server.close();
            throw new IllegalStateException("agent endpoint: cannot listen on " + options.bindAddress() + ":"
                    + options.port() + ": " + e.getMessage(), e);
        }
        log.info("agent endpoint listening on https://{}:{}", options.bindAddress(), server.port());
        return server;
    }

    private void bind(int port) throws IOException {
        ServerBootstrap b = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SSLEngine engine = ssl.createSSLEngine();
                        engine.setUseClientMode(false);
                        // Want, not need: a caller without a certificate gets a 401 it can read, not a handshake
                        // error.
                        engine.setWantClientAuth(true);
                        ChaChaFirst.preferOnServer(engine);
                        ch.pipeline().addLast("tls", new SslHandler(engine));
                        ch.pipeline().addLast("http", new HttpServerCodec());
                        ch.pipeline().addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST_BYTES));
                        ch.pipeline().addLast("agent", new RequestHandler());
                        open.add(ch);
                        ch.closeFuture().addListener(f -> open.remove(ch));
                    }
                });
        ChannelFuture f = b.bind(options.bindAddress(), port).awaitUninterruptibly();
        if (!f.isSuccess()) {
            Throwable c = f.cause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException(String.valueOf(c), c);
        }
        serverChannel = f.channel();
    }

    /** The port it listens on. */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /**
     * Hands the connection's request to a virtual thread (lookups block on the CRI and on files). It stays in the
     * pipeline afterwards, ignoring further requests (one per connection) and closing the connection on errors.
     */
    private final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private boolean served;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
            Channel ch = ctx.channel();
            if (served) {
                return;
            }
            served = true;
            ch.config().setAutoRead(false);
            if (!msg.decoderResult().isSuccess()) {
                ch.close();
                return;
            }
            Request req = new Request(msg.method().name(), msg.uri(), msg.headers().copy(), peer(ctx));
            workers.execute(() -> handle(ch, req));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("agent endpoint: connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        private X509Certificate peer(ChannelHandlerContext ctx) {
            try {
                Certificate[] certs = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
                return certs.length > 0 && certs[0] instanceof X509Certificate x ? x : null;
            } catch (SSLPeerUnverifiedException e) {
                return null;
            }
        }
    }

    record Request(String method, String uri, HttpHeaders headers, X509Certificate client) {
    }

    private void handle(Channel ch, Request req) {
        try {
            QueryStringDecoder qs = new QueryStringDecoder(req.uri());
            String path = qs.rawPath();
            if (!authorized(ch, req, path)) {
                return;
            }
            if (path.startsWith("/containerLogs/")) {
                if (notGet(ch, req, path)) {
                    return;
                }
                String[] parts = path.substring("/containerLogs/".length()).split("/", -1);
                if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
                    text(ch, 400, "expected /containerLogs/{namespace}/{pod}/{container}, got " + path);
                    return;
                }
                containerLogs(ch, decode(parts[0]), decode(parts[1]), decode(parts[2]), qs.rawQuery());
                return;
            }
            if (path.equals("/healthz")) {
                // The kubelet's health check on its main port: the agent answers while it serves at all.
                respond(ch, 200, "text/plain; charset=utf-8", "ok".getBytes(StandardCharsets.UTF_8));
                return;
            }
            var podList = pods;
            if (path.equals("/pods") && podList != null) {
                if (notGet(ch, req, path)) {
                    return;
                }
                json(ch, podList.get());
                return;
            }
            var stats = summary;
            if (path.equals("/stats/summary") && stats != null) {
                if (notGet(ch, req, path)) {
                    return;
                }
                json(ch, stats.get());
                return;
            }
            java.util.function.Supplier<String> metrics = switch (path) {
                case "/metrics" -> kubeletMetrics;
                case "/metrics/resource" -> resourceMetrics;
                case "/metrics/cadvisor" -> cadvisorMetrics;
                default -> null;
            };
            if (metrics != null) {
                if (notGet(ch, req, path)) {
                    return;
                }
                respond(ch, 200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.get().getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (StreamRequest.kindOf(path) != null && streams != null) {
                stream(ch, req, path, qs.parameters());
                return;
            }
            text(ch, 404, "404 page not found");
        } catch (IOException e) {
            log.debug("agent endpoint: {} {}: {}", req.method(), req.uri(), e.getMessage());
            ch.close();
        } catch (RuntimeException e) {
            log.warn("agent endpoint: {} {} failed", req.method(), req.uri(), e);
            ch.close();
        }
    }

    /** Answers 405 to anything but a GET; true when it did. */
    private static boolean notGet(Channel ch, Request req, String path) {
        if (req.method().equals("GET")) {
            return false;
        }
        text(ch, 405, "method " + req.method() + " not allowed on " + path);
        return true;
    }

    /**
     * Authenticates and authorizes the request ({@link AgentAuth}); answers it and returns false if it may not go
     * on: 401 without a usable certificate or token, 403 when refused, 500 when the API server cannot be asked
     * (the kubelet's texts).
     */
    private boolean authorized(Channel ch, Request req, String path) {
        AgentAuth a = auth;
        AgentAuth.Attributes attributes = AgentAuth.attributes(req.method(), path);
        AgentAuth.Caller caller;
        try {
            caller = req.client() != null ? fromCertificate(req.client()) : bearer(req.headers())
                    .flatMap(token -> {
                        try {
                            return a.authenticateToken(token);
                        } catch (AgentAuth.ReviewFailedException e) {
                            log.warn("agent endpoint: cannot check a bearer token: {}", e.getMessage());
                            return Optional.empty();
                        }
                    }).orElse(null);
        } catch (InvalidNameException e) {
            caller = null;
        }
        if (caller == null) {
            text(ch, 401, "Unauthorized");
            return false;
        }
        String what = "user=" + caller.name() + ", verb=" + attributes.verb() + ", resource=nodes, subresource="
                + attributes.subresource();
        try {
            AgentAuth.Decision d = a.authorize(caller, attributes);
            if (!d.allowed()) {
                text(ch, 403, "Forbidden (" + what + ")");
                return false;
            }
            return true;
        } catch (AgentAuth.ReviewFailedException e) {
            log.warn("agent endpoint: cannot authorize {}: {}", what, e.getMessage());
            text(ch, 500, "Authorization error (" + what + ")");
            return false;
        }
    }

    /** The token of an {@code Authorization: Bearer} header. */
    static Optional<String> bearer(HttpHeaders headers) {
        String value = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (value == null || value.length() <= 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = value.substring(7).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    /** The caller a client certificate names: its common name, and its organizations as groups. */
    static AgentAuth.Caller fromCertificate(X509Certificate cert) throws InvalidNameException {
        String cn = "";
        List<String> groups = new java.util.ArrayList<>();
        for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
            if (rdn.getType().equalsIgnoreCase("CN")) {
                cn = String.valueOf(rdn.getValue());
            } else if (rdn.getType().equalsIgnoreCase("O")) {
                groups.add(String.valueOf(rdn.getValue()));
            }
        }
        return cn.isEmpty() ? null : AgentAuth.Caller.ofCertificate(cn, groups);
    }

    private void containerLogs(Channel ch, String ns, String pod, String container, String rawQuery)
            throws IOException {
        LogQuery q;
        try {
            q = LogQuery.parse(query(rawQuery), clock.instant());
        } catch (IllegalArgumentException e) {
            text(ch, 400, e.getMessage());
            return;
        }
        ContainerLogs.Result r = logs.find(ns, pod, container, q.previous());
        if (r instanceof ContainerLogs.Refused refused) {
            text(ch, refused.status(), refused.message());
            return;
        }
        ContainerLogs.Found found = (ContainerLogs.Found) r;
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ch.writeAndFlush(head);
        // Reading resumes so that a client closing its end is noticed (nothing else is expected from it).
        ch.config().setAutoRead(true);
        try (ChunkedOutput out = new ChunkedOutput(ch)) {
            ContainerLogStreamer.copy(found.file(), q.options(), out,
                    () -> closed || !ch.isActive() || logs.writerDone(found), options.pollInterval());
        } catch (java.nio.file.NoSuchFileException e) {
            log.debug("log of {} container {} attempt {} is gone", found.pod(), container, found.attempt());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Resolves the streaming URL through the CRI, connects to containerd's streaming server (loopback), forwards the
     * upgrade request there and relays the connection from then on.
     */
    private void stream(Channel ch, Request req, String path, Map<String, List<String>> params) throws IOException {
        StreamRequest sr;
        try {
            sr = StreamRequest.parse(path, params);
        } catch (IllegalArgumentException e) {
            text(ch, 400, e.getMessage());
            return;
        }
        ContainerStreams.Result r = streams.prepare(sr);
        if (r instanceof ContainerStreams.Refused refused) {
            text(ch, refused.status(), refused.message());
            return;
        }
        URI url = ((ContainerStreams.Prepared) r).url();
        Bootstrap b = new Bootstrap().group(ch.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false).option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInboundHandlerAdapter());
        ChannelFuture connected = b.connect(url.getHost(), url.getPort()).awaitUninterruptibly();
        if (!connected.isSuccess()) {
            text(ch, 500, "cannot reach the container runtime's streaming server at " + url.getHost() + ":"
                    + url.getPort() + ": " + connected.cause().getMessage());
            return;
        }
        Channel runtime = connected.channel();
        ByteBuf head = Unpooled.copiedBuffer(requestHead(req, url), StandardCharsets.ISO_8859_1);
        ch.eventLoop().execute(() -> {
            // From here on the connection carries the runtime's answer and then the stream protocol, unchanged.
            ch.pipeline().remove("aggregate");
            ch.pipeline().remove("http");
            runtime.writeAndFlush(head);
            ByteRelay.link(ch, runtime);
        });
        log.debug("agent endpoint: {} {} relayed to the runtime's streaming server", req.method(), path);
    }

    /** The client's request line and headers, re-addressed to the runtime's one-time URL. */
    static String requestHead(Request req, URI url) {
        StringBuilder s = new StringBuilder();
        String target = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        s.append(req.method()).append(' ').append(target.isEmpty() ? "/" : target).append(" HTTP/1.1\r\n");
        s.append("Host: ").append(url.getHost()).append(':').append(url.getPort()).append("\r\n");
        for (Map.Entry<String, String> h : req.headers()) {
            if (!HOP_HEADERS.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                s.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
        }
        if (req.method().equals("POST")) {
            s.append("Content-Length: 0\r\n");
        }
        return s.append("\r\n").toString();
    }

    private static void json(Channel ch, byte[] body) {
        respond(ch, 200, "application/json", body);
    }

    private static void text(Channel ch, int status, String message) {
        respond(ch, status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A whole response, after which the connection is closed (one request per connection). */
    private static void respond(Channel ch, int status, String contentType, byte[] body) {
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ch.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * A blocking stream of HTTP chunks: bytes are sent at each flush; a write waits while the connection's buffer
     * is full, and fails once the client is gone (which ends a followed log).
     */
    private static final class ChunkedOutput extends OutputStream {
        private final Channel ch;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

        ChunkedOutput(Channel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            pending.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            pending.write(b, off, len);
            if (pending.size() >= 16 * 1024) {
                flush();
            }
        }

        @Override
        public void flush() throws IOException {
            if (!ch.isActive()) {
                throw new IOException("the client closed the connection");
            }
            if (pending.size() == 0) {
                return;
            }
            ChannelFuture f = ch.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(pending.toByteArray())));
            pending.reset();
            if (!ch.isWritable()) {
                try {
                    f.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the client was slow to read");
                }
            }
        }

        @Override
        public void close() throws IOException {
            try {
                flush();
            } catch (IOException e) {
                // The client is gone; nothing to end.
                return;
            }
            ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
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
        return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** Stops listening and closes every open connection (log streams and relayed sessions end). */
    @Override
    public void close() {
        closed = true;
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        for (Channel c : open) {
            c.close();
        }
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownNow();
    }
}
