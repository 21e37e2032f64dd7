package io.kaji.apiserver.audit;

import io.kaji.apiserver.auth.UserInfo;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.http.Exchange;
import io.kaji.apiserver.http.ResponseStream;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.MediaTypes;
import io.kaji.apiserver.serialization.RawJson;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/**
 * The audit record of one request: forwards everything to the real exchange and, when the response is complete
 * (or a stream starts and ends), builds the audit.k8s.io/v1 Event at the level the policy gives the request and the
 * user authentication identified. Event building runs on the request thread but writing does not.
 */
final class AuditedExchange implements Exchange {

    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final Auditor auditor;
    private final ApiRequest req;
    private final Exchange delegate;
    private final Instant received;
    private final String auditId = io.kaji.apiserver.serialization.RandomUids.next();
    private final Map<String, String> annotations = new LinkedHashMap<>();
    private final AtomicBoolean completed = new AtomicBoolean();
    private final AtomicBoolean receivedLogged = new AtomicBoolean();
    private volatile UserInfo user;

    AuditedExchange(Auditor auditor, ApiRequest req, Exchange delegate, Instant received) {
        this.auditor = auditor;
        this.req = req;
        this.delegate = delegate;
        this.received = received;
        this.user = req.user();
    }

    @Override
    public void respond(ApiResponse response) {
        try {
            complete(response.status(), response);
        } finally {
            delegate.respond(response);
        }
    }

    @Override
    public ResponseStream startStream(String contentType, List<String> warnings) {
        ResponseStream stream = delegate.startStream(contentType, warnings);
        AuditAttributes attributes = Auditor.attributes(req, user);
        AuditPolicy.Decision decision = auditor.policy().decide(attributes);
        logReceived(attributes, decision);
        if (decision.logs(AuditPolicy.Stage.ResponseStarted)) {
            auditor.emit(event(attributes, decision, AuditPolicy.Stage.ResponseStarted, 200, null));
        }
        stream.onClose(() -> complete(200, null));
        return stream;
    }

    /** An upgraded connection (exec, attach, port-forward) is audited as 101, complete when the connection ends. */
    @Override
    public io.netty.channel.Channel takeOver() {
        io.netty.channel.Channel c = delegate.takeOver();
        if (c != null) {
            AuditAttributes attributes = Auditor.attributes(req, user);
            AuditPolicy.Decision decision = auditor.policy().decide(attributes);
            logReceived(attributes, decision);
            if (decision.logs(AuditPolicy.Stage.ResponseStarted)) {
                auditor.emit(event(attributes, decision, AuditPolicy.Stage.ResponseStarted, 101, null));
            }
            c.closeFuture().addListener(f -> complete(101, null));
        }
        return c;
    }

    @Override
    public synchronized void annotate(String key, String value) {
        annotations.put(key, value);
    }

    @Override
    public void identify(UserInfo authenticated) {
        this.user = authenticated;
    }

    @Override
    public String remoteAddress() {
        return delegate.remoteAddress();
    }

    private void complete(int code, ApiResponse response) {
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        AuditAttributes attributes = Auditor.attributes(req, user);
        AuditPolicy.Decision decision = auditor.policy().decide(attributes);
        logReceived(attributes, decision);
        if (decision.logs(AuditPolicy.Stage.ResponseComplete)) {
            auditor.emit(event(attributes, decision, AuditPolicy.Stage.ResponseComplete, code, response));
        }
    }

    /**
     * The RequestReceived stage, when the policy keeps it: written once the request is decided (the user is known
     * only then), before the response stages, with the time the request arrived.
     */
    private void logReceived(AuditAttributes attributes, AuditPolicy.Decision decision) {
        if (decision.logs(AuditPolicy.Stage.RequestReceived) && receivedLogged.compareAndSet(false, true)) {
            auditor.emit(event(attributes, decision, AuditPolicy.Stage.RequestReceived, 0, null));
        }
    }

