package io.kaji.scheduler.binder;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.framework.Status;

/** The one seam through which the scheduler assigns a pod to a node. Implementations must be thread-safe. */
@FunctionalInterface
public interface PodBinder {

    /**
     * Binds {@code pod} to {@code nodeName}. Blocks until the API server answered.
     *
     * @return success, or an error status naming the pod and the cause (the pod is then retried)
     */
    Status bind(Pod pod, String nodeName);
}
