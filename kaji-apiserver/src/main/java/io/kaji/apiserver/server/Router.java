package io.kaji.apiserver.server;

import io.kaji.apiserver.auth.Attributes;
import io.kaji.apiserver.auth.Authorizer;
import io.kaji.apiserver.auth.Forbidden;
import io.kaji.apiserver.auth.Impersonation;
import io.kaji.apiserver.auth.RequestAttributes;
import io.kaji.apiserver.auth.RequestAuthenticator;
import io.kaji.apiserver.auth.TokenRequests;
import io.kaji.apiserver.auth.UserInfo;
import io.kaji.apiserver.audit.Auditor;
import io.kaji.apiserver.discovery.Discovery;
import io.kaji.apiserver.discovery.VersionInfo;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.handler.RequestInfo;
import io.kaji.apiserver.handler.ResourceHandler;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.http.Exchange;
import io.kaji.apiserver.openapi.OpenApi;
import io.kaji.apiserver.serialization.MediaTypes;
import io.kaji.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The request pipeline after TLS: unauthenticated endpoints (health, version, and {@code /cacerts}, the cluster
 * CA for joining agents as in k3s), then authentication (client certificate or bearer token; none is 401),
 * impersonation headers, authorization (403 with Kubernetes' Forbidden message), then discovery, OpenAPI and the
 * resource handler, each reading the user from {@link ApiRequest#user()}. Every failure becomes exactly one Status
 * response. Thread-safe.
 */
final class Router {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final RequestAuthenticator authenticator;
    private final Authorizer authorizer;
    private final TokenRequests tokenRequests;
    private final String caPem;
    private final Discovery discovery;
    private final OpenApi openApi;
    private final ResourceHandler resources;
    private final String version;
    private final String serverAddress;
    private final RequestMetrics metrics;
    /** Further Prometheus text appended to /metrics (e.g. the continuous assessment's gauges). */
    private final java.util.List<java.util.function.Supplier<String>> extraMetrics =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private Auditor auditor;
    private io.kaji.apiserver.flowcontrol.FlowControl flowControl;

    /**
     * @param caPem the cluster CA certificate served at {@code /cacerts}
     */
    Router(RequestAuthenticator authenticator, Authorizer authorizer, TokenRequests tokenRequests, String caPem,
            Discovery discovery,
            OpenApi openApi, ResourceHandler resources, String version, String serverAddress,
            RequestMetrics metrics) {
        this.metrics = metrics;
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.tokenRequests = tokenRequests;
        this.caPem = caPem;
        this.discovery = discovery;
        this.openApi = openApi;
        this.resources = resources;
        this.version = version;
        this.serverAddress = serverAddress;
    }

    /** Appends {@code text} (Prometheus text format, asked at each scrape) to {@code /metrics}. */
    void addMetrics(java.util.function.Supplier<String> text) {
        extraMetrics.add(text);
    }

    private String extraMetrics() {
        StringBuilder b = new StringBuilder();
        for (var s : extraMetrics) {
            try {
                b.append(s.get());
            } catch (RuntimeException e) {
                LOG.warn("metrics source failed: {}", e.toString());
            }
        }
        return b.toString();
    }

    /** Puts every authorized, non-long-running request through {@code fc} (call before the router serves). */
    void flowControlWith(io.kaji.apiserver.flowcontrol.FlowControl fc) {
        this.flowControl = fc;
        addMetrics(fc::metrics);
    }

    /** Audits every request from now on (call before the router serves). */
    void auditWith(Auditor auditor) {
        this.auditor = auditor;
    }

    /** Serves one request whose last byte was read at {@code receivedNanos} ({@link System#nanoTime()}). */
    void handle(ApiRequest req, X509Certificate[] clientChain, Exchange ex, long receivedNanos) {
        Exchange out = MediaTypes.wantsYaml(req.header("Accept")) ? new YamlExchange(ex) : ex;
        Exchange audited = auditor == null ? out : auditor.wrap(req, out);
        RequestMetrics.Call call = metrics.start(req, receivedNanos);
        GuardedExchange guarded = new GuardedExchange(audited, call);
        try {
            route(req, clientChain, guarded, call);
        } catch (ApiException e) {
            respondError(guarded, e);
        } catch (StoreException e) {
            LOG.warn("{} {}: store failure: {}", req.method(), req.path(), e.getMessage());
            respondError(guarded, ApiException.internal(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("{} {}: unexpected failure", req.method(), req.path(), e);
            respondError(guarded, ApiException.internal(e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    private static void respondError(GuardedExchange ex, ApiException e) {
        if (!ex.answered.get()) {
            ApiResponse r = ApiResponse.json(e.code(), e.toStatus());
            if (e.retryAfterSeconds() > 0) {
                // Flow control's refusals: clients (client-go, fabric8) wait this long, then retry.
                r = new ApiResponse(r.status(), r.contentType(), r.body(), r.warnings(),
                        java.util.Map.of("Retry-After", String.valueOf(e.retryAfterSeconds())));
            }
            ex.respond(r);
        }
    }

    private void route(ApiRequest unauthenticated, X509Certificate[] clientChain, Exchange ex,
            RequestMetrics.Call call) {
        ApiRequest req = unauthenticated;
        String path = req.path().length() > 1 && req.path().endsWith("/")
                ? req.path().substring(0, req.path().length() - 1) : req.path();
        if (isHealth(path)) {
            ex.respond(ApiResponse.text(200, "ok"));
            return;
        }
        if (path.equals("/version")) {
            ex.respond(ApiResponse.json(200, VersionInfo.document(version)));
            return;
        }
        if (path.equals("/cacerts")) {
            // Unauthenticated like k3s' /cacerts: a joining agent checks the PEM against its token's hash.
            ex.respond(new ApiResponse(200, "application/x-pem-file", caPem.getBytes(StandardCharsets.UTF_8),
                    java.util.List.of()));
            return;
        }
        UserInfo requester = authenticator.authenticate(req, clientChain).orElseThrow(ApiException::unauthorized);
        ex.identify(requester);
        req = req.withUser(Impersonation.apply(req, requester, authorizer));
        RequestInfo info = RequestInfo.parse(path);
        call.info(info);
        Attributes attributes = RequestAttributes.of(req, req.user(), path, info);
        Authorizer.Decision decision = authorizer.authorize(attributes);
        // The audit event carries the decision, as kube-apiserver's does.
        ex.annotate("authorization.k8s.io/decision", decision.allowed() ? "allow" : "forbid");
        if (decision.reason() != null && !decision.reason().isEmpty()) {
            ex.annotate("authorization.k8s.io/reason", decision.reason());
        }
        if (!decision.allowed()) {
            LOG.debug("forbidden: {} (user {} groups {})", Forbidden.message(attributes), req.user().name(),
                    req.user().groups());
            throw Forbidden.of(attributes, decision.reason());
        }
        if (flowControl == null || longRunning(attributes, req)) {
            dispatch(req, path, info, ex);
            return;
        }
        io.kaji.apiserver.flowcontrol.PriorityLevel level = io.kaji.apiserver.flowcontrol.PriorityLevel.classify(attributes);
        try (var seat = flowControl.acquire(level)) {
            dispatch(req, path, info, ex);
        }
    }

    /**
     * Requests that may stay open indefinitely hold no flow-control seat (Kubernetes' long-running requests):
     * watches, exec/attach/port-forward, proxies and followed logs.
     */
    static boolean longRunning(Attributes a, ApiRequest req) {
        if (a.verb().equals("watch")) {
            return true;
        }
        return switch (a.subresource()) {
            case "exec", "attach", "portforward", "proxy" -> true;
            case "log" -> req.flag("follow");
            default -> false;
        };
    }

    private void dispatch(ApiRequest req, String path, RequestInfo info, Exchange ex) {
        if (path.equals("/metrics")) {
            ex.respond(new ApiResponse(200, "text/plain; version=0.0.4; charset=utf-8",
                    (metrics.render() + (auditor == null ? "" : auditor.metrics()) + extraMetrics())
                            .getBytes(StandardCharsets.UTF_8),
                    java.util.List.of()));
            return;
        }
        String accept = req.header("Accept");
        switch (path) {
            case "/api" -> {
                discoveryResponse(ex, accept, true);
                return;
            }
            case "/apis" -> {
                discoveryResponse(ex, accept, false);
                return;
            }
            default -> { }
        }
        if (path.startsWith("/openapi/")) {
            ex.respond(openApi.serve(path, req));
            return;
        }
        String[] segs = path.substring(1).split("/");
        if (segs.length == 2 && segs[0].equals("api")) {
            ex.respond(found(discovery.apiResourceList("", segs[1])));
            return;
        }
        if (segs.length == 2 && segs[0].equals("apis")) {
            ex.respond(found(discovery.apiGroup(segs[1])));
            return;
        }
        if (segs.length == 3 && segs[0].equals("apis")) {
            ex.respond(found(discovery.apiResourceList(segs[1], segs[2])));
            return;
        }
        if (info == null) {
            throw ApiException.notFoundPath();
        }
        if (TokenRequests.matches(info, req)) {
            ex.respond(tokenRequests.create(info, req));
            return;
        }
        resources.handle(info, req, ex);
    }

    private static boolean isHealth(String path) {
        for (String p : new String[] {"/healthz", "/livez", "/readyz"}) {
            if (path.equals(p) || path.startsWith(p + "/")) {
                return true;
            }
        }
        return false;
    }

    private void discoveryResponse(Exchange ex, String accept, boolean core) {
        String aggregated = MediaTypes.aggregatedDiscoveryVersion(accept);
        if (aggregated != null) {
            ex.respond(ApiResponse.json(200, "application/json;g=apidiscovery.k8s.io;v=" + aggregated
                    + ";as=APIGroupDiscoveryList", discovery.aggregated(core, aggregated)));
        } else {
            ex.respond(ApiResponse.json(200, core ? discovery.apiVersions(serverAddress) : discovery.apiGroupList()));
        }
    }

    private static ApiResponse found(ObjectNode doc) {
        if (doc == null) {
            throw ApiException.notFoundPath();
        }
        return ApiResponse.json(200, doc);
    }

    /** Remembers whether a response was started, so that a late failure does not answer twice. */
    private static final class GuardedExchange implements Exchange {
        private final Exchange delegate;
        private final RequestMetrics.Call call;
        private final AtomicBoolean answered = new AtomicBoolean();

        GuardedExchange(Exchange delegate, RequestMetrics.Call call) {
            this.delegate = delegate;
            this.call = call;
        }

        @Override
        public void respond(ApiResponse response) {
            if (answered.compareAndSet(false, true)) {
                delegate.respond(response);
                call.responded(response.status());
            }
        }

        @Override
        public io.kaji.apiserver.http.ResponseStream startStream(String contentType, java.util.List<String> warnings) {
            if (answered.compareAndSet(false, true)) {
                call.streamed(200);
            }
            return delegate.startStream(contentType, warnings);
        }

        @Override
        public io.netty.channel.Channel takeOver() {
            io.netty.channel.Channel c = delegate.takeOver();
            if (c != null && answered.compareAndSet(false, true)) {
                call.streamed(101);
            }
            return c;
        }

        @Override
        public void annotate(String key, String value) {
            delegate.annotate(key, value);
        }

        @Override
        public void identify(io.kaji.apiserver.auth.UserInfo user) {
            delegate.identify(user);
        }

        @Override
        public String remoteAddress() {
            return delegate.remoteAddress();
        }
    }
}
