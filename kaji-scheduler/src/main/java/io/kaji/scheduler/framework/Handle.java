package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/** What the framework offers its plugins: running the profile's own filters (for preemption's what-if). */
public interface Handle {

    /** Runs every Filter plugin of the profile for {@code pod} on {@code node} (a what-if copy is fine). */
    Status runFilterPlugins(CycleState state, Pod pod, NodeInfo node);
}
