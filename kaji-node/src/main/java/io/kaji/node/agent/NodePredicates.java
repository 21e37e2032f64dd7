package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.controllers.runtime.NodeSelectors;
import io.kaji.controllers.runtime.Tolerations;
import io.kaji.node.PodContainers;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The kubelet's admission predicates besides resources (its lifecycle {@code generalFilter}), for a pod bound to
 * this node by hand or by a scheduler whose view was behind: the node must match the pod's nodeSelector and
 * required node affinity ({@code NodeAffinity}), the pod's host ports must be free among the pods admitted here
 * ({@code NodePorts}), and every NoExecute taint of the node must be tolerated ({@code TaintToleration}). The first
 * that fails is the reason; the message is the kubelet's.
 */
final class NodePredicates {

    static final String NODE_AFFINITY = "NodeAffinity";
    static final String NODE_PORTS = "NodePorts";
    static final String TAINT_TOLERATION = "TaintToleration";

    private NodePredicates() {
    }

    /** Why {@code pod} may not run on {@code node} beside {@code admitted}; nothing is checked against a null node. */
    static Optional<ResourceFit.Rejection> check(Pod pod, Node node, List<Pod> admitted) {
        if (node != null && !NodeSelectors.podMatchesNode(pod, node)) {
            return rejection(NODE_AFFINITY, "node(s) didn't match Pod's node affinity/selector");
        }
        List<HostPort> wanted = hostPorts(pod);
        if (!wanted.isEmpty()) {
            List<HostPort> used = new ArrayList<>();
            admitted.forEach(p -> used.addAll(hostPorts(p)));
            if (wanted.stream().anyMatch(w -> used.stream().anyMatch(w::conflicts))) {
                return rejection(NODE_PORTS, "node(s) didn't have free ports for the requested pod ports");
            }
        }
        if (node != null && node.getSpec() != null && node.getSpec().getTaints() != null && Tolerations
                .firstUntolerated(node.getSpec().getTaints(), pod.getSpec().getTolerations(), Set.of("NoExecute"))
                .isPresent()) {
            return rejection(TAINT_TOLERATION, "node(s) had taints that the pod didn't tolerate");
        }
        return Optional.empty();
    }

    private static Optional<ResourceFit.Rejection> rejection(String predicate, String description) {
        return Optional.of(new ResourceFit.Rejection(predicate, "Predicate " + predicate + " failed: " + description));
    }

    /** A host port a pod holds: protocol, address (0.0.0.0 for all) and port. */
    record HostPort(String protocol, String ip, int port) {
        boolean conflicts(HostPort other) {
            return port == other.port && protocol.equals(other.protocol)
                    && (ip.equals(other.ip) || ip.equals("0.0.0.0") || other.ip.equals("0.0.0.0"));
        }
    }

    /** The host ports of the pod's containers and sidecars, as the kubelet's NodePorts predicate counts them. */
    static List<HostPort> hostPorts(Pod pod) {
        List<HostPort> out = new ArrayList<>();
        for (Container c : PodContainers.sideBySide(pod)) {
            for (ContainerPort p : PodSpecs.nullSafe(c.getPorts())) {
                if (p.getHostPort() != null && p.getHostPort() > 0) {
                    String ip = p.getHostIP() == null || p.getHostIP().isEmpty() ? "0.0.0.0" : p.getHostIP();
                    out.add(new HostPort(p.getProtocol() == null ? "TCP" : p.getProtocol(), ip, p.getHostPort()));
                }
            }
        }
        return out;
    }
}
