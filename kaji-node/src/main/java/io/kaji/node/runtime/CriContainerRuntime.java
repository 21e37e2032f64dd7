package io.kaji.node.runtime;

import io.grpc.StatusRuntimeException;
import io.kaji.node.cri.CriConnection;
import io.kaji.node.cri.v1.Capability;
import io.kaji.node.cri.v1.ContainerConfig;
import io.kaji.node.cri.v1.ContainerFilter;
import io.kaji.node.cri.v1.ContainerMetadata;
import io.kaji.node.cri.v1.ContainerStatusRequest;
import io.kaji.node.cri.v1.CreateContainerRequest;
import io.kaji.node.cri.v1.DNSConfig;
import io.kaji.node.cri.v1.ExecSyncRequest;
import io.kaji.node.cri.v1.ExecSyncResponse;
import io.kaji.node.cri.v1.Image;
import io.kaji.node.cri.v1.ImageSpec;
import io.kaji.node.cri.v1.ImageStatusRequest;
import io.kaji.node.cri.v1.ImageStatusResponse;
import io.kaji.node.cri.v1.KeyValue;
import io.kaji.node.cri.v1.LinuxContainerConfig;
import io.kaji.node.cri.v1.LinuxContainerResources;
import io.kaji.node.cri.v1.LinuxContainerSecurityContext;
import io.kaji.node.cri.v1.LinuxPodSandboxConfig;
import io.kaji.node.cri.v1.LinuxSandboxSecurityContext;
import io.kaji.node.cri.v1.ListContainersRequest;
import io.kaji.node.cri.v1.ListImagesRequest;
import io.kaji.node.cri.v1.ListPodSandboxRequest;
import io.kaji.node.cri.v1.Mount;
import io.kaji.node.cri.v1.NamespaceMode;
import io.kaji.node.cri.v1.NamespaceOption;
import io.kaji.node.cri.v1.PodSandboxConfig;
import io.kaji.node.cri.v1.PodSandboxFilter;
import io.kaji.node.cri.v1.PodSandboxMetadata;
import io.kaji.node.cri.v1.PodSandboxState;
import io.kaji.node.cri.v1.PodSandboxStatusRequest;
import io.kaji.node.cri.v1.Protocol;
import io.kaji.node.cri.v1.PullImageRequest;
import io.kaji.node.cri.v1.RemoveContainerRequest;
import io.kaji.node.cri.v1.RemoveImageRequest;
import io.kaji.node.cri.v1.RemovePodSandboxRequest;
import io.kaji.node.cri.v1.RunPodSandboxRequest;
import io.kaji.node.cri.v1.StartContainerRequest;
import io.kaji.node.cri.v1.StopContainerRequest;
import io.kaji.node.cri.v1.StopPodSandboxRequest;
import io.kaji.node.cri.v1.VersionResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ContainerRuntime} over the CRI {@code runtime.v1} API (containerd 1.6). It applies what the kubelet does
 * and CONTAINERD.md lists: the PID namespace is per container unless the pod shares it, host-network sandboxes get
 * no hostname, NOT_FOUND on stop/remove means done, each container attempt gets its own name and log file.
 *
 * <p>Thread-safe; blocking. Every call has a deadline (30 s, or the grace period plus 30 s, or the exec timeout
 * plus 30 s, or 10 minutes for a pull).
 */
public final class CriContainerRuntime implements ContainerRuntime {

    private static final Logger log = LoggerFactory.getLogger(CriContainerRuntime.class);
    private static final Duration DEADLINE = CriConnection.DEFAULT_DEADLINE;
    private static final Duration PULL_DEADLINE = Duration.ofMinutes(10);

    private final CriConnection cri;

    public CriContainerRuntime(CriConnection cri) {
        this.cri = cri;
    }

    @Override
    public String version() {
        VersionResponse v = call("version of " + cri, () -> cri.version(DEADLINE));
        return v.getRuntimeName() + " " + v.getRuntimeVersion();
    }

