package io.kaji.scheduler.plugins.nodeports;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.EnqueueExtensions;
import io.kaji.scheduler.framework.FilterPlugin;
import io.kaji.scheduler.framework.HostPort;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PodResources;
import io.kaji.scheduler.framework.PreFilterPlugin;
import io.kaji.scheduler.framework.Status;
import java.util.List;
import java.util.Set;

/** Filter: the host ports the pod asks for must be free on the node (same port and protocol, overlapping IP). */
public final class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {

    public static final String NAME = "NodePorts";
    public static final String REASON = "node(s) didn't have free ports for the requested pod ports";
    private static final CycleState.Key<List<HostPort>> WANTED = new CycleState.Key<>(NAME);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status preFilter(CycleState state, Pod pod) {
        List<HostPort> ports = PodResources.hostPorts(pod);
        if (ports.isEmpty()) {
            return Status.skip();
        }
        state.write(WANTED, ports);
        return Status.success();
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        List<HostPort> wanted = state.read(WANTED);
        if (wanted == null) {
            wanted = PodResources.hostPorts(pod);
        }
        for (HostPort w : wanted) {
            for (HostPort used : node.usedPorts()) {
                if (w.conflictsWith(used)) {
                    return Status.unschedulable(REASON);
                }
            }
        }
        return Status.success();
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADDED, ClusterEvent.ASSIGNED_POD_DELETED);
    }
}
