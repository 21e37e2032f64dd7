package io.kaji.scheduler.plugins.nodeaffinity;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.kaji.controllers.runtime.NodeSelectors;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.EnqueueExtensions;
import io.kaji.scheduler.framework.FilterPlugin;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PreScorePlugin;
import io.kaji.scheduler.framework.ScorePlugin;
import io.kaji.scheduler.framework.Status;
import java.util.List;
import java.util.Set;

/**
 * Filter: the node must satisfy the pod's {@code nodeSelector} and its required node affinity. Score: the sum of
 * the weights of the pod's preferred node-affinity terms the node matches, scaled so the best node gets 100.
 */
public final class NodeAffinity implements FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {

    public static final String NAME = "NodeAffinity";
    public static final String REASON = "node(s) didn't match Pod's node affinity/selector";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        if (node.node() != null && NodeSelectors.podMatchesNode(pod, node.node())) {
            return Status.success();
        }
        return Status.unresolvable(REASON);
    }

    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasibleNodes) {
        return preferred(pod).isEmpty() ? Status.skip() : Status.success();
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        long total = 0;
        for (PreferredSchedulingTerm t : preferred(pod)) {
            if (t.getWeight() != null && t.getPreference() != null && NodeSelectors.matches(t.getPreference(), node.node())) {
                total += t.getWeight();
            }
        }
        return total;
    }

    @Override
    public void normalize(CycleState state, Pod pod, List<NodeInfo> nodes, long[] scores) {
        ScorePlugin.normalizeToMax(scores, false);
    }

    private static List<PreferredSchedulingTerm> preferred(Pod pod) {
        var spec = pod.getSpec();
        if (spec == null || spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null) {
            return List.of();
        }
        var terms = spec.getAffinity().getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
        return terms == null ? List.of() : terms;
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADDED, ClusterEvent.NODE_LABELS_CHANGED);
    }
}
