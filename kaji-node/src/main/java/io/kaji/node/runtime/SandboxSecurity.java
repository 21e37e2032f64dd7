package io.kaji.node.runtime;

import java.util.List;
import java.util.Objects;

/**
 * The Linux security settings of a pod sandbox (its pause process), as the CRI's
 * {@code LinuxSandboxSecurityContext} carries them.
 *
 * @param runAsUser          the pod's runAsUser, or null
 * @param runAsGroup         the pod's runAsGroup, or null
 * @param supplementalGroups the pod's fsGroup and supplementalGroups
 * @param privileged         whether any container of the pod is privileged (containerd refuses a privileged
 *                           container in a sandbox that is not)
 * @param seccomp            the pod's seccomp profile
 * @param seLinux            the pod's SELinux labels, or null for the runtime's
 */
public record SandboxSecurity(Long runAsUser, Long runAsGroup, List<Long> supplementalGroups, boolean privileged,
                              Seccomp seccomp, SeLinux seLinux) {

    public static final SandboxSecurity DEFAULT = new SandboxSecurity(null, null, List.of(), false, Seccomp.UNCONFINED);

    public SandboxSecurity {
        supplementalGroups = List.copyOf(supplementalGroups);
        Objects.requireNonNull(seccomp, "seccomp");
    }

    /** Settings without SELinux labels. */
    public SandboxSecurity(Long runAsUser, Long runAsGroup, List<Long> supplementalGroups, boolean privileged,
                           Seccomp seccomp) {
        this(runAsUser, runAsGroup, supplementalGroups, privileged, seccomp, null);
    }
}
