package io.kaji.apiserver.errors;

import io.kaji.apiserver.serialization.Json;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A request that fails with a Kubernetes {@code metav1.Status}. Thrown anywhere below the HTTP layer and turned
 * into exactly one Status response there; the factories reproduce Kubernetes' messages, which kubectl prints
 * verbatim ({@code Error from server (NotFound): pods "x" not found}).
 */
public final class ApiException extends RuntimeException {

    private final int code;
    private final String reason;
    private final Details details;
    private int retryAfterSeconds;

    /**
     * The {@code details} of a Status.
     *
     * @param name   the object's name, or null
     * @param group  the API group, or null/empty for core
     * @param kind   the resource (plural) or, for Invalid, the kind, or null
     * @param causes field causes, empty when none
     */
    public record Details(String name, String group, String kind, List<StatusCause> causes) {
        public Details {
            causes = causes == null ? List.of() : List.copyOf(causes);
        }
    }

    public ApiException(int code, String reason, String message, Details details) {
        super(message);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    public Details details() {
        return details;
    }

    /** The Status object of this error. */
    public ObjectNode toStatus() {
        ObjectNode s = Json.object();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure");
        s.put("message", getMessage());
        if (reason != null && !reason.isEmpty()) {
            s.put("reason", reason);
        }
        if (details != null || retryAfterSeconds > 0) {
            ObjectNode d = s.putObject("details");
            if (retryAfterSeconds > 0) {
                d.put("retryAfterSeconds", retryAfterSeconds);
            }
        }
        if (details != null) {
            ObjectNode d = (ObjectNode) s.get("details");
            if (details.name() != null) {
                d.put("name", details.name());
            }
            if (details.group() != null && !details.group().isEmpty()) {
                d.put("group", details.group());
            }
            if (details.kind() != null) {
                d.put("kind", details.kind());
            }
            if (!details.causes().isEmpty()) {
                ArrayNode causes = d.putArray("causes");
                for (StatusCause c : details.causes()) {
                    ObjectNode cn = causes.addObject();
                    cn.put("reason", c.reason());
                    cn.put("message", c.message());
                    if (c.field() != null) {
                        cn.put("field", c.field());
                    }
                }
            }
        }
        s.put("code", code);
        return s;
    }

    /** {@code pods} or {@code deployments.apps}: how Kubernetes names a resource in messages. */
    public static String qualified(String resource, String group) {
        return group == null || group.isEmpty() ? resource : resource + "." + group;
    }

    public static ApiException notFound(String resource, String group, String name) {
        return new ApiException(404, "NotFound", qualified(resource, group) + " \"" + name + "\" not found",
                new Details(name, group, resource, List.of()));
    }

    /** 404 for a URL that names nothing the server serves. */
    public static ApiException notFoundPath() {
        return new ApiException(404, "NotFound", "the server could not find the requested resource",
                new Details(null, null, null, List.of()));
    }

    public static ApiException alreadyExists(String resource, String group, String name) {
        return new ApiException(409, "AlreadyExists", qualified(resource, group) + " \"" + name + "\" already exists",
                new Details(name, group, resource, List.of()));
    }

    public static ApiException conflict(String resource, String group, String name, String why) {
        return new ApiException(409, "Conflict", "Operation cannot be fulfilled on " + qualified(resource, group)
                + " \"" + name + "\": " + why, new Details(name, group, resource, List.of()));
    }

    /** The optimistic-concurrency conflict kubectl and controllers retry on. */
    public static ApiException modified(String resource, String group, String name) {
        return conflict(resource, group, name,
                "the object has been modified; please apply your changes to the latest version and try again");
    }

    /**
     * 422 Invalid: {@code Pod "x" is invalid: metadata.name: Invalid value: ...}; the kind is qualified by a
     * non-core group as Kubernetes qualifies it ({@code Widget.example.com "w" is invalid: ...}).
     */
    public static ApiException invalid(String kind, String group, String name, List<StatusCause> causes) {
        String qualified = group == null || group.isEmpty() || kind.contains(".") ? kind : kind + "." + group;
        StringBuilder msg = new StringBuilder().append(qualified).append(" \"").append(name == null ? "" : name)
                .append("\" is invalid: ");
        if (causes.size() == 1) {
            msg.append(causes.get(0).describe());
        } else {
            msg.append('[');
            for (int i = 0; i < causes.size(); i++) {
                msg.append(i == 0 ? "" : ", ").append(causes.get(i).describe());
            }
            msg.append(']');
        }
        return new ApiException(422, "Invalid", msg.toString(), new Details(name, group, kind, causes));
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message, null);
    }

    public static ApiException forbidden(String resource, String group, String name, String why) {
        String what = name == null || name.isEmpty()
                ? qualified(resource, group) + " is forbidden: " + why
                : qualified(resource, group) + " \"" + name + "\" is forbidden: " + why;
        return new ApiException(403, "Forbidden", what, new Details(name, group, resource, List.of()));
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "Unauthorized", "Unauthorized", null);
    }

    public static ApiException methodNotAllowed() {
        return new ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                new Details(null, null, null, List.of()));
    }

    public static ApiException unsupportedMediaType(String contentType) {
        return new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                + "accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"
                + (contentType == null || contentType.isEmpty() ? "" : " (got " + contentType + ")"), null);
    }

    public static ApiException tooLarge(long limit) {
        return new ApiException(413, "RequestEntityTooLarge", "Request entity too large: limit is " + limit, null);
    }

    /** 410 Gone with reason Expired: a watch or continue token older than the retained history. */
    public static ApiException expired(String message) {
        return new ApiException(410, "Expired", message, null);
    }

    /** 503 ServiceUnavailable: something the request needs (a node agent, a component starting) is not there. */
    public static ApiException unavailable(String message) {
        return new ApiException(503, "ServiceUnavailable", message, null);
    }

    public static ApiException timeout(String message) {
        return new ApiException(504, "Timeout", message, null);
    }

    /**
     * 429 TooManyRequests (API Priority and Fairness refused the request); the response also carries
     * {@code Retry-After}, which clients honour before retrying.
     */
    public static ApiException tooManyRequests(String message, int retryAfterSeconds) {
        ApiException e = new ApiException(429, "TooManyRequests", message, null);
        e.retryAfterSeconds = retryAfterSeconds;
        return e;
    }

    /** Seconds a client should wait before retrying (429), or 0. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static ApiException internal(String message) {
        return new ApiException(500, "InternalError", "Internal error occurred: " + message, null);
    }
}
