package io.kaji.node.probe;

/**
 * A container's state as its probes see it, for its status and for the pod worker's decisions.
 *
 * @param started whether the container has started (running, and its startup probe, if any, has passed): the
 *                containerStatus's {@code started}
 * @param ready   whether it is ready (started, and its readiness probe, if any, has passed): the containerStatus's
 *                {@code ready}, and through it the pod's ContainersReady and Ready conditions
 * @param kill    the probe that failed and wants the container killed and restarted (liveness or startup), or
 *                null
 */
public record ContainerHealth(boolean started, boolean ready, ProbeKind kill) {

    /** A container that does not run. */
    public static final ContainerHealth DOWN = new ContainerHealth(false, false, null);
    /** A running container without probes. */
    public static final ContainerHealth UP = new ContainerHealth(true, true, null);
}
