package io.kaji.node.runtime;

import io.grpc.StatusRuntimeException;
import io.kaji.node.cri.CriConnection;
import io.kaji.node.cri.v1.ContainerFilter;
import io.kaji.node.cri.v1.ContainerStatsFilter;
import io.kaji.node.cri.v1.ContainerStatusRequest;
import io.kaji.node.cri.v1.CreateContainerRequest;
import io.kaji.node.cri.v1.ExecSyncRequest;
import io.kaji.node.cri.v1.ExecSyncResponse;
import io.kaji.node.cri.v1.ImageSpec;
import io.kaji.node.cri.v1.ImageStatusRequest;
import io.kaji.node.cri.v1.ImageStatusResponse;
import io.kaji.node.cri.v1.ListContainerStatsRequest;
import io.kaji.node.cri.v1.ListContainersRequest;
import io.kaji.node.cri.v1.ListImagesRequest;
import io.kaji.node.cri.v1.ListPodSandboxRequest;
import io.kaji.node.cri.v1.PodSandboxFilter;
import io.kaji.node.cri.v1.PodSandboxState;
import io.kaji.node.cri.v1.PodSandboxStatusRequest;
import io.kaji.node.cri.v1.PullImageRequest;
import io.kaji.node.cri.v1.RemoveContainerRequest;
import io.kaji.node.cri.v1.ReopenContainerLogRequest;
import io.kaji.node.cri.v1.RemoveImageRequest;
import io.kaji.node.cri.v1.RemovePodSandboxRequest;
import io.kaji.node.cri.v1.RunPodSandboxRequest;
import io.kaji.node.cri.v1.StartContainerRequest;
import io.kaji.node.cri.v1.StopContainerRequest;
import io.kaji.node.cri.v1.StopPodSandboxRequest;
import io.kaji.node.cri.v1.VersionResponse;
import java.nio.file.Path;
import java.time.Duration;
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
                .setConfig(CriMessages.sandboxConfig(spec)).build())).getPodSandboxId();
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
    public Map<String, io.kaji.node.cri.CriOperations.Count> operations() {
        return cri.operations();
    }

    /** From the verbose sandbox status: containerd's {@code info} JSON carries the sandbox's {@code pid}. */
    @Override
    public Optional<Integer> sandboxPid(String sandboxId) {
        return unlessNotFound("verbose status of sandbox " + sandboxId, () -> cri.runtime(DEADLINE)
                .podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandboxId).setVerbose(true)
                        .build())).flatMap(r -> pidOf(r.getInfoMap().get("info")));
    }

    /** The positive {@code pid} of containerd's sandbox info JSON, if it is one. */
    static Optional<Integer> pidOf(String infoJson) {
        if (infoJson == null || infoJson.isEmpty()) {
            return Optional.empty();
        }
        try {
            tools.jackson.databind.JsonNode pid = INFO_JSON.readTree(infoJson).get("pid");
            return pid != null && pid.isIntegralNumber() && pid.asInt() > 0 ? Optional.of(pid.asInt())
                    : Optional.empty();
        } catch (tools.jackson.core.JacksonException e) {
            return Optional.empty();
        }
    }

    private static final tools.jackson.databind.ObjectMapper INFO_JSON = new tools.jackson.databind.ObjectMapper();

    @Override
    public Optional<SandboxInfo> sandboxStatus(String sandboxId) {
        return unlessNotFound("status of sandbox " + sandboxId, () -> cri.runtime(DEADLINE).podSandboxStatus(
                PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandboxId).build())).map(r -> r.getStatus())
                .map(s -> new SandboxInfo(s.getId(), KajiLabels.podOf(s.getLabelsMap()),
                        s.getMetadata().getAttempt(), s.getState() == PodSandboxState.SANDBOX_READY,
                        CriMessages.instant(s.getCreatedAt()), s.getNetwork().getIp(), Map.copyOf(s.getLabelsMap())));
    }

    @Override
    public List<SandboxInfo> listSandboxes(Map<String, String> selector) {
        var request = ListPodSandboxRequest.newBuilder()
                .setFilter(PodSandboxFilter.newBuilder().putAllLabelSelector(selector)).build();
        return call("list sandboxes " + selector, () -> cri.runtime(DEADLINE).listPodSandbox(request))
                .getItemsList().stream()
                .map(s -> new SandboxInfo(s.getId(), KajiLabels.podOf(s.getLabelsMap()), s.getMetadata().getAttempt(),
                        s.getState() == PodSandboxState.SANDBOX_READY, CriMessages.instant(s.getCreatedAt()), "",
                        Map.copyOf(s.getLabelsMap())))
                .toList();
    }

    @Override
    public String createContainer(String sandboxId, SandboxSpec sandbox, ContainerSpec spec) {
        String what = "create container " + sandbox.pod() + "/" + spec.name() + " (attempt " + spec.attempt() + ")";
        var request = CreateContainerRequest.newBuilder().setPodSandboxId(sandboxId)
                .setConfig(CriMessages.containerConfig(sandbox, spec))
                .setSandboxConfig(CriMessages.sandboxConfig(sandbox)).build();
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
                        c.getMetadata().getAttempt(), c.getImage().getImage(), c.getImageRef(),
                        CriMessages.state(c.getState()),
                        CriMessages.instant(c.getCreatedAt()), Map.copyOf(c.getLabelsMap())))
                .toList();
    }

    @Override
    public Optional<ContainerStatus> containerStatus(String containerId) {
        return unlessNotFound("status of container " + containerId, () -> cri.runtime(DEADLINE).containerStatus(
                ContainerStatusRequest.newBuilder().setContainerId(containerId).build())).map(r -> r.getStatus())
                .map(s -> new ContainerStatus(s.getId(), s.getMetadata().getName(), s.getMetadata().getAttempt(),
                        CriMessages.state(s.getState()), CriMessages.instant(s.getCreatedAt()),
                        CriMessages.instantOrNull(s.getStartedAt()), CriMessages.instantOrNull(s.getFinishedAt()),
                        s.getExitCode(), s.getReason(), s.getMessage(), s.getImage().getImage(), s.getImageRef(),
                        s.getLogPath().isEmpty() ? null : Path.of(s.getLogPath()), Map.copyOf(s.getLabelsMap())));
    }

    @Override
    public List<ContainerUsage> containerUsage(Map<String, String> selector) {
        var request = ListContainerStatsRequest.newBuilder()
                .setFilter(ContainerStatsFilter.newBuilder().putAllLabelSelector(selector)).build();
        return call("container stats " + selector, () -> cri.runtime(DEADLINE).listContainerStats(request))
                .getStatsList().stream().map(CriMessages::usage).toList();
    }

    @Override
    public void reopenContainerLog(String containerId) {
        call("reopen log of container " + containerId, () -> cri.runtime(DEADLINE).reopenContainerLog(
                ReopenContainerLogRequest.newBuilder().setContainerId(containerId).build()));
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
    public String exec(String containerId, List<String> command, StreamOptions streams) {
        var request = io.kaji.node.cri.v1.ExecRequest.newBuilder().setContainerId(containerId).addAllCmd(command)
                .setStdin(streams.stdin()).setStdout(streams.stdout()).setStderr(streams.stderr())
                .setTty(streams.tty()).build();
        return call("exec " + command + " in container " + containerId,
                () -> cri.runtime(DEADLINE).exec(request)).getUrl();
    }

    @Override
    public String attach(String containerId, StreamOptions streams) {
        var request = io.kaji.node.cri.v1.AttachRequest.newBuilder().setContainerId(containerId)
                .setStdin(streams.stdin()).setStdout(streams.stdout()).setStderr(streams.stderr())
                .setTty(streams.tty()).build();
        return call("attach to container " + containerId, () -> cri.runtime(DEADLINE).attach(request)).getUrl();
    }

    @Override
    public String portForward(String sandboxId, List<Integer> ports) {
        var request = io.kaji.node.cri.v1.PortForwardRequest.newBuilder().setPodSandboxId(sandboxId)
                .addAllPort(ports).build();
        return call("port-forward to sandbox " + sandboxId, () -> cri.runtime(DEADLINE).portForward(request))
                .getUrl();
    }

    @Override
    public Optional<ImageInfo> imageStatus(String image) {
        ImageStatusResponse r = call("status of image " + image, () -> cri.images(DEADLINE)
                .imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build()));
        return r.hasImage() ? Optional.of(CriMessages.image(r.getImage())) : Optional.empty();
    }

    @Override
    public List<ImageInfo> listImages() {
        return call("list images", () -> cri.images(DEADLINE).listImages(ListImagesRequest.getDefaultInstance()))
                .getImagesList().stream().map(CriMessages::image).toList();
    }

    @Override
    public Optional<ImageFsUse> imageFsUse() {
        var r = call("image fs info", () -> cri.images(DEADLINE)
                .imageFsInfo(io.kaji.node.cri.v1.ImageFsInfoRequest.getDefaultInstance()));
        if (r.getImageFilesystemsCount() == 0) {
            return Optional.empty();
        }
        var fs = r.getImageFilesystems(0);
        return Optional.of(new ImageFsUse(fs.getFsId().getMountpoint(), fs.getUsedBytes().getValue(),
                fs.hasInodesUsed() ? fs.getInodesUsed().getValue() : -1));
    }

    @Override
    public String pullImage(String image, io.kaji.node.image.RegistryCredentials credentials) {
        PullImageRequest.Builder request = PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image));
        if (credentials != null) {
            request.setAuth(io.kaji.node.cri.v1.AuthConfig.newBuilder().setUsername(credentials.username())
                    .setPassword(credentials.password()).setAuth(credentials.auth()));
        }
        return call("pull image " + image, () -> cri.images(PULL_DEADLINE).pullImage(request.build())).getImageRef();
    }

    @Override
    public void removeImage(String image) {
        ignoreNotFound("remove image " + image, () -> cri.images(DEADLINE)
                .removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build()));
    }

    private static <T> T call(String what, Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw new RuntimeCallException(what, e.getStatus().getCode().name(), e.getStatus().getDescription(), e);
        }
    }

    /** The call's answer, or empty if the runtime says its object does not exist. */
    private static <T> Optional<T> unlessNotFound(String what, Supplier<T> rpc) {
        try {
            return Optional.of(call(what, rpc));
        } catch (RuntimeCallException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
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
