package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * Binds the pod to its node. Bind plugins run in order until one does not return {@link Status#skip()}. Runs in
 * the binding cycle, off the scheduling thread; may block on the API.
 */
public interface BindPlugin extends Plugin {

    Status bind(CycleState state, Pod pod, String nodeName);
}