    @Override
    public String runSandbox(SandboxSpec spec) {
        String what = "run sandbox for pod " + spec.pod();
        long began = System.nanoTime();
        String id = call(what, () -> cri.runtime(DEADLINE).runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(sandboxConfig(spec)).build())).getPodSandboxId();
        log.debug("ran sandbox pod={} id={} in {}ms", spec.pod(), id, (System.nanoTime() - began) / 1_000_000);
        return id;
    }

    @Override
    public void stopSandbox(String sandboxId) {
        ignoreNotFound("stop sandbox " + sandboxId, () -> cri.runtime(DEADLINE)
                .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build()));
    }

    @Override
    public void removeSandbox(String sandboxId) {
        ignoreNotFound("remove sandbox " + sandboxId, () -> cri.runtime(DEADLINE)
                .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build()));
    }

    @Override
    public Optional<SandboxInfo> sandboxStatus(String sandboxId) {
        try {
            var s = call("status of sandbox " + sandboxId, () -> cri.runtime(DEADLINE).podSandboxStatus(
                    PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandboxId).build())).getStatus();
            return Optional.of(new SandboxInfo(s.getId(), KajiLabels.podOf(s.getLabelsMap()),
                    s.getMetadata().getAttempt(), s.getState() == PodSandboxState.SANDBOX_READY,
                    instant(s.getCreatedAt()), s.getNetwork().getIp(), Map.copyOf(s.getLabelsMap())));
        } catch (RuntimeCallException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public List<SandboxInfo> listSandboxes(Map<String, String> selector) {
        var request = ListPodSandboxRequest.newBuilder()
                .setFilter(PodSandboxFilter.newBuilder().putAllLabelSelector(selector)).build();
        return call("list sandboxes " + selector, () -> cri.runtime(DEADLINE).listPodSandbox(request))
                .getItemsList().stream()
                .map(s -> new SandboxInfo(s.getId(), KajiLabels.podOf(s.getLabelsMap()), s.getMetadata().getAttempt(),
                        s.getState() == PodSandboxState.SANDBOX_READY, instant(s.getCreatedAt()), "",
                        Map.copyOf(s.getLabelsMap())))
                .toList();
    }

    @Override
    public String createContainer(String sandboxId, SandboxSpec sandbox, ContainerSpec spec) {
        String what = "create container " + sandbox.pod() + "/" + spec.name() + " (attempt " + spec.attempt() + ")";
        var request = CreateContainerRequest.newBuilder().setPodSandboxId(sandboxId)
                .setConfig(containerConfig(sandbox, spec)).setSandboxConfig(sandboxConfig(sandbox)).build();
        return call(what, () -> cri.runtime(DEADLINE).createContainer(request)).getContainerId();
    }

    @Override
    public void startContainer(String containerId) {
        call("start container " + containerId, () -> cri.runtime(DEADLINE)
                .startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build()));
    }

    @Override
    public void stopContainer(String containerId, Duration grace) {
        ignoreNotFound("stop container " + containerId, () -> cri.runtime(grace.plus(DEADLINE)).stopContainer(
                StopContainerRequest.newBuilder().setContainerId(containerId).setTimeout(grace.toSeconds()).build()));
    }

    @Override
    public void removeContainer(String containerId) {
        ignoreNotFound("remove container " + containerId, () -> cri.runtime(DEADLINE)
                .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build()));
    }

    @Override
    public List<ContainerInfo> listContainers(Map<String, String> selector) {
        var request = ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.newBuilder().putAllLabelSelector(selector)).build();
        return call("list containers " + selector, () -> cri.runtime(DEADLINE).listContainers(request))
                .getContainersList().stream()
                .map(c -> new ContainerInfo(c.getId(), c.getPodSandboxId(), c.getMetadata().getName(),
                        c.getMetadata().getAttempt(), c.getImage().getImage(), state(c.getState()),
                        instant(c.getCreatedAt()), Map.copyOf(c.getLabelsMap())))
                .toList();
    }

    @Override
    public Optional<ContainerStatus> containerStatus(String containerId) {
        io.kaji.node.cri.v1.ContainerStatus s;
        try {
            s = call("status of container " + containerId, () -> cri.runtime(DEADLINE).containerStatus(
                    ContainerStatusRequest.newBuilder().setContainerId(containerId).build())).getStatus();
        } catch (RuntimeCallException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(new ContainerStatus(s.getId(), s.getMetadata().getName(), s.getMetadata().getAttempt(),
                state(s.getState()), instant(s.getCreatedAt()), instantOrNull(s.getStartedAt()),
                instantOrNull(s.getFinishedAt()), s.getExitCode(), s.getReason(), s.getMessage(),
                s.getImage().getImage(), s.getImageRef(), s.getLogPath().isEmpty() ? null : Path.of(s.getLogPath()),
                Map.copyOf(s.getLabelsMap())));
    }

    @Override
    public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
        var request = ExecSyncRequest.newBuilder().setContainerId(containerId).addAllCmd(command)
                .setTimeout(timeout.toSeconds()).build();
        ExecSyncResponse r = call("exec " + command + " in container " + containerId,
                () -> cri.runtime(timeout.plus(DEADLINE)).execSync(request));
        return new ExecResult(r.getExitCode(), r.getStdout().toByteArray(), r.getStderr().toByteArray());
    }

    @Override
    public Optional<ImageInfo> imageStatus(String image) {
        ImageStatusResponse r = call("status of image " + image, () -> cri.images(DEADLINE)
                .imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build()));
        return r.hasImage() ? Optional.of(image(r.getImage())) : Optional.empty();
    }

    @Override
    public List<ImageInfo> listImages() {
        return call("list images", () -> cri.images(DEADLINE).listImages(ListImagesRequest.getDefaultInstance()))
                .getImagesList().stream().map(CriContainerRuntime::image).toList();
    }

    @Override
    public String pullImage(String image) {
        return call("pull image " + image, () -> cri.images(PULL_DEADLINE).pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image)).build())).getImageRef();
    }

    @Override
    public void removeImage(String image) {
        ignoreNotFound("remove image " + image, () -> cri.images(DEADLINE)
                .removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build()));
    }

    static PodSandboxConfig sandboxConfig(SandboxSpec spec) {
        Map<String, String> labels = new HashMap<>(spec.labels());
        labels.putAll(KajiLabels.forPod(spec.pod()));
        NamespaceOption namespaces = NamespaceOption.newBuilder()
                .setNetwork(spec.hostNetwork() ? NamespaceMode.NODE : NamespaceMode.POD)
                .setPid(spec.hostPid() ? NamespaceMode.NODE : NamespaceMode.CONTAINER)
                .setIpc(spec.hostIpc() ? NamespaceMode.NODE : NamespaceMode.POD)
                .build();
        PodSandboxConfig.Builder b = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(spec.pod().name())
                        .setNamespace(spec.pod().namespace()).setUid(spec.pod().uid()).setAttempt(spec.attempt()))
                // The CRI rejects a hostname for host-network pods: they have the node's.
                .setHostname(spec.hostNetwork() ? "" : spec.hostname())
                .setLogDirectory(spec.logDirectory().toString())
                .putAllLabels(labels)
                .putAllAnnotations(spec.annotations())
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(spec.cgroupParent())
                        .putAllSysctls(spec.sysctls())
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(namespaces)));
        for (SandboxSpec.PortMapping p : spec.ports()) {
            b.addPortMappings(io.kaji.node.cri.v1.PortMapping.newBuilder()
                    .setProtocol(Protocol.valueOf(p.protocol().toUpperCase(java.util.Locale.ROOT)))
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
        // proto3 defaults the PID mode to POD (0); the kubelet sets CONTAINER unless the pod shares its PID namespace.
        NamespaceOption namespaces = NamespaceOption.newBuilder()
                .setNetwork(sandbox.hostNetwork() ? NamespaceMode.NODE : NamespaceMode.POD)
                .setPid(sandbox.hostPid() ? NamespaceMode.NODE : NamespaceMode.CONTAINER)
                .setIpc(sandbox.hostIpc() ? NamespaceMode.NODE : NamespaceMode.POD)
                .build();
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
                .setTty(spec.tty())
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder()
                                .setCpuShares(r.cpuShares()).setCpuQuota(r.cpuQuotaMicros())
                                .setCpuPeriod(r.cpuPeriodMicros()).setMemoryLimitInBytes(r.memoryLimitBytes())
                                .setOomScoreAdj(r.oomScoreAdj()))
                        .setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                                .setNamespaceOptions(namespaces)
                                .setCapabilities(Capability.getDefaultInstance())));
        spec.env().forEach((k, v) -> b.addEnvs(KeyValue.newBuilder().setKey(k).setValue(v)));
        for (ContainerSpec.Mount m : spec.mounts()) {
            b.addMounts(Mount.newBuilder().setHostPath(m.hostPath()).setContainerPath(m.containerPath())
                    .setReadonly(m.readOnly()));
        }
        return b.build();
    }

    private static ImageInfo image(Image i) {
        return new ImageInfo(i.getId(), List.copyOf(i.getRepoTagsList()), List.copyOf(i.getRepoDigestsList()),
                i.getSize());
    }

    private static ContainerState state(io.kaji.node.cri.v1.ContainerState s) {
        return switch (s) {
            case CONTAINER_CREATED -> ContainerState.CREATED;
            case CONTAINER_RUNNING -> ContainerState.RUNNING;
            case CONTAINER_EXITED -> ContainerState.EXITED;
            default -> ContainerState.UNKNOWN;
        };
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(0, nanos);
    }

    private static Instant instantOrNull(long nanos) {
        return nanos == 0 ? null : instant(nanos);
    }

    private static <T> T call(String what, Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw new RuntimeCallException(what, e.getStatus().getCode().name(), e.getStatus().getDescription(), e);
        }
    }

    private static void ignoreNotFound(String what, Supplier<?> rpc) {
        try {
            call(what, rpc);
        } catch (RuntimeCallException e) {
            if (!e.notFound()) {
                throw e;
            }
            log.debug("{}: already gone", what);
        }
    }
}
