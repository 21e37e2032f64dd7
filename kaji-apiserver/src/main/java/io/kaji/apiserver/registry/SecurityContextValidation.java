package io.kaji.apiserver.registry;

import io.kaji.apiserver.errors.StatusCause;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Validation of a pod's and its containers' {@code securityContext}, as Kubernetes' ValidatePodSecurityContext and
 * ValidateSecurityContext with their messages: user and group ids within 0..2147483647, a seccomp profile's type
 * and its localhostProfile (a relative path without '..', set exactly when the type is Localhost), an AppArmor
 * profile likewise (its localhostProfile a profile name), procMount and what a user namespace rules out, and the two
 * combinations that contradict {@code allowPrivilegeEscalation: false} (Kubernetes names the whole securityContext
 * and prints it as a Go value; here the field is allowPrivilegeEscalation, whose false is what the message is about).
 */
final class SecurityContextValidation {

    private static final long MAX_ID = Integer.MAX_VALUE;
    private static final String ID_RANGE = "must be between 0 and 2147483647, inclusive";
    /** The profile types of seccomp and AppArmor alike. */
    private static final List<String> SECCOMP_TYPES = List.of("Localhost", "RuntimeDefault", "Unconfined");
    private static final List<String> PROC_MOUNTS = List.of("Default", "Unmasked");

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
        appArmor(sc.get("appArmorProfile"), at + ".appArmorProfile", causes);
    }

    /** A container's {@code securityContext} at {@code at}. */
    static void container(JsonNode sc, String at, List<StatusCause> causes) {
        if (sc == null || !sc.isObject()) {
            return;
        }
        id(sc.get("runAsUser"), at + ".runAsUser", causes);
        id(sc.get("runAsGroup"), at + ".runAsGroup", causes);
        seccomp(sc.get("seccompProfile"), at + ".seccompProfile", causes);
        appArmor(sc.get("appArmorProfile"), at + ".appArmorProfile", causes);
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

    /**
     * What a pod in a user namespace ({@code hostUsers: false}) may not also have: the host's network, PID or IPC
     * namespace; and each container's {@code procMount}: Default or Unmasked, Unmasked only in a user namespace.
     */
    static void userNamespace(JsonNode spec, String path, List<StatusCause> causes) {
        boolean hostUsers = !(spec.path("hostUsers").isBoolean() && !spec.path("hostUsers").asBoolean());
        if (!hostUsers) {
            for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
                if (spec.path(host).asBoolean(false)) {
                    causes.add(StatusCause.forbidden(path + "." + host, "when `pod.Spec.HostUsers` is false"));
                }
            }
        }
        for (String list : ContainerLists.ALL) {
            JsonNode containers = spec.path(list);
            for (int i = 0; i < containers.size(); i++) {
                JsonNode procMount = containers.get(i).path("securityContext").get("procMount");
                if (procMount == null || procMount.isNull()) {
                    continue;
                }
                String at = path + "." + list + "[" + i + "].securityContext.procMount";
                String value = procMount.asString("");
                if (!PROC_MOUNTS.contains(value)) {
                    causes.add(StatusCause.notSupported(at, value, PROC_MOUNTS));
                } else if (hostUsers && value.equals("Unmasked")) {
                    causes.add(StatusCause.invalid(at, value, "`hostUsers` must be false to use `Unmasked`"));
                }
            }
        }
    }

    /**
     * An {@code appArmorProfile}: a known type; a localhostProfile exactly for Localhost, not blank, not padded,
     * at most 4095 bytes (PATH_MAX - 1).
     */
    private static void appArmor(JsonNode profile, String at, List<StatusCause> causes) {
        if (profile == null || !profile.isObject()) {
            return;
        }
        String type = profile.path("type").asString("");
        JsonNode localhost = profile.get("localhostProfile");
        boolean hasLocalhost = localhost != null && !localhost.isNull();
        switch (type) {
            case "Localhost" -> {
                String name = hasLocalhost ? localhost.asString("") : "";
                if (hasLocalhost && !name.strip().equals(name)) {
                    causes.add(StatusCause.invalid(at + ".localhostProfile", name,
                            "must not be padded with whitespace"));
                } else if (name.isEmpty()) {
                    causes.add(StatusCause.required(at + ".localhostProfile",
                            "must be set when AppArmor type is Localhost"));
                }
                if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 4095) {
                    causes.add(new StatusCause("FieldValueTooLong", "Too long: may not be more than 4095 bytes",
                            at + ".localhostProfile"));
                }
            }
            case "RuntimeDefault", "Unconfined" -> {
                if (hasLocalhost) {
                    causes.add(StatusCause.invalid(at + ".localhostProfile", localhost.asString(""),
                            "can only be set when AppArmor type is Localhost"));
                }
            }
            case "" -> causes.add(StatusCause.required(at + ".type", "type is required when appArmorProfile is set"));
            default -> causes.add(StatusCause.notSupported(at + ".type", type, SECCOMP_TYPES));
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
