package io.kaji.node.server;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.RuntimeCallException;
import io.kaji.node.runtime.SandboxInfo;
import java.net.URI;
import java.util.Comparator;
import java.util.Optional;

/**
 * Turns a {@link StreamRequest} into the URL of the container runtime's streaming server, as the kubelet's
 * {@code GetExec}/{@code GetAttach}/{@code GetPortForward} do: the pod must run on this node (and have the uid
 * the request names, if any); exec and attach need the container's running attempt, port-forward the pod's ready
 * sandbox; then the CRI's {@code Exec}, {@code Attach} or {@code PortForward} call returns a one-time URL. The URL
 * must be plain HTTP on a loopback address: the agent relays to it and never sends a client anywhere else.
 * Answers are values ({@link Prepared} or {@link ContainerLogs.Refused} with the kubelet's texts). Thread-safe.
 */
public final class ContainerStreams {

    /** The outcome of {@link #prepare}. */
    public sealed interface Result permits Prepared, Refused {}

    /** Where to connect: the runtime's streaming URL. */
    public record Prepared(URI url) implements Result {}

    /** No stream: HTTP status and message. */
    public record Refused(int status, String message) implements Result {}

    private final ContainerLogs.Pods pods;
    private final ContainerRuntime runtime;

    public ContainerStreams(ContainerLogs.Pods pods, ContainerRuntime runtime) {
        this.pods = pods;
        this.runtime = runtime;
    }

    /** Asks the runtime for the streaming URL of {@code request}. Blocking (one or two CRI calls). */
    public Result prepare(StreamRequest request) {
        Pod pod = pods.find(request.namespace(), request.pod());
        if (pod == null || pod.getMetadata() == null || pod.getMetadata().getUid() == null
                || (request.uid() != null && !request.uid().equals(pod.getMetadata().getUid()))) {
            // The kubelet's text for an unknown pod.
            return new Refused(404, "pod does not exist");
        }
        PodRef ref = new PodRef(request.namespace(), request.pod(), pod.getMetadata().getUid());
        String url;
        try {
            if (request.kind() == StreamRequest.Kind.PORT_FORWARD) {
                Optional<SandboxInfo> sandbox = runtime.listSandboxes(KajiLabels.forPod(ref)).stream()
                        .filter(SandboxInfo::ready).max(Comparator.comparingInt(SandboxInfo::attempt));
                if (sandbox.isEmpty()) {
                    return new Refused(404, "pod not found (\"" + request.pod() + "_" + request.namespace()
                            + "\"): it has no running sandbox on this node");
                }
                url = runtime.portForward(sandbox.get().id(), request.ports());
            } else {
                Optional<ContainerInfo> container = runtime.listContainers(
                                KajiLabels.forContainer(ref, request.container())).stream()
                        .filter(c -> c.state() == ContainerState.RUNNING)
                        .max(Comparator.comparingInt(ContainerInfo::attempt));
                if (container.isEmpty()) {
                    // kubelet: findContainer found no running container of that name.
                    return new Refused(404, "container not found (\"" + request.container() + "\")");
                }
                url = request.kind() == StreamRequest.Kind.EXEC
                        ? runtime.exec(container.get().id(), request.command(), request.streams())
                        : runtime.attach(container.get().id(), request.streams());
            }
        } catch (RuntimeCallException e) {
            return new Refused(e.unavailable() ? 503 : 500, e.getMessage());
        }
        return checked(url);
    }

    private static Result checked(String url) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            return new Refused(500, "the container runtime returned an unusable streaming URL: " + url);
        }
        if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() <= 0 || !loopback(u.getHost())) {
            return new Refused(500, "the container runtime's streaming server must listen on plain HTTP on "
                    + "loopback (stream_server_address 127.0.0.1 in its config), but it returned " + url);
        }
        return new Prepared(u);
    }

    private static boolean loopback(String host) {
        return host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1") || host.equals("localhost");
    }
}
