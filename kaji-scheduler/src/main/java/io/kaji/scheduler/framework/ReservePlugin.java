package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * Told when the pod is assumed on a node, before binding; {@link #unreserve} undoes it if the pod is not bound
 * after all (a later plugin rejected it or the binding failed). Unreserve must be idempotent.
 */
public interface ReservePlugin extends Plugin {

    Status reserve(CycleState state, Pod pod, String nodeName);

    void unreserve(CycleState state, Pod pod, String nodeName);
}
