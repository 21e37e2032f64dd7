package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.kaji.node.runtime.ContainerSecurity;
import io.kaji.node.runtime.ImageInfo;
import io.kaji.node.runtime.SandboxSecurity;
import io.kaji.node.runtime.Seccomp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
                seccomp);
    }

    /** Container {@code c}'s settings; {@code image} is the user of its image. */
    static ContainerSecurity container(Pod pod, Container c, ImageUser image, Path seccompRoot)
            throws EnvResolver.ConfigError {
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        SecurityContext sc = c.getSecurityContext();
        Long runAsUser = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser()
                : psc != null ? psc.getRunAsUser() : null;
        Long runAsGroup = sc != null && sc.getRunAsGroup() != null ? sc.getRunAsGroup()
                : psc != null ? psc.getRunAsGroup() : null;
        String username = "";
        if (runAsUser == null) {
            runAsUser = image.uid();
            username = image.username();
        }
        Capabilities caps = sc == null ? null : sc.getCapabilities();
        return new ContainerSecurity(runAsUser, runAsGroup, username,
                psc == null ? List.of() : supplementalGroups(psc),
                sc != null && Boolean.TRUE.equals(sc.getPrivileged()),
                sc != null && Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()),
                sc != null && Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()),
                caps == null || caps.getAdd() == null ? List.of() : caps.getAdd(),
                caps == null || caps.getDrop() == null ? List.of() : caps.getDrop(),
                seccomp(sc == null ? null : sc.getSeccompProfile(), psc == null ? null : psc.getSeccompProfile(),
                        seccompRoot));
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
        Long runAsUser = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser()
                : psc != null ? psc.getRunAsUser() : null;
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
