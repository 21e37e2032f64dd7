package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * Decides whether the pod can run on one node. Called concurrently for different nodes of one cycle: it must
 * only read the state, the pod and the node info.
 */
public interface FilterPlugin extends Plugin {

    /** Success, or Unschedulable / UnschedulableAndUnresolvable with the reason a user reads. */
    Status filter(CycleState state, Pod pod, NodeInfo node);
}
