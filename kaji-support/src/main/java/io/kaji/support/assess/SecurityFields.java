package io.kaji.support.assess;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import java.util.List;
import java.util.Locale;

/**
 * A container's effective security settings: the container's security context overrides the pod's, as the
 * kubelet applies them.
 */
final class SecurityFields {

    private SecurityFields() {
    }

    static PodSecurityContext pod(Workload w) {
        return w.spec().getSecurityContext() != null ? w.spec().getSecurityContext() : new PodSecurityContext();
    }

    static Boolean runAsNonRoot(Workload w, ContainerView c) {
        return c.sc().getRunAsNonRoot() != null ? c.sc().getRunAsNonRoot() : pod(w).getRunAsNonRoot();
    }

    static Long runAsUser(Workload w, ContainerView c) {
        return c.sc().getRunAsUser() != null ? c.sc().getRunAsUser() : pod(w).getRunAsUser();
    }

    /** The seccomp profile type in effect, {@code null} when neither container nor pod sets one. */
    static String seccompType(Workload w, ContainerView c) {
        SeccompProfile container = c.sc().getSeccompProfile();
        if (container != null && container.getType() != null) {
            return container.getType();
        }
        SeccompProfile pod = pod(w).getSeccompProfile();
        return pod != null ? pod.getType() : null;
    }

    /** Where {@link #seccompType} came from, for evidence. */
    static String seccompPath(Workload w, ContainerView c) {
        SeccompProfile container = c.sc().getSeccompProfile();
        return container != null && container.getType() != null ? c.path() + ".securityContext.seccompProfile.type"
                : w.specPath() + ".securityContext.seccompProfile.type";
    }

    static List<String> added(ContainerView c) {
        Capabilities caps = c.sc().getCapabilities();
        return caps == null || caps.getAdd() == null ? List.of() : upper(caps.getAdd());
    }

    static List<String> dropped(ContainerView c) {
        Capabilities caps = c.sc().getCapabilities();
        return caps == null || caps.getDrop() == null ? List.of() : upper(caps.getDrop());
    }

    /** Capability names without the optional {@code CAP_} prefix, upper case. */
    private static List<String> upper(List<String> caps) {
        return caps.stream().map(s -> s.toUpperCase(Locale.ROOT))
                .map(s -> s.startsWith("CAP_") ? s.substring(4) : s).toList();
    }

    static boolean isTrue(Boolean b) {
        return Boolean.TRUE.equals(b);
    }
}
