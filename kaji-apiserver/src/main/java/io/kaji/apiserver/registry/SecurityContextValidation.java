package io.kaji.apiserver.registry;

import io.kaji.apiserver.errors.StatusCause;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Validation of a pod's and its containers' {@code securityContext}, as Kubernetes' ValidatePodSecurityContext and
 * ValidateSecurityContext with their messages: user and group ids within 0..2147483647, a seccomp profile's type
 * and its localhostProfile (a relative path without '..', set exactly when the type is Localhost), and the two
 * combinations that contradict {@code allowPrivilegeEscalation: false} (Kubernetes names the whole securityContext
 * and prints it as a Go value; here the field is allowPrivilegeEscalation, whose false is what the message is about).
 */
final class SecurityContextValidation {

    private static final long MAX_ID = Integer.MAX_VALUE;
    private static final String ID_RANGE = "must be between 0 and 2147483647, inclusive";
    private static final List<String> SECCOMP_TYPES = List.of("Localhost", "RuntimeDefault", "Unconfined");

    private SecurityContextValidation() {
    }

    /** The pod-level {@code securityContext} at {@code at} ({@code spec.securityContext}). */
    static void pod(JsonNode sc, String at, List<StatusCause> causes) {
        if (sc == null || !sc.isObject()) {
            return;
        }
        for (String id : List.of("runAsUser", "runAsGroup", "fsGroup")) {
            id(sc.get(id), at + "." + id, causes);
        }
        JsonNode groups = sc.get("supplementalGroups");
        if (groups != null && groups.isArray()) {
            for (int i = 0; i < groups.size(); i++) {
                id(groups.get(i), at + ".supplementalGroups[" + i + "]", causes);
            }
        }
        seccomp(sc.get("seccompProfile"), at + ".seccompProfile", causes);
    }

    /** A container's {@code securityContext} at {@code at}. */
    static void container(JsonNode sc, String at, List<StatusCause> causes) {
        if (sc == null || !sc.isObject()) {
            return;
        }
        id(sc.get("runAsUser"), at + ".runAsUser", causes);
        id(sc.get("runAsGroup"), at + ".runAsGroup", causes);
        seccomp(sc.get("seccompProfile"), at + ".seccompProfile", causes);
        JsonNode escalation = sc.get("allowPrivilegeEscalation");
        if (escalation != null && escalation.isBoolean() && !escalation.asBoolean()) {
            if (sc.path("privileged").asBoolean(false)) {
                causes.add(StatusCause.invalid(at + ".allowPrivilegeEscalation", false,
                        "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"));
            }
            for (JsonNode cap : sc.path("capabilities").path("add")) {
                if ("CAP_SYS_ADMIN".equals(cap.asString(""))) {
                    causes.add(StatusCause.invalid(at + ".allowPrivilegeEscalation", false,
                            "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"));
                }
            }
        }
    }

    private static void id(JsonNode value, String at, List<StatusCause> causes) {
        if (value != null && value.isIntegralNumber() && (value.asLong() < 0 || value.asLong() > MAX_ID)) {
            causes.add(StatusCause.invalid(at, value.asLong(), ID_RANGE));
        }
    }

    private static void seccomp(JsonNode profile, String at, List<StatusCause> causes) {
        if (profile == null || !profile.isObject()) {
            return;
        }
        String type = profile.path("type").asString("");
        JsonNode localhost = profile.get("localhostProfile");
        boolean hasLocalhost = localhost != null && !localhost.isNull();
        if (type.equals("Localhost")) {
            if (!hasLocalhost) {
                causes.add(StatusCause.required(at + ".localhostProfile", "must be set when seccomp type is Localhost"));
            } else {
                String path = localhost.asString("");
                if (path.startsWith("/")) {
                    causes.add(StatusCause.invalid(at + ".localhostProfile", path, "must be a relative path"));
                }
                if (List.of(path.split("/")).contains("..")) {
                    causes.add(StatusCause.invalid(at + ".localhostProfile", path, "must not contain '..'"));
                }
            }
        } else if (hasLocalhost) {
            causes.add(StatusCause.invalid(at + ".localhostProfile", localhost.asString(""),
                    "can only be set when seccomp type is Localhost"));
        }
        if (type.isEmpty()) {
            causes.add(StatusCause.required(at + ".type", "type is required when seccompProfile is set"));
        } else if (!SECCOMP_TYPES.contains(type)) {
            causes.add(StatusCause.notSupported(at + ".type", type, SECCOMP_TYPES));
        }
    }
}