    private byte[] event(AuditAttributes a, AuditPolicy.Decision decision, AuditPolicy.Stage stage, int code,
            ApiResponse response) {
        ObjectNode e = Json.object();
        e.put("kind", "Event");
        e.put("apiVersion", "audit.k8s.io/v1");
        e.put("level", decision.level().text());
        e.put("auditID", auditId);
        e.put("stage", stage.name());
        e.put("requestURI", requestUri());
        e.put("verb", a.verb());
        e.set("user", user(user));
        String impersonated = req.header("Impersonate-User");
        if (impersonated != null && !impersonated.isEmpty()) {
            ObjectNode imp = e.putObject("impersonatedUser");
            imp.put("username", impersonated);
            String group = req.header("Impersonate-Group");
            if (group != null && !group.isEmpty()) {
                imp.putArray("groups").add(group);
            }
        }
        var ips = e.putArray("sourceIPs");
        sourceIps().forEach(ips::add);
        String agent = req.header("User-Agent");
        if (agent != null) {
            e.put("userAgent", agent);
        }
        boolean nameless = a.resource() && a.name() == null && a.verb().equals("create");
        RawValue requestObject = decision.level().atLeast(AuditLevel.REQUEST) ? requestObject(a, code) : null;
        if (a.resource()) {
            ObjectNode ref = e.putObject("objectRef");
            ref.put("resource", a.plural());
            if (!a.namespace().isEmpty()) {
                ref.put("namespace", a.namespace());
            }
            String name = a.name() != null ? a.name() : nameless ? Json.metadataName(req.body()) : null;
            if (name == null && nameless && response != null && response.status() < 300
                    && response.contentType().startsWith("application/json")) {
                // A protobuf request body (kubectl's typed clients): the created object names itself.
                name = Json.metadataName(response.body());
            }
            if (name != null) {
                ref.put("name", name);
            }
            if (!a.group().isEmpty()) {
                ref.put("apiGroup", a.group());
            }
            ref.put("apiVersion", a.version());
            if (a.subresource() != null) {
                ref.put("subresource", a.subresource());
            }
        }
        if (stage != AuditPolicy.Stage.RequestReceived) {
            e.set("responseStatus", responseStatus(code, response));
        }
        if (requestObject != null) {
            e.putRawValue("requestObject", requestObject);
        }
        if (response != null && decision.level().atLeast(AuditLevel.REQUEST_RESPONSE)
                && response.contentType().startsWith("application/json")) {
            RawValue responseObject = compactJson(response.body());
            if (responseObject != null) {
                e.putRawValue("responseObject", responseObject);
            }
        }
        e.put("requestReceivedTimestamp", MICROS.format(received));
        e.put("stageTimestamp", MICROS.format(stage == AuditPolicy.Stage.RequestReceived ? received
                : auditor.clock().instant()));
        synchronized (this) {
            if (!annotations.isEmpty()) {
                ObjectNode an = e.putObject("annotations");
                annotations.forEach(an::put);
            }
        }
        return Json.bytes(e);
    }

