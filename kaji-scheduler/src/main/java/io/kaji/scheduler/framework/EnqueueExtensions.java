package io.kaji.scheduler.framework;

import java.util.Set;

/**
 * Implemented by plugins that can reject pods (PreFilter, Filter) to say which cluster events could make a pod
 * they rejected schedulable. A rejecting plugin that does not implement it is woken by every event.
 */
public interface EnqueueExtensions {

    Set<ClusterEvent> events();
}
