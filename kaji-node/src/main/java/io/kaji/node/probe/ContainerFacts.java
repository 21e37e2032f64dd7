package io.kaji.node.probe;

import java.time.Instant;

/**
 * What the pod worker last saw of a container's newest attempt, for its probes.
 *
 * @param name        the container's name in the pod spec
 * @param containerId the runtime's id of the newest attempt
 * @param running     whether it runs
 * @param startedAt   when it started (initialDelaySeconds counts from here), null if unknown
 */
public record ContainerFacts(String name, String containerId, boolean running, Instant startedAt) {
}
