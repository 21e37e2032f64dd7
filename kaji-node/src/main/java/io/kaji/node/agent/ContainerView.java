package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.kaji.node.probe.ContainerHealth;
import io.kaji.node.runtime.ContainerStatus;

/**
 * What one pass of the pod sync saw of one spec container.
 *
 * @param spec        the container in the pod spec
 * @param init        whether it is an init container
 * @param latest      the newest attempt's runtime status, or null if none exists
 * @param previous    the attempt before it, or null
 * @param waiting     why it is waiting, or null if it is not (running, or terminated for good)
 * @param health      what its probes say of the newest attempt (started, ready), or null for "no probes": a running
 *                    container is then started and ready
 */
public record ContainerView(Container spec, boolean init, ContainerStatus latest, ContainerStatus previous,
                            ContainerWaiting waiting, ContainerHealth health) {

    /** A view without probe results. */
    public ContainerView(Container spec, boolean init, ContainerStatus latest, ContainerStatus previous,
                         ContainerWaiting waiting) {
        this(spec, init, latest, previous, waiting, null);
    }
}
