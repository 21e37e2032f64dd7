package io.kaji.node.probe;

import io.fabric8.kubernetes.api.model.Container;
import java.util.Objects;

/**
 * The container a probe or hook is aimed at.
 *
 * @param podIp       the pod's IP: the default host of HTTP, TCP and gRPC probes
 * @param container   the container's spec (named ports for {@code port: http})
 * @param containerId the runtime's container id (exec)
 */
public record ProbeTarget(String podIp, Container container, String containerId) {

    public ProbeTarget {
        Objects.requireNonNull(container, "container");
    }
}
