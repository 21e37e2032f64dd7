package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * Runs once per scheduling cycle before any node is filtered: precomputes what Filter needs into the
 * {@link CycleState}, or rejects the pod outright. Returning {@link Status#skip()} skips this plugin's Filter for
 * the cycle; a rejection marks every node with it.
 */
public interface PreFilterPlugin extends Plugin {

    Status preFilter(CycleState state, Pod pod);
}
