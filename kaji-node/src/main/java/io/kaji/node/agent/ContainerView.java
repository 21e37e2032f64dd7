package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.kaji.node.runtime.ContainerStatus;

/**
 * What one pass of the pod sync saw of one spec container.
 *
 * @param spec        the container in the pod spec
 * @param init        whether it is an init container
 * @param latest      the newest attempt's runtime status, or null if none exists
 * @param previous    the attempt before it, or null
 * @param waiting     why it is waiting, or null if it is not (running, or terminated for good)
 */
public record ContainerView(Container spec, boolean init, ContainerStatus latest, ContainerStatus previous,
                            ContainerWaiting waiting) {
}
