package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/** Prepares the node before the pod is bound (e.g. attaching volumes); runs in the binding cycle. */
public interface PreBindPlugin extends Plugin {

    Status preBind(CycleState state, Pod pod, String nodeName);
}
