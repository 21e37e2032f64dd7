package io.kaji.node.agent;

import io.kaji.node.runtime.PodLogs;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The node agent's settings.
 *
 * @param nodeName          the Node object's name
 * @param kajiVersion       reported as nodeInfo.kubeletVersion
 * @param leaseRenewal      how often the Lease in kube-node-lease is renewed (Kubernetes: 10 s; Kaji: 2 s)
 * @param statusCheck       how often the node status is recomputed (written only on change or after
 *                          {@code statusMaxAge})
 * @param statusMaxAge      the node status is written at least this often
 * @param initialBackOff    the first container restart back-off (Kubernetes: 10 s), doubled per crash
 * @param maxBackOff        the back-off ceiling (Kubernetes: 300 s)
 * @param backOffReset      a container running this long resets its back-off (Kubernetes: 10 min)
 * @param podLogs           where container logs go
 * @param ipamDir           host-local IPAM state
 * @param cniConfDir        containerd's CNI conf dir (the bridge conflist is written there)
 * @param bridgeName        the node's Linux bridge; null for a node without a host network (a simulated runtime):
 *                          no CNI config, bridge or routes
 * @param podWorkers        pod sync threads
 * @param clock             time source for back-off and timestamps
 * @param kubeletPort       the agent endpoint's HTTPS port (kubelet: 10250); 0 picks a free one; if the
 *                          default port is taken (several agents on one machine) a free one is used; the actual
 *                          port goes into the Node's status.daemonEndpoints
 */
public record AgentConfig(String nodeName, String kajiVersion, Duration leaseRenewal, Duration statusCheck,
                          Duration statusMaxAge, Duration initialBackOff, Duration maxBackOff, Duration backOffReset,
                          PodLogs podLogs, Path ipamDir, Path cniConfDir, String bridgeName, int podWorkers,
                          Clock clock, int kubeletPort) {

    public AgentConfig {
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(podLogs, "podLogs");
        Objects.requireNonNull(cniConfDir, "cniConfDir");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(initialBackOff, "initialBackOff");
        Objects.requireNonNull(maxBackOff, "maxBackOff");
        if (!initialBackOff.isPositive() || maxBackOff.compareTo(initialBackOff) < 0) {
            throw new IllegalArgumentException("back-off: need 0 < initial <= maximum, got initial "
                    + initialBackOff + " and maximum " + maxBackOff);
        }
        if (kubeletPort < 0 || kubeletPort > 65535) {
            throw new IllegalArgumentException("kubeletPort " + kubeletPort + " is not a TCP port (0 picks a free one)");
        }
    }

    /**
     * Pods synced at once (virtual threads). Many, so that pods waiting for their containers to stop (up to their
     * grace period), for an image or for the API server do not hold up the others; the runtime calls that start
     * pods are bounded on their own ({@code StartGate}: four per core), as they are CPU work on the node's cores.
     */
    public static final int DEFAULT_POD_WORKERS = 64;

    /** Kubernetes' container restart back-off: 10 s, doubled per crash up to 300 s. */
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(10);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(300);

    /** The kubelet's port, the default of {@link #kubeletPort()}. */
    public static final int DEFAULT_KUBELET_PORT = 10250;

    /** Kaji's defaults for a node named {@code nodeName} whose data lives in the given directories. */
    public static AgentConfig defaults(String nodeName, String kajiVersion, PodLogs podLogs, Path ipamDir,
                                       Path cniConfDir) {
        return new AgentConfig(nodeName, kajiVersion, Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofMinutes(1), DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, Duration.ofMinutes(10),
                podLogs, ipamDir, cniConfDir, "kaji0", DEFAULT_POD_WORKERS, Clock.systemUTC(), DEFAULT_KUBELET_PORT);
    }

    /** The container restart back-off: {@code initial}, doubled per crash up to {@code max}. */
    public AgentConfig withBackOff(Duration initial, Duration max) {
        return new AgentConfig(nodeName, kajiVersion, leaseRenewal, statusCheck, statusMaxAge, initial, max,
                backOffReset, podLogs, ipamDir, cniConfDir, bridgeName, podWorkers, clock, kubeletPort);
    }

    public AgentConfig withBridgeName(String b) {
        return new AgentConfig(nodeName, kajiVersion, leaseRenewal, statusCheck, statusMaxAge, initialBackOff,
                maxBackOff, backOffReset, podLogs, ipamDir, cniConfDir, b, podWorkers, clock, kubeletPort);
    }

    public AgentConfig withLeaseRenewal(Duration d) {
        return new AgentConfig(nodeName, kajiVersion, d, statusCheck, statusMaxAge, initialBackOff, maxBackOff,
                backOffReset, podLogs, ipamDir, cniConfDir, bridgeName, podWorkers, clock, kubeletPort);
    }

    public AgentConfig withKubeletPort(int port) {
        return new AgentConfig(nodeName, kajiVersion, leaseRenewal, statusCheck, statusMaxAge, initialBackOff,
                maxBackOff, backOffReset, podLogs, ipamDir, cniConfDir, bridgeName, podWorkers, clock, port);
    }
}
