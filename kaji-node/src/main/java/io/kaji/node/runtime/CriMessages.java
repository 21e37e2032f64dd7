package io.kaji.node.runtime;

import io.kaji.node.cri.v1.Capability;
import io.kaji.node.cri.v1.ContainerConfig;
import io.kaji.node.cri.v1.ContainerMetadata;
import io.kaji.node.cri.v1.ContainerStats;
import io.kaji.node.cri.v1.DNSConfig;
import io.kaji.node.cri.v1.Image;
import io.kaji.node.cri.v1.ImageSpec;
import io.kaji.node.cri.v1.Int64Value;
import io.kaji.node.cri.v1.KeyValue;
import io.kaji.node.cri.v1.LinuxContainerConfig;
import io.kaji.node.cri.v1.LinuxContainerResources;
import io.kaji.node.cri.v1.LinuxContainerSecurityContext;
import io.kaji.node.cri.v1.LinuxPodSandboxConfig;
import io.kaji.node.cri.v1.LinuxSandboxSecurityContext;
import io.kaji.node.cri.v1.Mount;
import io.kaji.node.cri.v1.MountPropagation;
import io.kaji.node.cri.v1.NamespaceMode;
import io.kaji.node.cri.v1.NamespaceOption;
import io.kaji.node.cri.v1.PodSandboxConfig;
import io.kaji.node.cri.v1.PodSandboxMetadata;
import io.kaji.node.cri.v1.Protocol;
import io.kaji.node.cri.v1.SELinuxOption;
import io.kaji.node.cri.v1.SecurityProfile;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Translates Kaji's specs into CRI messages and CRI messages into Kaji's records. Pure functions; thread-safe.
 * The choices the kubelet makes and containerd does not are here (see the comments).
 */
final class CriMessages {

    private CriMessages() {
    }

