package io.kaji.apiserver.auth;

import io.kaji.apiserver.auth.rbac.PolicyRule;
import io.kaji.apiserver.auth.rbac.RuleResolver;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.ResourceStrategy;
import io.kaji.apiserver.registry.VirtualResource;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The review APIs, answered (not stored) with the server's real authenticator and authorizer:
 * SelfSubjectAccessReview, SubjectAccessReview ({@code kubectl auth can-i [--as]}), LocalSubjectAccessReview, SelfSubjectRulesReview
 * ({@code kubectl auth can-i --list}), SelfSubjectReview ({@code kubectl auth whoami}) and TokenReview. Created before the authorizer exists (the registry comes
 * first), then {@link #bind bound}; until then a review answers 503. Thread-safe.
 */
public final class AccessReviews {

    private volatile Authorizer authorizer;
    private volatile RuleResolver rules;
    private volatile RequestAuthenticator authenticator;

    /** Connects the reviews to the running server's authorization and authentication. */
    public void bind(Authorizer authz, RuleResolver resolver, RequestAuthenticator authn) {
        this.rules = resolver;
        this.authenticator = authn;
        this.authorizer = authz;
    }

    private Authorizer authorizer() {
        Authorizer a = authorizer;
        if (a == null) {
            throw new ApiException(503, "ServiceUnavailable", "authorization is not ready yet", null);
        }
        return a;
    }

    /** SelfSubjectAccessReview: may the requester do what spec describes? */
    public final ResourceStrategy selfSubjectAccess = new Review() {
        @Override
        public ObjectNode answer(ObjectNode review, UserInfo user) {
            return decide(review, user);
        }
    };

    /** SubjectAccessReview: may spec.user (with spec.groups, uid, extra) do what spec describes? */
    public final ResourceStrategy subjectAccess = new Review() {
        @Override
        public ObjectNode answer(ObjectNode review, UserInfo requester) {
            JsonNode spec = review.path("spec");
            return decide(review, subject(review.path("spec"), "SubjectAccessReview"));
        }
    };

    /**
     * LocalSubjectAccessReview: SubjectAccessReview confined to the namespace of the request, so that a namespace
     * admin may be allowed to ask it. Validated as Kubernetes does: {@code spec.resourceAttributes.namespace} must
     * match the namespace, non-resource attributes are refused.
     */
    public final ResourceStrategy localSubjectAccess = new Review() {
        @Override
        public ObjectNode answer(ObjectNode review, UserInfo requester) {
            String namespace = Json.text(review, "metadata.namespace");
            if (namespace == null || namespace.isEmpty()) {
                throw ApiException.badRequest("namespace is required on this type: ");
            }
            JsonNode spec = review.path("spec");
            JsonNode ra = spec.get("resourceAttributes");
            JsonNode nra = spec.get("nonResourceAttributes");
            if (nra != null && !nra.isNull()) {
                throw invalid("LocalSubjectAccessReview", "spec.nonResourceAttributes",
                        "disallowed on this kind of request", "FieldValueInvalid");
            }
            if (ra != null && ra.isObject() && !namespace.equals(ra.path("namespace").asString(""))) {
                throw invalid("LocalSubjectAccessReview", "spec.resourceAttributes.namespace",
                        "Invalid value: \"" + ra.path("namespace").asString("") + "\": must match metadata.namespace",
                        "FieldValueInvalid");
            }
            return decide(review, subject(spec, "LocalSubjectAccessReview"));
        }
    };

    /** The user a (Local)SubjectAccessReview asks about: spec.user, spec.groups, spec.uid, spec.extra. */
    private static UserInfo subject(JsonNode spec, String kind) {
        String name = spec.path("user").asString("");
        List<String> groups = strings(spec.get("groups"));
        if (name.isEmpty() && groups.isEmpty()) {
            throw invalid(kind, "spec.user", "at least one of user or group must be specified");
        }
        Map<String, List<String>> extra = new LinkedHashMap<>();
        JsonNode ex = spec.get("extra");
        if (ex != null && ex.isObject()) {
            ex.properties().forEach(p -> extra.put(p.getKey(), strings(p.getValue())));
        }
        return new UserInfo(name, spec.path("uid").asString(""), groups, extra);
    }

    /** SelfSubjectRulesReview: every rule the requester holds in spec.namespace. */
    public final ResourceStrategy selfSubjectRules = new Review() {
        @Override
        public ObjectNode answer(ObjectNode review, UserInfo user) {
            authorizer();
            String ns = review.path("spec").path("namespace").asString("");
            ObjectNode status = review.putObject("status");
            ArrayNode resourceRules = status.putArray("resourceRules");
            ArrayNode nonResourceRules = status.putArray("nonResourceRules");
            List<PolicyRule> held = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            if (user.inGroup(AuthorizerChain.PRIVILEGED_GROUP)) {
                held.add(PolicyRule.resources(List.of("*"), List.of("*"), List.of("*")));
                held.add(PolicyRule.urls(List.of("*"), List.of("*")));
            }
            RuleResolver.Rules r = rules.rulesFor(user, ns);
            held.addAll(r.rules());
            errors.addAll(r.errors());
            for (PolicyRule rule : held) {
                if (!rule.resources().isEmpty()) {
                    ObjectNode o = resourceRules.addObject();
                    array(o, "verbs", rule.verbs());
                    array(o, "apiGroups", rule.apiGroups());
                    array(o, "resources", rule.resources());
                    if (!rule.resourceNames().isEmpty()) {
                        array(o, "resourceNames", rule.resourceNames());
                    }
                }
                if (!rule.nonResourceURLs().isEmpty()) {
                    ObjectNode o = nonResourceRules.addObject();
                    array(o, "verbs", rule.verbs());
                    array(o, "nonResourceURLs", rule.nonResourceURLs());
                }
            }
            status.put("incomplete", !errors.isEmpty());
            if (!errors.isEmpty()) {
                status.put("evaluationError", String.join(", ", errors));
            }
            return review;
        }
    };

    /** SelfSubjectReview ({@code kubectl auth whoami}): the requester's user info. */
    public final ResourceStrategy selfSubject = new Review() {
        @Override
        public ObjectNode answer(ObjectNode review, UserInfo user) {
            ObjectNode info = review.putObject("status").putObject("userInfo");
            info.put("username", user.name());
            if (!user.uid().isEmpty()) {
                info.put("uid", user.uid());
            }
            array(info, "groups", user.groups());
            if (!user.extra().isEmpty()) {
                ObjectNode extra = info.putObject("extra");
                user.extra().forEach((k, v) -> array(extra, k, v));
            }
            return review;
        }
    };

    /** TokenReview: who does spec.token authenticate as, for spec.audiences (default: the server's)? */
    public final ResourceStrategy tokenReview = new Review() {
        @Override
        public ObjectNode answer(ObjectNode review, UserInfo requester) {
            RequestAuthenticator authn = authenticator;
            if (authn == null) {
                throw new ApiException(503, "ServiceUnavailable", "authentication is not ready yet", null);
            }
            JsonNode spec = review.path("spec");
            String token = spec.path("token").asString("");
            List<String> audiences = strings(spec.get("audiences"));
            List<String> accepted = audiences.isEmpty() ? authn.audiences() : audiences;
            ObjectNode status = review.putObject("status");
            Optional<UserInfo> user = token.isEmpty() ? Optional.empty() : authn.authenticateToken(token, accepted);
            if (user.isEmpty()) {
                status.put("authenticated", false);
                status.put("error", "[invalid bearer token, token lookup failed]");
                return review;
            }
            status.put("authenticated", true);
            ObjectNode u = status.putObject("user");
            u.put("username", user.get().name());
            if (!user.get().uid().isEmpty()) {
                u.put("uid", user.get().uid());
            }
            array(u, "groups", user.get().groups());
            if (!user.get().extra().isEmpty()) {
                ObjectNode extra = u.putObject("extra");
                user.get().extra().forEach((k, v) -> array(extra, k, v));
            }
            array(status, "audiences", audiences.isEmpty() ? authn.audiences() : audiences);
            return review;
        }
    };

    private ObjectNode decide(ObjectNode review, UserInfo user) {
        Authorizer authz = authorizer();
        JsonNode spec = review.path("spec");
        JsonNode ra = spec.get("resourceAttributes");
        JsonNode nra = spec.get("nonResourceAttributes");
        Attributes a;
        if (ra != null && ra.isObject() && (nra == null || nra.isNull())) {
            a = new Attributes(user, ra.path("verb").asString(""), true, ra.path("namespace").asString(""),
                    ra.path("group").asString(""), ra.path("version").asString(""),
                    ra.path("resource").asString(""), ra.path("subresource").asString(""),
                    ra.path("name").asString(""), "");
        } else if (nra != null && nra.isObject() && (ra == null || ra.isNull())) {
            a = Attributes.nonResource(user, nra.path("verb").asString(""), nra.path("path").asString(""));
        } else {
            throw invalid(review.path("kind").asString("SelfSubjectAccessReview"), "spec.resourceAttributes",
                    "exactly one of nonResourceAttributes or resourceAttributes must be specified");
        }
        Authorizer.Decision d = authz.authorize(a);
        ObjectNode status = review.putObject("status");
        status.put("allowed", d.allowed());
        if (!d.reason().isEmpty()) {
            status.put("reason", d.reason());
        }
        return review;
    }

    private static ApiException invalid(String kind, String field, String message) {
        return invalid(kind, field, message, "FieldValueRequired");
    }

    private static ApiException invalid(String kind, String field, String message, String reason) {
        return ApiException.invalid(kind, "authorization.k8s.io", "",
                List.of(new io.kaji.apiserver.errors.StatusCause(reason, message, field)));
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        if (a != null && a.isArray()) {
            a.forEach(v -> out.add(v.asString("")));
        }
        return out;
    }

    private static void array(ObjectNode o, String field, List<String> values) {
        ArrayNode a = o.putArray(field);
        values.forEach(a::add);
    }

    private abstract static class Review implements ResourceStrategy, VirtualResource {
        @Override
        public boolean tracksGeneration() {
            return false;
        }

        @Override
        public void prepareForCreate(ObjectNode o) {
            Json.metadata(o).remove("uid");
            Json.metadata(o).remove("creationTimestamp");
        }
    }
}
