package io.kaji.node.containergc;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * What the container garbage collector may do with a pod's dead containers and sandboxes: the kubelet asks its pod
 * workers ({@code ShouldPodContentBeRemoved}, {@code ShouldPodRuntimeBeRemoved}); Kaji's workers keep no such state,
 * so it is read from the pod as the node's synced informer has it.
 */
public enum PodState {

    /**
     * The pod may still run or restart containers (also while it is being deleted: its worker removes what it ran).
     * Its newest instance of each container is kept, whatever the limits: the pod worker reads from the runtime
     * which containers have run (an init container that succeeded, a container that exited under restartPolicy
     * Never), and would run a removed one again.
     */
    ACTIVE,

    /**
     * Phase Succeeded or Failed: nothing runs again. Kept like {@link #ACTIVE} by the periodic collection (so its
     * logs stay readable); removed entirely, sandbox stopped first, when disk pressure asks for every unused
     * container (the kubelet's {@code DeleteAllUnusedContainers}).
     */
    TERMINATED,

    /** Gone from the API (or evicted): all its dead containers, sandboxes and logs are garbage. */
    REMOVED;

    /** The state of a pod bound to this node; {@code null} (not in the informer's cache) is {@link #REMOVED}. */
    public static PodState of(Pod pod) {
        if (pod == null) {
            return REMOVED;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        String reason = pod.getStatus() == null ? null : pod.getStatus().getReason();
        if ("Failed".equals(phase) && "Evicted".equals(reason)) {
            // The kubelet's IsEvicted: its content goes at once, even while the API object stays.
            return REMOVED;
        }
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return TERMINATED;
        }
        return ACTIVE;
    }
}
