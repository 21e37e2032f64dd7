package io.kaji.scheduler.plugins.tainttoleration;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.kaji.controllers.runtime.Tolerations;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.EnqueueExtensions;
import io.kaji.scheduler.framework.FilterPlugin;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.ScorePlugin;
import io.kaji.scheduler.framework.Status;
import java.util.List;
import java.util.Set;

/**
 * Filter: the pod must tolerate every {@code NoSchedule} and {@code NoExecute} taint of the node. Score: fewer
 * untolerated {@code PreferNoSchedule} taints rank higher.
 */
public final class TaintToleration implements FilterPlugin, ScorePlugin, EnqueueExtensions {

    public static final String NAME = "TaintToleration";
    private static final Set<String> FILTER_EFFECTS = Set.of("NoSchedule", "NoExecute");

    @Override
    public String name() {
        return NAME;
    }

    /** Kubernetes' reason, e.g. {@code node(s) had untolerated taint {node.kubernetes.io/unreachable: }}. */
    public static String reason(Taint taint) {
        return "node(s) had untolerated taint {" + taint.getKey() + ": " + (taint.getValue() == null ? "" : taint.getValue()) + "}";
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        return Tolerations.firstUntolerated(node.taints(), pod.getSpec().getTolerations(), FILTER_EFFECTS)
                .map(t -> Status.unresolvable(reason(t)))
                .orElse(Status.success());
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        List<Taint> taints = node.taints();
        if (taints.isEmpty()) {
            return 0;
        }
        // Only tolerations that can apply to PreferNoSchedule count (empty effect or PreferNoSchedule); gathered
        // only for a node that has such a taint (most have none, and Score runs for hundreds of nodes a cycle).
        List<Toleration> tolerations = null;
        long count = 0;
        for (Taint t : taints) {
            if ("PreferNoSchedule".equals(t.getEffect())) {
                if (tolerations == null) {
                    tolerations = preferNoScheduleTolerations(pod);
                }
                if (!Tolerations.toleratedByAny(t, tolerations)) {
                    count++;
                }
            }
        }
        return count;
    }

    private static List<Toleration> preferNoScheduleTolerations(Pod pod) {
        List<Toleration> all = pod.getSpec().getTolerations();
        List<Toleration> out = new java.util.ArrayList<>();
        if (all != null) {
            for (Toleration t : all) {
                if (t.getEffect() == null || t.getEffect().isEmpty() || "PreferNoSchedule".equals(t.getEffect())) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    @Override
    public void normalize(CycleState state, Pod pod, List<NodeInfo> nodes, long[] scores) {
        ScorePlugin.normalizeToMax(scores, true);
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADDED, ClusterEvent.NODE_TAINTS_CHANGED);
    }
}
