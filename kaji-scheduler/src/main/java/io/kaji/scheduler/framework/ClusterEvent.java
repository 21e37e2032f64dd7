package io.kaji.scheduler.framework;

import java.util.EnumSet;
import java.util.Set;

/**
 * A change in the cluster that may make an unschedulable pod fit. The queue moves a pod back to the active queue
 * only on the events that the plugins that rejected it registered ({@link EnqueueExtensions}), as Kubernetes'
 * queueing by {@code EventsToRegister} does.
 */
public enum ClusterEvent {
    NODE_ADDED,
    NODE_ALLOCATABLE_CHANGED,
    NODE_LABELS_CHANGED,
    NODE_TAINTS_CHANGED,
    NODE_UNSCHEDULABLE_CHANGED,
    ASSIGNED_POD_ADDED,
    ASSIGNED_POD_CHANGED,
    ASSIGNED_POD_DELETED,
    PVC_ADDED_OR_CHANGED,
    PV_ADDED_OR_CHANGED;

    public static final Set<ClusterEvent> ALL = Set.copyOf(EnumSet.allOf(ClusterEvent.class));
}