    static PodSandboxConfig sandboxConfig(SandboxSpec spec) {
        Map<String, String> labels = new HashMap<>(spec.labels());
        labels.putAll(KajiLabels.forPod(spec.pod()));
        NamespaceOption namespaces = namespaces(spec);
        PodSandboxConfig.Builder b = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(spec.pod().name())
                        .setNamespace(spec.pod().namespace()).setUid(spec.pod().uid()).setAttempt(spec.attempt()))
                // The CRI rejects a hostname for host-network pods: they have the node's. A name is cut to a DNS
                // label; an FQDN (setHostnameAsFQDN) was made from a cut one and is passed as it is.
                .setHostname(spec.hostNetwork() ? "" : spec.hostname().contains(".") ? spec.hostname()
                        : hostname(spec.hostname()))
                .setLogDirectory(spec.logDirectory().toString())
                .putAllLabels(labels)
                .putAllAnnotations(spec.annotations())
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(spec.cgroupParent())
                        .putAllSysctls(spec.sysctls())
                        .setSecurityContext(sandboxSecurity(spec.security(), namespaces)));
        for (SandboxSpec.PortMapping p : spec.ports()) {
            b.addPortMappings(io.kaji.node.cri.v1.PortMapping.newBuilder()
                    .setProtocol(Protocol.valueOf(p.protocol().toUpperCase(Locale.ROOT)))
                    .setContainerPort(p.containerPort()).setHostPort(p.hostPort())
                    .setHostIp(p.hostIp() == null ? "" : p.hostIp()));
        }
        if (spec.dns() != null) {
            b.setDnsConfig(DNSConfig.newBuilder().addAllServers(spec.dns().servers())
                    .addAllSearches(spec.dns().searches()).addAllOptions(spec.dns().options()));
        }
        return b.build();
    }

    static ContainerConfig containerConfig(SandboxSpec sandbox, ContainerSpec spec) {
        Map<String, String> labels = new HashMap<>(spec.labels());
        labels.putAll(KajiLabels.forContainer(sandbox.pod(), spec.name()));
        ContainerSpec.Resources r = spec.resources();
        NamespaceOption namespaces = namespaces(sandbox);
        if (!spec.pidTarget().isEmpty()) {
            // An ephemeral container with a target sees the target's processes (kubectl debug --target).
            namespaces = NamespaceOption.newBuilder(namespaces).setPid(NamespaceMode.TARGET)
                    .setTargetId(spec.pidTarget()).build();
        }
        ContainerConfig.Builder b = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(spec.name()).setAttempt(spec.attempt()))
                .setImage(ImageSpec.newBuilder().setImage(spec.image()))
                .addAllCommand(spec.command())
                .addAllArgs(spec.args())
                .setWorkingDir(spec.workingDir())
                .putAllLabels(labels)
                .putAllAnnotations(spec.annotations())
                .setLogPath(PodLogs.relativePath(spec.name(), spec.attempt()))
                .setStdin(spec.stdin())
                .setStdinOnce(spec.stdinOnce())
                .setTty(spec.tty())
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder()
                                .setCpuShares(r.cpuShares()).setCpuQuota(r.cpuQuotaMicros())
                                .setCpuPeriod(r.cpuPeriodMicros()).setMemoryLimitInBytes(r.memoryLimitBytes())
                                .setOomScoreAdj(r.oomScoreAdj()))
                        .setSecurityContext(containerSecurity(spec.security(), namespaces)));
        spec.env().forEach((k, v) -> b.addEnvs(KeyValue.newBuilder().setKey(k).setValue(v)));
        for (ContainerSpec.Mount m : spec.mounts()) {
            b.addMounts(Mount.newBuilder().setHostPath(m.hostPath()).setContainerPath(m.containerPath())
                    .setReadonly(m.readOnly()).setPropagation(switch (m.propagation()) {
                        case PRIVATE -> MountPropagation.PROPAGATION_PRIVATE;
                        case HOST_TO_CONTAINER -> MountPropagation.PROPAGATION_HOST_TO_CONTAINER;
                        case BIDIRECTIONAL -> MountPropagation.PROPAGATION_BIDIRECTIONAL;
                    }));
        }
        return b.build();
    }

    static LinuxSandboxSecurityContext sandboxSecurity(SandboxSecurity s, NamespaceOption namespaces) {
        LinuxSandboxSecurityContext.Builder b = LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(namespaces)
                .addAllSupplementalGroups(s.supplementalGroups()).setPrivileged(s.privileged())
                .setSeccomp(seccomp(s.seccomp()));
        if (s.seLinux() != null) {
            b.setSelinuxOptions(seLinux(s.seLinux()));
        }
        id(s.runAsUser(), b::setRunAsUser);
        id(s.runAsGroup(), b::setRunAsGroup);
        return b.build();
    }

    /**
     * The container's security context. The profile is always sent, Unconfined included: unset, containerd would
     * read the deprecated profile path instead.
     */
    static LinuxContainerSecurityContext containerSecurity(ContainerSecurity s, NamespaceOption namespaces) {
        LinuxContainerSecurityContext.Builder b = LinuxContainerSecurityContext.newBuilder()
                .setNamespaceOptions(namespaces)
                .setCapabilities(Capability.newBuilder().addAllAddCapabilities(s.addCapabilities())
                        .addAllDropCapabilities(s.dropCapabilities()))
                .setPrivileged(s.privileged()).setReadonlyRootfs(s.readOnlyRootfs()).setNoNewPrivs(s.noNewPrivs())
                .addAllSupplementalGroups(s.supplementalGroups()).setRunAsUsername(s.runAsUsername())
                .setSeccomp(seccomp(s.seccomp()))
                .addAllMaskedPaths(s.maskedPaths()).addAllReadonlyPaths(s.readonlyPaths());
        if (s.appArmor() != null) {
            // Both fields, as the kubelet sends them: runtimes older than the structured one read the string.
            b.setApparmor(appArmor(s.appArmor())).setApparmorProfile(s.appArmor().deprecatedName());
        }
        if (s.seLinux() != null) {
            b.setSelinuxOptions(seLinux(s.seLinux()));
        }
        id(s.runAsUser(), b::setRunAsUser);
        id(s.runAsGroup(), b::setRunAsGroup);
        return b.build();
    }

    static SecurityProfile appArmor(AppArmor a) {
        return SecurityProfile.newBuilder().setProfileType(profileType(a.type())).setLocalhostRef(a.name()).build();
    }

    static SELinuxOption seLinux(SeLinux s) {
        return SELinuxOption.newBuilder().setUser(s.user()).setRole(s.role()).setType(s.type()).setLevel(s.level())
                .build();
    }

    /** Sets an optional user or group id (proto3 tells an unset wrapper from 0, the root id). */
    private static void id(Long value, java.util.function.Consumer<Int64Value> setter) {
        if (value != null) {
            setter.accept(Int64Value.newBuilder().setValue(value).build());
        }
    }

    static SecurityProfile seccomp(Seccomp s) {
        return SecurityProfile.newBuilder().setProfileType(profileType(s.type())).setLocalhostRef(s.localhostRef())
                .build();
    }

    private static SecurityProfile.ProfileType profileType(Seccomp.Type type) {
        return switch (type) {
            case RUNTIME_DEFAULT -> SecurityProfile.ProfileType.RuntimeDefault;
            case UNCONFINED -> SecurityProfile.ProfileType.Unconfined;
            case LOCALHOST -> SecurityProfile.ProfileType.Localhost;
        };
    }

    /** A pod hostname as the kubelet makes it ({@link SandboxSpec#podHostname}). */
    static String hostname(String name) {
        return SandboxSpec.podHostname(name);
    }

    /**
     * The namespaces of a sandbox and its containers. proto3 defaults the PID mode to POD (0); the kubelet sets
     * CONTAINER unless the pod shares its PID namespace (then POD) or uses the host's (NODE).
     */
    static NamespaceOption namespaces(SandboxSpec spec) {
        return NamespaceOption.newBuilder()
                .setNetwork(spec.hostNetwork() ? NamespaceMode.NODE : NamespaceMode.POD)
                .setPid(spec.hostPid() ? NamespaceMode.NODE : spec.sharePid() ? NamespaceMode.POD
                        : NamespaceMode.CONTAINER)
                .setIpc(spec.hostIpc() ? NamespaceMode.NODE : NamespaceMode.POD)
                .build();
    }

    static ContainerUsage usage(ContainerStats s) {
        return new ContainerUsage(s.getAttributes().getId(), s.getAttributes().getMetadata().getName(),
                instant(s.getCpu().getTimestamp()), s.getCpu().getUsageCoreNanoSeconds().getValue(),
                s.getMemory().getWorkingSetBytes().getValue(), s.getWritableLayer().getUsedBytes().getValue(),
                Map.copyOf(s.getAttributes().getLabelsMap()), s.getMemory().getUsageBytes().getValue(),
                s.getMemory().getRssBytes().getValue());
    }

    static ImageInfo image(Image i) {
        return new ImageInfo(i.getId(), List.copyOf(i.getRepoTagsList()), List.copyOf(i.getRepoDigestsList()),
                i.getSize(), i.getPinned(), i.hasUid() ? i.getUid().getValue() : null, i.getUsername());
    }

    static ContainerState state(io.kaji.node.cri.v1.ContainerState s) {
        return switch (s) {
            case CONTAINER_CREATED -> ContainerState.CREATED;
            case CONTAINER_RUNNING -> ContainerState.RUNNING;
            case CONTAINER_EXITED -> ContainerState.EXITED;
            default -> ContainerState.UNKNOWN;
        };
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(0, nanos);
    }

    static Instant instantOrNull(long nanos) {
        return nanos == 0 ? null : instant(nanos);
    }
}
