package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.AppArmorProfile;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SELinuxOptions;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.kaji.node.runtime.AppArmor;
import io.kaji.node.runtime.ContainerSecurity;
import io.kaji.node.runtime.ImageInfo;
import io.kaji.node.runtime.SandboxSecurity;
import io.kaji.node.runtime.SeLinux;
import io.kaji.node.runtime.Seccomp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pod's and its containers' {@code securityContext} turned into what the runtime applies, as the kubelet does it
 * (pkg/kubelet/kuberuntime/security_context.go and pkg/securitycontext):
 *
 * <ul>
 *   <li>The container's settings override the pod's for runAsUser, runAsGroup, runAsNonRoot and seccompProfile;
 *   privileged, capabilities, readOnlyRootFilesystem and allowPrivilegeEscalation are the container's only;
 *   fsGroup and supplementalGroups the pod's only (fsGroup first).</li>
 *   <li>Without a runAsUser the image's user is passed on: its uid when numeric, else its name for the runtime to
 *   look up in the image's /etc/passwd (an unknown name fails the container's creation), root when the image names
 *   none.</li>
 *   <li>{@code allowPrivilegeEscalation: false} sets no_new_privs; unset it is left off.</li>
 *   <li>seccomp: the container's profile, else the pod's, else Unconfined (the kubelet's default without
 *   {@code seccompDefault}); a Localhost profile is a file below the node's seccomp directory.</li>
 *   <li>The sandbox is privileged when any of the pod's containers is: containerd refuses a privileged container in
 *   a sandbox that is not.</li>
 *   <li>runAsNonRoot is checked before a container is created, with the kubelet's messages; a refusal is the
 *   container's {@code CreateContainerConfigError}.</li>
 *   <li>AppArmor: the container's {@code appArmorProfile}, else its deprecated annotation, else the pod's; none
 *   leaves the runtime's default. A pod that asks for a profile on a host that cannot enforce AppArmor is refused
 *   at admission ({@link #appArmorRejection}), as the kubelet refuses it.</li>
 *   <li>seLinuxOptions: the container's, else the pod's; the sandbox gets the pod's.</li>
 *   <li>The kubelet's masked and read-only /proc and /sys paths for procMount Default, the runtime's for
 *   Unmasked.</li>
 * </ul>
 */
final class SecurityContexts {

    private SecurityContexts() {
    }

    /** The user an image runs as: a uid, or a name for the runtime to resolve; neither when it is not known. */
    record ImageUser(Long uid, String username) {
        /** An image that names no user runs as root. */
        static final ImageUser ROOT = new ImageUser(0L, "");
        /** The runtime could not tell: nothing is passed on (it applies the image's own), runAsNonRoot refuses. */
        static final ImageUser UNKNOWN = new ImageUser(null, "");

        /** The user of {@code image} as the kubelet's getImageUser reads it: uid, else name, else root. */
        static ImageUser of(Optional<ImageInfo> image) {
            if (image.isEmpty()) {
                return UNKNOWN;
            }
            ImageInfo i = image.get();
            if (i.uid() != null) {
                return new ImageUser(i.uid(), "");
            }
            return i.username().isEmpty() ? ROOT : new ImageUser(null, i.username());
        }
    }

    /**
     * The sandbox's settings: the pod's user, group, groups and seccomp profile; privileged if any container is. A
     * pod-level Localhost profile that cannot be used leaves the pause process unconfined: each container reports
     * the error when it is created.
     */
    static SandboxSecurity sandbox(Pod pod, Path seccompRoot) {
        PodSecurityContext sc = pod.getSpec().getSecurityContext();
        boolean privileged = PodSpecs.containers(pod).stream().anyMatch(c -> c.getSecurityContext() != null
                && Boolean.TRUE.equals(c.getSecurityContext().getPrivileged()));
        if (sc == null) {
            return new SandboxSecurity(null, null, List.of(), privileged, Seccomp.UNCONFINED);
        }
        Seccomp seccomp;
        try {
            seccomp = seccomp(sc.getSeccompProfile(), null, seccompRoot);
        } catch (EnvResolver.ConfigError e) {
            seccomp = Seccomp.UNCONFINED;
        }
        return new SandboxSecurity(sc.getRunAsUser(), sc.getRunAsGroup(), supplementalGroups(sc), privileged,
                seccomp, seLinux(sc.getSeLinuxOptions()));
    }

    /** Container {@code c}'s settings; {@code image} is the user of its image. */
    static ContainerSecurity container(Pod pod, Container c, ImageUser image, Path seccompRoot)
            throws EnvResolver.ConfigError {
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        SecurityContext sc = c.getSecurityContext();
        Long runAsUser = runAsUser(psc, sc);
        Long runAsGroup = sc != null && sc.getRunAsGroup() != null ? sc.getRunAsGroup()
                : psc != null ? psc.getRunAsGroup() : null;
        String username = "";
        if (runAsUser == null) {
            runAsUser = image.uid();
            username = image.username();
        }
        Capabilities caps = sc == null ? null : sc.getCapabilities();
        SELinuxOptions labels = sc != null && sc.getSeLinuxOptions() != null ? sc.getSeLinuxOptions()
                : psc != null ? psc.getSeLinuxOptions() : null;
        boolean unmasked = sc != null && "Unmasked".equals(sc.getProcMount());
        return new ContainerSecurity(runAsUser, runAsGroup, username,
                psc == null ? List.of() : supplementalGroups(psc),
                sc != null && Boolean.TRUE.equals(sc.getPrivileged()),
                sc != null && Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()),
                sc != null && Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()),
                caps == null || caps.getAdd() == null ? List.of() : caps.getAdd(),
                caps == null || caps.getDrop() == null ? List.of() : caps.getDrop(),
                seccomp(sc == null ? null : sc.getSeccompProfile(), psc == null ? null : psc.getSeccompProfile(),
                        seccompRoot),
                appArmor(pod, c).orElse(null), seLinux(labels),
                unmasked ? List.of() : MASKED_PATHS, unmasked ? List.of() : READONLY_PATHS);
    }

    /**
     * The paths the kubelet has the runtime mask in a container whose procMount is Default (its
     * securitycontext.defaultMaskedPaths): kernel interfaces that leak host information or let a container write
     * to hardware.
     */
    static final List<String> MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");
    /** The paths it has mounted read-only (its defaultReadonlyPaths). */
    static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    /** The deprecated per-container AppArmor annotation's key prefix; the annotation still names a profile. */
    static final String APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

    /**
     * Container {@code c}'s AppArmor profile as the kubelet finds it: the container's {@code appArmorProfile}, else
     * the deprecated annotation for the container (API servers copy it into the field; pods written straight to
     * the store may have only the annotation), else the pod's; empty for none. An annotation value that names no
     * profile is ignored, as the kubelet ignores it.
     */
    static Optional<AppArmor> appArmor(Pod pod, Container c) {
        if (c.getSecurityContext() != null && c.getSecurityContext().getAppArmorProfile() != null) {
            return appArmor(c.getSecurityContext().getAppArmorProfile());
        }
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        String annotation = annotations == null ? null : annotations.get(APPARMOR_ANNOTATION + c.getName());
        if (annotation != null) {
            if (annotation.equals("runtime/default")) {
                return Optional.of(AppArmor.RUNTIME_DEFAULT);
            }
            if (annotation.equals("unconfined")) {
                return Optional.of(AppArmor.UNCONFINED);
            }
            if (annotation.startsWith("localhost/") && !annotation.substring("localhost/".length()).isBlank()) {
                return Optional.of(AppArmor.localhost(annotation.substring("localhost/".length())));
            }
        }
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        return psc == null || psc.getAppArmorProfile() == null ? Optional.empty() : appArmor(psc.getAppArmorProfile());
    }

    private static Optional<AppArmor> appArmor(AppArmorProfile p) {
        return switch (p.getType() == null ? "" : p.getType()) {
            case "RuntimeDefault" -> Optional.of(AppArmor.RUNTIME_DEFAULT);
            case "Unconfined" -> Optional.of(AppArmor.UNCONFINED);
            case "Localhost" -> p.getLocalhostProfile() == null || p.getLocalhostProfile().isBlank() ? Optional.empty()
                    : Optional.of(AppArmor.localhost(p.getLocalhostProfile()));
            default -> Optional.empty();
        };
    }

    /**
     * Why this node may not run {@code pod}, as the kubelet's AppArmor admission says it: a pod that asks any of
     * its containers for a profile other than Unconfined (field or annotation), on a host that cannot enforce
     * AppArmor ({@code hostUnsupported}, from {@link AppArmor#hostUnsupported}), or a Localhost profile without a
     * name. The message follows "Cannot enforce AppArmor: ".
     */
    static Optional<String> appArmorRejection(Pod pod, Optional<String> hostUnsupported) {
        boolean required = false;
        for (Container c : PodSpecs.containers(pod)) {
            AppArmorProfile field = c.getSecurityContext() == null ? null : c.getSecurityContext().getAppArmorProfile();
            if (field != null && "Localhost".equals(field.getType())
                    && (field.getLocalhostProfile() == null || field.getLocalhostProfile().isBlank())) {
                return Optional.of("Cannot enforce AppArmor: invalid empty AppArmor profile name");
            }
            required |= appArmor(pod, c).filter(a -> a.type() != Seccomp.Type.UNCONFINED).isPresent();
        }
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        if (annotations != null) {
            for (Map.Entry<String, String> a : annotations.entrySet()) {
                if (!a.getKey().startsWith(APPARMOR_ANNOTATION)) {
                    continue;
                }
                if (a.getValue().startsWith("localhost/") && a.getValue().substring("localhost/".length()).isBlank()) {
                    return Optional.of("Cannot enforce AppArmor: invalid empty AppArmor profile name");
                }
                required |= !a.getValue().equals("unconfined");
            }
        }
        if (required && hostUnsupported.isPresent()) {
            return Optional.of("Cannot enforce AppArmor: " + hostUnsupported.get());
        }
        return Optional.empty();
    }

    private static SeLinux seLinux(SELinuxOptions o) {
        return o == null ? null : new SeLinux(o.getUser(), o.getRole(), o.getType(), o.getLevel());
    }

    /**
     * Why container {@code c} may not run, if its effective runAsNonRoot is true and it would run as root (or as a
     * user name whose uid cannot be known before it runs): the kubelet's verifyRunAsNonRoot, with its messages.
     */
    static Optional<String> runAsNonRootViolation(Pod pod, Container c, ImageUser image) {
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        SecurityContext sc = c.getSecurityContext();
        Boolean nonRoot = sc != null && sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot()
                : psc != null ? psc.getRunAsNonRoot() : null;
        if (!Boolean.TRUE.equals(nonRoot)) {
            return Optional.empty();
        }
        String where = "(pod: \"" + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "("
                + pod.getMetadata().getUid() + ")\", container: " + c.getName() + ")";
        Long runAsUser = runAsUser(psc, sc);
        if (runAsUser != null) {
            return runAsUser == 0 ? Optional.of("container's runAsUser breaks non-root policy " + where)
                    : Optional.empty();
        }
        if (image.uid() != null ? image.uid() == 0 : image.username().isEmpty()) {
            return Optional.of("container has runAsNonRoot and image will run as root " + where);
        }
        if (image.uid() == null && !image.username().isEmpty()) {
            return Optional.of("container has runAsNonRoot and image has non-numeric user (" + image.username()
                    + "), cannot verify user is non-root " + where);
        }
        return Optional.empty();
    }

    /** The effective runAsUser: the container's, else the pod's, else null. */
    private static Long runAsUser(PodSecurityContext psc, SecurityContext sc) {
        return sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser() : psc != null ? psc.getRunAsUser() : null;
    }

    /** fsGroup, then supplementalGroups, as the kubelet lists them. */
    private static List<Long> supplementalGroups(PodSecurityContext sc) {
        List<Long> groups = new ArrayList<>();
        if (sc.getFsGroup() != null) {
            groups.add(sc.getFsGroup());
        }
        if (sc.getSupplementalGroups() != null) {
            groups.addAll(sc.getSupplementalGroups());
        }
        return groups;
    }

    /** The container's profile, else the pod's, else Unconfined. */
    private static Seccomp seccomp(SeccompProfile container, SeccompProfile pod, Path seccompRoot)
            throws EnvResolver.ConfigError {
        SeccompProfile p = container != null ? container : pod;
        if (p == null || p.getType() == null) {
            return Seccomp.UNCONFINED;
        }
        return switch (p.getType()) {
            case "RuntimeDefault" -> Seccomp.RUNTIME_DEFAULT;
            case "Localhost" -> {
                String name = p.getLocalhostProfile();
                if (name == null || name.isEmpty()) {
                    throw new EnvResolver.ConfigError("localhostProfile must be set if seccompProfile type is "
                            + "Localhost.");
                }
                if (seccompRoot == null) {
                    throw new EnvResolver.ConfigError("this node has no seccomp profile directory for the "
                            + "Localhost profile " + name);
                }
                Path file = seccompRoot.resolve(name).normalize();
                if (!file.startsWith(seccompRoot.normalize())) {
                    throw new EnvResolver.ConfigError("localhostProfile " + name + " leaves the node's seccomp "
                            + "profile directory");
                }
                yield Seccomp.localhost(file.toString());
            }
            default -> Seccomp.UNCONFINED;
        };
    }
}
