package io.kaji.node.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The container runtime as the agent's pod workers see it: sandboxes (one per pod attempt) holding containers
 * (one per container attempt), images, and exec. Implemented over the CRI by {@link CriContainerRuntime}.
 *
 * <p>All methods block until the runtime answers and are safe to call from several threads. Failures are
 * {@link RuntimeCallException}s naming the operation and the object; "already gone" on stop and remove is not a
 * failure, so workers can retry them idempotently. Nothing here pulls an image implicitly.
 */
public interface ContainerRuntime {

    /**
     * Whether containers really run (processes, network, files). False for {@link SimulatedRuntime}: the agent then
     * counts probes and hooks as passed and sets up no volumes, since there is nothing to probe or mount.
     */
    default boolean runsContainers() {
        return true;
    }

    /** The runtime's name and version, e.g. {@code containerd 1.6.20}. */
    String version();

    /** Creates and starts a sandbox (network namespace, CNI, pause process); returns its id. */
    String runSandbox(SandboxSpec spec);

    /** Stops a sandbox and every container in it; done if it is already gone. */
    void stopSandbox(String sandboxId);

    /** Removes a stopped sandbox and its containers; done if it is already gone. */
    void removeSandbox(String sandboxId);

    /** The sandbox's status with its IP, or empty if it does not exist. */
    Optional<SandboxInfo> sandboxStatus(String sandboxId);

    /**
     * The process id of the sandbox's infrastructure process (whose network namespace is the pod's), or empty if the
     * sandbox is gone or the runtime does not say.
     */
    default Optional<Integer> sandboxPid(String sandboxId) {
        return Optional.empty();
    }

    /** The runtime calls made so far and their failures, by the kubelet's operation names (none if not counted). */
    default Map<String, io.kaji.node.cri.CriOperations.Count> operations() {
        return Map.of();
    }

    /** The sandboxes whose labels include {@code selector} (e.g. {@link KajiLabels#forPod}). */
    List<SandboxInfo> listSandboxes(Map<String, String> selector);

    /** Creates a container in a ready sandbox; returns its id. {@code sandbox} is the spec it was run with. */
    String createContainer(String sandboxId, SandboxSpec sandbox, ContainerSpec spec);

    void startContainer(String containerId);

    /** Sends SIGTERM, then SIGKILL after {@code grace}; done if it is already gone or exited. */
    void stopContainer(String containerId, Duration grace);

    /** Removes a container; done if it is already gone. */
    void removeContainer(String containerId);

    /** The containers whose labels include {@code selector}. */
    List<ContainerInfo> listContainers(Map<String, String> selector);

    /** The container's status, or empty if it does not exist. */
    Optional<ContainerStatus> containerStatus(String containerId);

    /** The resource usage of the containers whose labels include {@code selector}. */
    List<ContainerUsage> containerUsage(Map<String, String> selector);

    /** Makes the runtime reopen the container's log file after the agent rotated (renamed) it. */
    void reopenContainerLog(String containerId);

    /** Runs {@code command} in a running container and waits for it, at most {@code timeout}. */
    ExecResult execSync(String containerId, List<String> command, Duration timeout);

    /**
     * Prepares an interactive exec (CRI {@code Exec}) and returns the one-time URL of the runtime's streaming server
     * that carries it; the command starts when a client connects there. Runtimes that run nothing refuse.
     */
    default String exec(String containerId, List<String> command, StreamOptions streams) {
        throw new RuntimeCallException("exec in container " + containerId, "UNIMPLEMENTED",
                "this runtime runs no processes", null);
    }

    /** Prepares an attach to a container's main process (CRI {@code Attach}); returns the streaming URL. */
    default String attach(String containerId, StreamOptions streams) {
        throw new RuntimeCallException("attach to container " + containerId, "UNIMPLEMENTED",
                "this runtime runs no processes", null);
    }

    /**
     * Prepares port forwarding into a sandbox's network namespace (CRI {@code PortForward}); returns the streaming
     * URL. {@code ports} may be empty when the client names ports per stream (SPDY).
     */
    default String portForward(String sandboxId, List<Integer> ports) {
        throw new RuntimeCallException("port-forward to sandbox " + sandboxId, "UNIMPLEMENTED",
                "this runtime runs no processes", null);
    }

    /** The image if present. */
    Optional<ImageInfo> imageStatus(String image);

    /** Every image the runtime holds. */
    List<ImageInfo> listImages();

    /** What the images take on the image file system; empty where the runtime does not say (simulated, or no CRI). */
    default Optional<ImageFsUse> imageFsUse() {
        return Optional.empty();
    }

    /** Pulls an image from its registry; returns the image reference (digest). */
    default String pullImage(String image) {
        return pullImage(image, null);
    }

    /**
     * Pulls an image from its registry with {@code credentials} (from an image pull secret), or anonymously when
     * null; returns the image reference (digest).
     */
    String pullImage(String image, io.kaji.node.image.RegistryCredentials credentials);

    /** Removes an image; done if it is not there. */
    void removeImage(String image);

    /** The attempt number for the next run of container {@code name}, from the containers already created. */
    static int nextAttempt(List<ContainerInfo> podContainers, String name) {
        return podContainers.stream().filter(c -> c.name().equals(name)).mapToInt(ContainerInfo::attempt).max()
                .orElse(-1) + 1;
    }
}
