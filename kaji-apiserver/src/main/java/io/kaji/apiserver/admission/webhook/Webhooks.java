package io.kaji.apiserver.admission.webhook;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.admission.Verdict;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.patch.JsonPatch;
import io.kaji.apiserver.serialization.Json;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Calls the webhooks of the cluster's ValidatingWebhookConfigurations or MutatingWebhookConfigurations
 * (admissionregistration.k8s.io/v1) with AdmissionReview v1, as Kubernetes' admission webhook plugins do:
 * configurations in name order, webhooks in their order; a webhook whose rules and selectors match is called at
 * its {@code clientConfig} (a URL, or a Service — resolved to a ready endpoint of the service port, verified as
 * {@code <service>.<namespace>.svc}) with its {@code timeoutSeconds} (default 10); a call that fails or times out
 * denies with an internal error under {@code failurePolicy: Fail} (the default) and is skipped under
 * {@code Ignore}; a denial carries the webhook's status ({@code admission webhook "x" denied the request: ...});
 * mutating webhooks' JSONPatch responses are applied in turn; warnings reach the client, audit annotations the
 * audit log as {@code <webhook>/<key>}. Dry-run requests only reach webhooks declaring {@code sideEffects: None} or
 * {@code NoneOnDryRun}. Not done: {@code matchConditions} (CEL), {@code reinvocationPolicy}, matchPolicy
 * Equivalent's conversion, the parallel calls of validating webhooks.
 */
abstract class Webhooks {

    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    static final String GROUP = "admissionregistration.k8s.io";

    private final ClusterObjects objects;
    private final WebhookCaller caller;
    private final String resource;
    private final boolean mutating;

    Webhooks(ClusterObjects objects, WebhookCaller caller, String resource, boolean mutating) {
        this.objects = objects;
        this.caller = caller;
        this.resource = resource;
        this.mutating = mutating;
    }

    Verdict run(AdmissionAttributes a) {
        if (a.group().equals(GROUP) && (a.resource().equals("validatingwebhookconfigurations")
                || a.resource().equals("mutatingwebhookconfigurations"))) {
            // Kubernetes never sends webhook configurations to webhooks: a broken webhook must stay removable.
            return Verdict.allowed();
        }
        List<ObjectNode> configurations = new ArrayList<>(objects.listCached(GROUP, resource));
        if (configurations.isEmpty()) {
            return Verdict.allowed();
        }
        configurations.sort(Comparator.comparing(c -> c.path("metadata").path("name").asString("")));
        List<String> warnings = new ArrayList<>();
        Map<String, String> annotations = new LinkedHashMap<>();
        Map<String, String> namespaceLabels = null;
        for (ObjectNode configuration : configurations) {
            for (JsonNode webhook : configuration.path("webhooks")) {
                if (!WebhookRules.matchesRules(webhook, a)) {
                    continue;
                }
                if (namespaceLabels == null) {
                    namespaceLabels = namespaceLabels(a);
                }
                if (!namespaceMatches(webhook, a, namespaceLabels)
                        || !(WebhookRules.selects(webhook.get("objectSelector"), Json.labels(a.object()))
                        || a.oldObject() != null
                        && WebhookRules.selects(webhook.get("objectSelector"), Json.labels(a.oldObject())))) {
                    continue;
                }
                Optional<ApiException> denial = call(webhook, a, warnings, annotations);
                if (denial.isPresent()) {
                    return new Verdict(denial.get(), warnings, annotations);
                }
            }
        }
        return new Verdict(null, warnings, annotations);
    }

