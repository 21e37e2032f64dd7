package io.kaji.scheduler.plugins.nodeunschedulable;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.kaji.controllers.runtime.Tolerations;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.EnqueueExtensions;
import io.kaji.scheduler.framework.FilterPlugin;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.Status;
import java.util.Set;

/**
 * Filter: a cordoned node ({@code spec.unschedulable: true}) takes no new pods, unless the pod tolerates the
 * {@code node.kubernetes.io/unschedulable:NoSchedule} taint (as DaemonSet pods do).
 */
public final class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {

    public static final String NAME = "NodeUnschedulable";
    public static final String REASON = "node(s) were unschedulable";
    private static final Taint UNSCHEDULABLE = new TaintBuilder()
            .withKey("node.kubernetes.io/unschedulable").withEffect("NoSchedule").build();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        if (!node.unschedulable() || Tolerations.toleratedByAny(UNSCHEDULABLE, pod.getSpec().getTolerations())) {
            return Status.success();
        }
        return Status.unresolvable(REASON);
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADDED, ClusterEvent.NODE_UNSCHEDULABLE_CHANGED);
    }
}
