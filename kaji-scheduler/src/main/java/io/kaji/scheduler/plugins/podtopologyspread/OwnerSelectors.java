package io.kaji.scheduler.plugins.podtopologyspread;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Finds the selector of the pod's group for the system default spreading constraints, as Kubernetes'
 * {@code DefaultSelector} does: the selectors of the Services that select the pod merged with the selector of
 * its controlling ReplicaSet / StatefulSet / ReplicationController. Implementations read informer caches and
 * must be thread-safe.
 */
@FunctionalInterface
public interface OwnerSelectors {

    /** Never any group: the default constraints then apply to no pod. */
    OwnerSelectors NONE = pod -> null;

    /** The merged selector, or null when nothing selects or owns the pod. */
    LabelSelector selectorFor(Pod pod);
}