    private Optional<ApiException> call(JsonNode webhook, AdmissionAttributes a, List<String> warnings,
                                         Map<String, String> annotations) {
        String name = webhook.path("name").asString("");
        String sideEffects = webhook.path("sideEffects").asString("Unknown");
        if (a.dryRun() && !sideEffects.equals("None") && !sideEffects.equals("NoneOnDryRun")) {
            return Optional.of(ApiException.badRequest("admission webhook \"" + name
                    + "\" does not support dry run"));
        }
        boolean failClosed = !"Ignore".equals(webhook.path("failurePolicy").asString("Fail"));
        long seconds = Math.max(1, Math.min(30, webhook.path("timeoutSeconds").asLong(10)));
        String uid = UUID.randomUUID().toString();
        JsonNode response;
        WebhookCaller.Target target = null;
        try {
            boolean v1 = false;
            for (JsonNode v : webhook.path("admissionReviewVersions")) {
                v1 |= v.asString("").equals("v1");
            }
            if (!v1) {
                throw new IllegalStateException("webhook does not accept v1 AdmissionReview");
            }
            target = target(webhook.path("clientConfig"), seconds);
            byte[] body = Json.bytes(review(uid, a));
            response = caller.post(target, webhook.path("clientConfig").path("caBundle").asString(""), body,
                    Duration.ofSeconds(seconds));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String where = target == null ? "" : "Post \"" + target.uri() + "\": ";
            String why = e instanceof java.net.http.HttpTimeoutException
                    ? "context deadline exceeded" : String.valueOf(e.getMessage());
            String message = "failed calling webhook \"" + name + "\": failed to call webhook: " + where + why;
            if (failClosed) {
                return Optional.of(ApiException.internal(message));
            }
            LOG.info("admission webhook {} ignored (failurePolicy Ignore): {}", name, message);
            annotations.put("failed-open." + (mutating ? "mutation" : "validation")
                    + ".webhook.admission.k8s.io/round_0_index_0", name);
            return Optional.empty();
        }
        JsonNode result = response.path("response");
        if (!uid.equals(result.path("uid").asString(""))) {
            String message = "failed calling webhook \"" + name + "\": expected response.uid=\"" + uid
                    + "\", got \"" + result.path("uid").asString("") + "\"";
            return failClosed ? Optional.of(ApiException.internal(message)) : Optional.empty();
        }
        result.path("warnings").forEach(w -> warnings.add(w.asString("")));
        result.path("auditAnnotations").properties().forEach(e ->
                annotations.put(name + "/" + e.getKey(), e.getValue().asString("")));
        if (!result.path("allowed").asBoolean(false)) {
            return Optional.of(denied(name, result.path("status")));
        }
        if (mutating && result.hasNonNull("patch") && a.object() != null) {
            if (!"JSONPatch".equals(result.path("patchType").asString("JSONPatch"))) {
                return Optional.of(ApiException.internal("admission webhook \"" + name
                        + "\" returned an unsupported patchType " + result.path("patchType").asString()));
            }
            JsonNode patch = Json.MAPPER.readTree(Base64.getDecoder().decode(result.path("patch").asString("")));
            JsonNode patched = JsonPatch.apply(a.object().deepCopy(), patch);
            if (!(patched instanceof ObjectNode p)) {
                return Optional.of(ApiException.internal("admission webhook \"" + name
                        + "\" returned a patch that does not leave an object"));
            }
            a.object().removeAll();
            a.object().setAll(p);
            annotations.put("patch.webhook.admission.k8s.io/round_0_index_0",
                    "{\"webhook\":\"" + name + "\",\"patchType\":\"JSONPatch\"}");
        }
        return Optional.empty();
    }

    /** Kubernetes' ToStatusErr: at least 400, a Failure, the message prefixed with the webhook. */
    static ApiException denied(String webhook, JsonNode status) {
        int code = status.path("code").asInt(0);
        if (code < 400) {
            code = 400;
        }
        String deniedBy = "admission webhook \"" + webhook + "\" denied the request";
        String message = status.path("message").asString("");
        String reason = status.path("reason").asString("");
        String text = !message.isEmpty() ? deniedBy + ": " + message
                : !reason.isEmpty() ? deniedBy + ": " + reason : deniedBy + " without explanation";
        return new ApiException(code, reason, text, null);
    }

