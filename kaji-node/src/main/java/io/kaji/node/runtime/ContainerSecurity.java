package io.kaji.node.runtime;

import java.util.List;
import java.util.Objects;

/**
 * The Linux security settings of one container, as the CRI's {@code LinuxContainerSecurityContext} carries them.
 *
 * @param runAsUser          the uid to run as, or null for {@code runAsUsername} or the image's user
 * @param runAsGroup         the primary gid, or null for the user's
 * @param runAsUsername      a user name to look up in the image's /etc/passwd (the image's own USER), or ""
 * @param supplementalGroups extra gids (the pod's fsGroup first, then its supplementalGroups)
 * @param privileged         all capabilities and devices, no seccomp or masked paths
 * @param readOnlyRootfs     the container's root file system is mounted read-only
 * @param noNewPrivs         the no_new_privs bit: no setuid or file-capability escalation
 * @param addCapabilities    capabilities added to the runtime's default set ("NET_ADMIN", "ALL")
 * @param dropCapabilities   capabilities dropped from it
 * @param seccomp            the seccomp profile
 * @param appArmor           the AppArmor profile, or null for none named (the runtime's default where AppArmor is on)
 * @param seLinux            SELinux labels, or null for the runtime's
 * @param maskedPaths        paths the runtime masks (the kubelet's list for procMount Default), or empty for the
 *                           runtime's own list
 * @param readonlyPaths      paths the runtime mounts read-only (likewise)
 */
public record ContainerSecurity(Long runAsUser, Long runAsGroup, String runAsUsername, List<Long> supplementalGroups,
                                boolean privileged, boolean readOnlyRootfs, boolean noNewPrivs,
                                List<String> addCapabilities, List<String> dropCapabilities, Seccomp seccomp,
                                AppArmor appArmor, SeLinux seLinux, List<String> maskedPaths,
                                List<String> readonlyPaths) {

    /** The runtime's defaults: the image's user, default capabilities, no seccomp filter. */
    public static final ContainerSecurity DEFAULT = new ContainerSecurity(null, null, "", List.of(), false, false,
            false, List.of(), List.of(), Seccomp.UNCONFINED);

    public ContainerSecurity {
        runAsUsername = runAsUsername == null ? "" : runAsUsername;
        supplementalGroups = List.copyOf(supplementalGroups);
        addCapabilities = List.copyOf(addCapabilities);
        dropCapabilities = List.copyOf(dropCapabilities);
        Objects.requireNonNull(seccomp, "seccomp");
        maskedPaths = List.copyOf(maskedPaths);
        readonlyPaths = List.copyOf(readonlyPaths);
    }

    /** Settings without AppArmor or SELinux labels, with the runtime's masked and read-only paths. */
    public ContainerSecurity(Long runAsUser, Long runAsGroup, String runAsUsername, List<Long> supplementalGroups,
                             boolean privileged, boolean readOnlyRootfs, boolean noNewPrivs,
                             List<String> addCapabilities, List<String> dropCapabilities, Seccomp seccomp) {
        this(runAsUser, runAsGroup, runAsUsername, supplementalGroups, privileged, readOnlyRootfs, noNewPrivs,
                addCapabilities, dropCapabilities, seccomp, null, null, List.of(), List.of());
    }
}
