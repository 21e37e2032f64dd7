package io.kaji.scheduler.plugins.noderesources;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PodResources;
import io.kaji.scheduler.framework.PreScorePlugin;
import io.kaji.scheduler.framework.Resources;
import io.kaji.scheduler.framework.ScorePlugin;
import io.kaji.scheduler.framework.Status;
import java.util.List;

/**
 * Score: prefers nodes whose CPU and memory would be used in equal fractions after placing the pod, so no node
 * ends up with all its CPU taken and memory idle. Score = {@code (1 - stddev(fractions)) * 100}; with two
 * resources the standard deviation is {@code |cpu - memory| / 2}.
 */
public final class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {

    public static final String NAME = "NodeResourcesBalancedAllocation";
    /** The resources balanced: cpu and memory, as {@link Resources#standardIndex} indexes. */
    private static final int[] RESOURCE_INDEXES = {Resources.CPU_INDEX, Resources.MEMORY_INDEX};
    private static final CycleState.Key<Resources> POD = new CycleState.Key<>(NAME);

    @Override
    public String name() {
        return NAME;
    }

    /** Computes the pod's requests once per cycle rather than once per node. */
    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasibleNodes) {
        state.write(POD, PodResources.nonZeroRequests(pod));
        return Status.success();
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        Resources podRequests = state.read(POD);
        if (podRequests == null) {
            podRequests = PodResources.nonZeroRequests(pod);
        }
        // The node's requests with the pod's, resource by resource, read from the NodeInfo's own fields: nothing
        // allocated and no Resources object reached per node.
        double[] fractions = new double[RESOURCE_INDEXES.length];
        int n = 0;
        for (int r : RESOURCE_INDEXES) {
            long capacity = node.allocatable(r);
            if (capacity == 0) {
                continue;
            }
            fractions[n++] = Math.min(1.0, (double) (node.nonZeroRequested(r) + podRequests.standard(r)) / capacity);
        }
        double std;
        if (n == 2) {
            std = Math.abs(fractions[0] - fractions[1]) / 2;
        } else if (n < 2) {
            std = 0;
        } else {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += fractions[i] / n;
            }
            double var = 0;
            for (int i = 0; i < n; i++) {
                var += (fractions[i] - mean) * (fractions[i] - mean) / n;
            }
            std = Math.sqrt(var);
        }
        return (long) ((1 - std) * MAX_SCORE);
    }
}