    private WebhookCaller.Target target(JsonNode clientConfig, long timeoutSeconds) {
        String query = "timeout=" + timeoutSeconds + "s";
        if (clientConfig.hasNonNull("url")) {
            URI url = URI.create(clientConfig.path("url").asString());
            String sep = url.getRawQuery() == null ? "?" : "&";
            return new WebhookCaller.Target(URI.create(url + sep + query), url.getHost());
        }
        JsonNode svc = clientConfig.path("service");
        String ns = svc.path("namespace").asString("");
        String name = svc.path("name").asString("");
        int port = svc.path("port").asInt(443);
        String path = svc.path("path").asString("");
        ObjectNode service = objects.get("", "services", ns, name).orElseThrow(() ->
                new IllegalStateException("service \"" + name + "\" not found"));
        String portName = null;
        int targetPort = port;
        for (JsonNode p : service.path("spec").path("ports")) {
            if (p.path("port").asInt() == port) {
                portName = p.path("name").asString("");
                JsonNode tp = p.path("targetPort");
                targetPort = tp.isInt() ? tp.asInt() : port;
            }
        }
        String address = null;
        for (ObjectNode slice : objects.listFew("discovery.k8s.io", "endpointslices", ns)) {
            if (!name.equals(slice.path("metadata").path("labels").path("kubernetes.io/service-name").asString(""))) {
                continue;
            }
            for (JsonNode sp : slice.path("ports")) {
                if (portName == null || portName.equals(sp.path("name").asString(""))) {
                    targetPort = sp.path("port").asInt(targetPort);
                }
            }
            for (JsonNode e : slice.path("endpoints")) {
                if (e.path("conditions").path("ready").asBoolean(true) && e.path("addresses").size() > 0) {
                    address = e.path("addresses").get(0).asString();
                    break;
                }
            }
            if (address != null) {
                break;
            }
        }
        if (address == null) {
            throw new IllegalStateException("service \"" + ns + "/" + name + "\" has no ready endpoints");
        }
        String host = address.contains(":") ? "[" + address + "]" : address;
        return new WebhookCaller.Target(URI.create("https://" + host + ":" + targetPort
                + (path.isEmpty() ? "/" : path) + "?" + query), name + "." + ns + ".svc");
    }

    private ObjectNode review(String uid, AdmissionAttributes a) {
        ObjectNode review = Json.object();
        review.put("apiVersion", "admission.k8s.io/v1");
        review.put("kind", "AdmissionReview");
        ObjectNode r = review.putObject("request");
        r.put("uid", uid);
        ObjectNode kind = r.putObject("kind");
        kind.put("group", a.group());
        kind.put("version", a.version());
        kind.put("kind", a.kind());
        ObjectNode res = r.putObject("resource");
        res.put("group", a.group());
        res.put("version", a.version());
        res.put("resource", a.resource());
        if (a.subresource() != null && !a.subresource().isEmpty()) {
            r.put("subResource", a.subresource());
        }
        r.set("requestKind", kind.deepCopy());
        r.set("requestResource", res.deepCopy());
        if (a.name() != null) {
            r.put("name", a.name());
        }
        if (a.namespace() != null && !a.namespace().isEmpty()) {
            r.put("namespace", a.namespace());
        }
        r.put("operation", a.operation().name());
        ObjectNode user = r.putObject("userInfo");
        user.put("username", a.user().name());
        if (a.user().uid() != null && !a.user().uid().isEmpty()) {
            user.put("uid", a.user().uid());
        }
        var groups = user.putArray("groups");
        a.user().groups().forEach(groups::add);
        if (!a.user().extra().isEmpty()) {
            ObjectNode extra = user.putObject("extra");
            a.user().extra().forEach((k, v) -> {
                var arr = extra.putArray(k);
                v.forEach(arr::add);
            });
        }
        r.set("object", a.object() == null ? null : a.object().deepCopy());
        r.set("oldObject", a.oldObject() == null ? null : a.oldObject().deepCopy());
        r.put("dryRun", a.dryRun());
        ObjectNode options = r.putObject("options");
        options.put("apiVersion", "meta.k8s.io/v1");
        options.put("kind", switch (a.operation()) {
            case CREATE -> "CreateOptions";
            case UPDATE -> "UpdateOptions";
            case DELETE -> "DeleteOptions";
        });
        return review;
    }

    private Map<String, String> namespaceLabels(AdmissionAttributes a) {
        if (a.group().isEmpty() && a.resource().equals("namespaces")) {
            return Json.labels(a.object() != null ? a.object() : a.oldObject());
        }
        if (a.namespace() == null || a.namespace().isEmpty()) {
            return Map.of();
        }
        return objects.get("", "namespaces", null, a.namespace()).map(Json::labels).orElse(Map.of());
    }

    /** Cluster-scoped objects (other than Namespaces) are never excluded by a namespaceSelector. */
    private static boolean namespaceMatches(JsonNode webhook, AdmissionAttributes a, Map<String, String> labels) {
        boolean clusterScoped = (a.namespace() == null || a.namespace().isEmpty())
                && !(a.group().isEmpty() && a.resource().equals("namespaces"));
        return clusterScoped || WebhookRules.selects(webhook.get("namespaceSelector"), labels);
    }
}
