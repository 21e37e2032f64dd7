package io.kaji.node.probe;

import io.fabric8.kubernetes.api.model.ExecAction;
import io.fabric8.kubernetes.api.model.GRPCAction;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import io.kaji.node.runtime.ContainerRuntime;
import java.time.Duration;

/**
 * Runs one probe once with the handler its spec names (exec, httpGet, tcpSocket or grpc) and its timeout
 * ({@code timeoutSeconds}, default 1). Blocking; thread-safe. A probe whose port cannot be resolved or that names
 * no handler is an error ({@link ProbeOutcome.Result#UNKNOWN}), as the kubelet reports it.
 */
public final class Prober {

    /** The kubelet's default {@code timeoutSeconds}. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 1;

    private final ExecProbe exec;
    private final HttpGetProbe http = new HttpGetProbe();
    private final TcpProbe tcp = new TcpProbe();
    private final GrpcProbe grpc = new GrpcProbe();

    public Prober(ContainerRuntime runtime) {
        this.exec = new ExecProbe(runtime);
    }

    public ProbeOutcome probe(Probe p, ProbeTarget target) {
        Duration timeout = Duration.ofSeconds(positive(p.getTimeoutSeconds(), DEFAULT_TIMEOUT_SECONDS));
        try {
            if (p.getExec() != null) {
                ExecAction a = p.getExec();
                return exec.run(target.containerId(), a.getCommand(), timeout);
            }
            if (p.getHttpGet() != null) {
                HTTPGetAction a = p.getHttpGet();
                int port = ContainerPorts.resolve(a.getPort(), target.container());
                return http.run(a.getScheme(), host(a.getHost(), target), port, a.getPath(), a.getHttpHeaders(),
                        timeout);
            }
            if (p.getTcpSocket() != null) {
                TCPSocketAction a = p.getTcpSocket();
                int port = ContainerPorts.resolve(a.getPort(), target.container());
                return tcp.run(host(a.getHost(), target), port, timeout);
            }
            if (p.getGrpc() != null) {
                GRPCAction a = p.getGrpc();
                if (a.getPort() == null || a.getPort() <= 0 || a.getPort() > 65535) {
                    return ProbeOutcome.error("invalid port number: " + a.getPort());
                }
                return grpc.run(target.podIp(), a.getPort(), a.getService(), timeout);
            }
            return ProbeOutcome.error("missing probe handler");
        } catch (IllegalArgumentException e) {
            return ProbeOutcome.error(e.getMessage());
        }
    }

    private static String host(String given, ProbeTarget target) {
        return given == null || given.isEmpty() ? target.podIp() : given;
    }

    static int positive(Integer value, int dflt) {
        return value == null || value <= 0 ? dflt : value;
    }
}
