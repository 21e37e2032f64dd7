package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * Runs once per cycle with the nodes that passed the filters, before scoring; precomputes what Score needs.
 * {@link Status#skip()} skips this plugin's Score for the cycle.
 */
public interface PreScorePlugin extends Plugin {

    Status preScore(CycleState state, Pod pod, List<NodeInfo> feasibleNodes);
}
