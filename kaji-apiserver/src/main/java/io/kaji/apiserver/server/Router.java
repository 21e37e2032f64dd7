package io.kaji.apiserver.server;

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
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The request pipeline after TLS: unauthenticated endpoints (health, version, and {@code /cacerts}, the cluster
 * CA for joining agents as in k3s), then authentication (the admin bearer token, or the node join token as user
 * {@code system:node} in group {@code system:nodes}; there is no authorization yet: any authenticated request is
 * allowed), then discovery, OpenAPI and the resource handler. Every failure becomes exactly one Status response.
 * Thread-safe.
 */
final class Router {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final byte[] token;
    private final byte[] nodeToken;
    private final String caPem;
    private final Discovery discovery;
    private final OpenApi openApi;
    private final ResourceHandler resources;
    private final String version;
    private final String serverAddress;
    private final RequestMetrics metrics;
    private Auditor auditor;

    /**
     * @param nodeToken the node join token's text, or null if nodes cannot join with one
     * @param caPem     the cluster CA certificate served at {@code /cacerts}
     */
    Router(String adminToken, String nodeToken, String caPem, Discovery discovery, OpenApi openApi,
            ResourceHandler resources, String version, String serverAddress, RequestMetrics metrics) {
        this.metrics = metrics;
        this.token = adminToken.getBytes(StandardCharsets.UTF_8);
        this.nodeToken = nodeToken == null ? null : nodeToken.getBytes(StandardCharsets.UTF_8);
        this.caPem = caPem;
        this.discovery = discovery;
        this.openApi = openApi;
        this.resources = resources;
        this.version = version;
        this.serverAddress = serverAddress;
    }

    /** Audits every request from now on (call before the router serves). */
    void auditWith(Auditor auditor) {
        this.auditor = auditor;
    }

    void handle(ApiRequest req, Exchange ex) {
        Exchange audited = auditor == null ? ex : auditor.wrap(req, ex);
        GuardedExchange guarded = new GuardedExchange(audited, code -> metrics.record(req, code));
        try {
            route(req, guarded);
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
            ex.respond(ApiResponse.json(e.code(), e.toStatus()));
        }
    }

    private void route(ApiRequest req, Exchange ex) {
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
        authenticate(req);
        if (path.equals("/metrics")) {
            ex.respond(new ApiResponse(200, "text/plain; version=0.0.4; charset=utf-8",
                    (metrics.render() + (auditor == null ? "" : auditor.metrics())).getBytes(StandardCharsets.UTF_8),
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
        RequestInfo info = RequestInfo.parse(path);
        if (info == null) {
            throw ApiException.notFoundPath();
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

    private void authenticate(ApiRequest req) {
        String auth = req.header("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            byte[] presented = auth.substring(7).trim().getBytes(StandardCharsets.UTF_8);
            if (MessageDigest.isEqual(presented, token)
                    || (nodeToken != null && MessageDigest.isEqual(presented, nodeToken))) {
                return;
            }
        }
        throw ApiException.unauthorized();
    }

    /** Remembers whether a response was started, so that a late failure does not answer twice. */
    private static final class GuardedExchange implements Exchange {
        private final Exchange delegate;
        private final java.util.function.IntConsumer onAnswer;
        private final AtomicBoolean answered = new AtomicBoolean();

        GuardedExchange(Exchange delegate, java.util.function.IntConsumer onAnswer) {
            this.delegate = delegate;
            this.onAnswer = onAnswer;
        }

        @Override
        public void respond(ApiResponse response) {
            if (answered.compareAndSet(false, true)) {
                onAnswer.accept(response.status());
                delegate.respond(response);
            }
        }

        @Override
        public io.kaji.apiserver.http.ResponseStream startStream(String contentType, java.util.List<String> warnings) {
            if (answered.compareAndSet(false, true)) {
                onAnswer.accept(200);
            }
            return delegate.startStream(contentType, warnings);
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