    private String requestUri() {
        StringBuilder sb = new StringBuilder(req.path());
        char sep = '?';
        for (Map.Entry<String, List<String>> q : new java.util.TreeMap<>(req.query()).entrySet()) {
            for (String v : q.getValue()) {
                sb.append(sep).append(encode(q.getKey())).append('=').append(encode(v));
                sep = '&';
            }
        }
        return sb.toString();
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static ObjectNode user(UserInfo u) {
        ObjectNode n = Json.object();
        n.put("username", u.name());
        if (!u.uid().isEmpty()) {
            n.put("uid", u.uid());
        }
        var groups = n.putArray("groups");
        u.groups().forEach(groups::add);
        if (!u.extra().isEmpty()) {
            ObjectNode extra = n.putObject("extra");
            u.extra().forEach((k, vs) -> {
                var arr = extra.putArray(k);
                vs.forEach(arr::add);
            });
        }
        return n;
    }

    /** X-Forwarded-For, then X-Real-Ip, then the connection's address, as Kubernetes lists them. */
    private List<String> sourceIps() {
        Set<String> ips = new LinkedHashSet<>();
        String forwarded = req.header("X-Forwarded-For");
        if (forwarded != null) {
            for (String p : forwarded.split(",")) {
                if (!p.isBlank()) {
                    ips.add(p.trim());
                }
            }
        }
        String real = req.header("X-Real-Ip");
        if (real != null && !real.isBlank()) {
            ips.add(real.trim());
        }
        String remote = delegate.remoteAddress();
        if (remote != null) {
            ips.add(remote);
        }
        return new ArrayList<>(ips);
    }

    private static ObjectNode responseStatus(int code, ApiResponse response) {
        ObjectNode s = Json.object();
        s.putObject("metadata");
        if (code >= 400 && response != null && response.contentType().startsWith("application/json")) {
            JsonNode status = json(response.body());
            if (status != null && "Status".equals(status.path("kind").asString(""))) {
                s.put("status", status.path("status").asString("Failure"));
                if (status.has("message")) {
                    s.put("message", status.path("message").asString(""));
                }
                if (status.has("reason")) {
                    s.put("reason", status.path("reason").asString(""));
                }
            }
        }
        s.put("code", code);
        return s;
    }

    /** The body as JSON, or null when it is empty or not JSON (a protobuf body, for example). */
    private static JsonNode json(byte[] body) {
        if (!startsLikeJson(body)) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The request body for the event. A write to an object that succeeded was read whole as one JSON value by its
     * handler; sent as JSON on one line, it goes in as sent. Any other body is re-written compact, or left out when
     * it is not JSON.
     */
    private RawValue requestObject(AuditAttributes a, int code) {
        byte[] body = req.body();
        if (code >= 200 && code < 300 && a.resource() && a.subresource() == null && WRITES.contains(a.verb())
                && jsonContentType(req.header("Content-Type")) && startsLikeJson(body) && oneLine(body)) {
            return RawJson.value(body);
        }
        return compactJson(body);
    }

    private static final Set<String> WRITES = Set.of("create", "update", "patch");

    /** JSON and the JSON patch types; not apply patches, which may be YAML. */
    private static boolean jsonContentType(String contentType) {
        String type = MediaTypes.base(contentType);
        return type.equals(MediaTypes.JSON) || type.equals(MediaTypes.MERGE_PATCH) || type.equals(MediaTypes.JSON_PATCH)
                || type.equals(MediaTypes.STRATEGIC_MERGE_PATCH);
    }

    /** No line breaks or other control bytes but tabs: the body can stand on the audit log's line as it is. */
    private static boolean oneLine(byte[] body) {
        for (byte b : body) {
            if (b >= 0 && b < 0x20 && b != '\t') {
                return false;
            }
        }
        return true;
    }

    /**
     * The body re-written as compact JSON, to be embedded in the event as it is; null when it is empty or not one
     * JSON value (a protobuf body, a YAML one, malformed JSON). Copied token by token, without building a tree.
     */
    private static RawValue compactJson(byte[] body) {
        if (!startsLikeJson(body)) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
        try (JsonParser p = Json.MAPPER.createParser(body)) {
            p.nextToken();
            try (JsonGenerator g = Json.MAPPER.createGenerator(out)) {
                g.copyCurrentStructure(p);
            }
            if (p.nextToken() != null) {
                return null;
            }
        } catch (JacksonException e) {
            return null;
        }
        return RawJson.value(out.toByteArray());
    }

    private static boolean startsLikeJson(byte[] body) {
        int i = 0;
        while (i < body.length && Character.isWhitespace(body[i])) {
            i++;
        }
        return i < body.length && (body[i] == '{' || body[i] == '[');
    }
}
