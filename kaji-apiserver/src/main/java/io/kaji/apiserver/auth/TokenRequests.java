package io.kaji.apiserver.auth;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.handler.RequestInfo;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.protobuf.ProtobufDecoder;
import io.kaji.apiserver.serialization.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code serviceaccounts/token} subresource ({@code kubectl create token NAME [--audience A]
 * [--duration D] [--bound-object-kind Pod --bound-object-name P]}): answers a TokenRequest with a new
 * service-account token. Defaults and checks as Kubernetes: one hour, at least ten minutes, the API server's
 * audience when none is given; a bound pod must exist, run as that service account and match the given uid.
 */
public final class TokenRequests {

    private static final long DEFAULT_SECONDS = 3600;
    private static final long MIN_SECONDS = 600;
    private static final long MAX_SECONDS = 1L << 32;

    private final ServiceAccountTokens tokens;
    private final ServiceAccountTokens.Objects objects;
    private final List<String> apiAudiences;
    private final Clock clock;

    public TokenRequests(ServiceAccountTokens tokens, ServiceAccountTokens.Objects objects, List<String> apiAudiences,
            Clock clock) {
        this.tokens = tokens;
        this.objects = objects;
        this.apiAudiences = List.copyOf(apiAudiences);
        this.clock = clock;
    }

    /** True for {@code POST /api/v1/namespaces/NS/serviceaccounts/NAME/token}. */
    public static boolean matches(RequestInfo info, ApiRequest req) {
        return info != null && info.group().isEmpty() && "serviceaccounts".equals(info.resource())
                && "token".equals(info.subresource()) && info.name() != null && info.namespace() != null;
    }

    /** Answers the request (201 with the TokenRequest and its status). */
    public ApiResponse create(RequestInfo info, ApiRequest req) {
        if (!req.method().equals("POST")) {
            throw ApiException.methodNotAllowed();
        }
        String ns = info.namespace();
        String name = info.name();
        String contentType = req.header("Content-Type");
        // kubectl 1.32 sends the TokenRequest as protobuf; other clients send JSON.
        ObjectNode request = req.body().length == 0 ? Json.object()
                : contentType != null && contentType.contains("protobuf") ? ProtobufDecoder.decode(req.body())
                : Json.parseObject(req.body());
        ObjectNode spec = Json.objectAt(request, "spec");
        long seconds = spec.path("expirationSeconds").isNumber() ? spec.get("expirationSeconds").asLong()
                : DEFAULT_SECONDS;
        if (seconds < MIN_SECONDS) {
            throw invalid(name, StatusCause.invalid("spec.expirationSeconds", seconds,
                    "may not specify a duration less than 10 minutes"));
        }
        if (seconds > MAX_SECONDS) {
            throw invalid(name, StatusCause.invalid("spec.expirationSeconds", seconds,
                    "may not specify a duration larger than 2^32 seconds"));
        }
        List<String> audiences = new ArrayList<>();
        spec.path("audiences").forEach(a -> audiences.add(a.asString("")));
        if (audiences.isEmpty()) {
            audiences.addAll(apiAudiences);
        }
        ObjectNode account = objects.get("serviceaccounts", ns, name);
        if (account == null) {
            throw ApiException.notFound("serviceaccounts", "", name);
        }
        String node = NodeAuthorizer.nodeName(req.user());
        if (node != null) {
            restrictToOwnPods(node, spec.get("boundObjectRef"), ns, name);
        }
        ServiceAccountTokens.BoundPod pod = boundPod(spec.get("boundObjectRef"), ns, name);
        String token = tokens.issue(ns, name, account.path("metadata").path("uid").asString(""), audiences,
                Duration.ofSeconds(seconds), pod);
        Instant expires = clock.instant().truncatedTo(ChronoUnit.SECONDS).plusSeconds(seconds);
        request.put("kind", "TokenRequest");
        request.put("apiVersion", "authentication.k8s.io/v1");
        ObjectNode meta = Json.metadata(request);
        meta.put("name", name);
        meta.put("namespace", ns);
        meta.put("creationTimestamp", clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
        ArrayNode aud = spec.putArray("audiences");
        audiences.forEach(aud::add);
        spec.put("expirationSeconds", seconds);
        ObjectNode status = request.putObject("status");
        status.put("token", token);
        status.put("expirationTimestamp", expires.toString());
        return ApiResponse.json(201, request);
    }

    /**
     * NodeRestriction's rule for tokens, enforced here because TokenRequests do not pass the admission chain: a node
     * may only request a token bound (by name and uid) to a pod scheduled on itself, with Kubernetes' messages.
     */
    private void restrictToOwnPods(String node, JsonNode ref, String ns, String account) {
        if (ref == null || !ref.isObject() || !"v1".equals(ref.path("apiVersion").asString(""))
                || !"Pod".equals(ref.path("kind").asString("")) || ref.path("name").asString("").isEmpty()) {
            throw ApiException.forbidden("serviceaccounts", "", account, "node requested token not bound to a pod");
        }
        if (ref.path("uid").asString("").isEmpty()) {
            throw ApiException.forbidden("serviceaccounts", "", account,
                    "node requested token with a pod binding without a uid");
        }
        ObjectNode pod = objects.get("pods", ns, ref.path("name").asString(""));
        if (pod == null) {
            throw ApiException.notFound("pods", "", ref.path("name").asString(""));
        }
        if (!ref.path("uid").asString("").equals(Json.text(pod, "metadata.uid"))) {
            throw ApiException.forbidden("serviceaccounts", "", account, "the UID in the bound object reference ("
                    + ref.path("uid").asString("") + ") does not match the UID in record. The object might have been "
                    + "deleted and then recreated");
        }
        if (!node.equals(Json.text(pod, "spec.nodeName"))) {
            throw ApiException.forbidden("serviceaccounts", "", account,
                    "node requested token bound to a pod scheduled on a different node");
        }
    }

    private ServiceAccountTokens.BoundPod boundPod(JsonNode ref, String ns, String saName) {
        if (ref == null || !ref.isObject()) {
            return null;
        }
        String kind = ref.path("kind").asString("");
        String podName = ref.path("name").asString("");
        if (!kind.equals("Pod")) {
            throw ApiException.badRequest("cannot bind token to object of type " + kind + ": only Pod is supported");
        }
        ObjectNode pod = objects.get("pods", ns, podName);
        if (pod == null) {
            throw ApiException.notFound("pods", "", podName);
        }
        String sa = pod.path("spec").path("serviceAccountName").asString("default");
        if (!sa.equals(saName)) {
            throw ApiException.badRequest("cannot bind token for serviceaccount \"" + saName + "\" to pod running "
                    + "with different serviceaccount name.");
        }
        String uid = pod.path("metadata").path("uid").asString("");
        String wantedUid = ref.path("uid").asString("");
        if (!wantedUid.isEmpty() && !wantedUid.equals(uid)) {
            throw ApiException.conflict("Pod", "", podName, "the UID in the bound object reference (" + wantedUid
                    + ") does not match the UID in record. The object might have been deleted and then recreated");
        }
        return new ServiceAccountTokens.BoundPod(podName, uid);
    }

    private static ApiException invalid(String name, StatusCause cause) {
        return ApiException.invalid("TokenRequest.authentication.k8s.io", "authentication.k8s.io", name,
                List.of(cause));
    }
}
