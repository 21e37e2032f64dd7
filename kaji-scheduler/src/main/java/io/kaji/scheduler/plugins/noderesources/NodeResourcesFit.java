package io.kaji.scheduler.plugins.noderesources;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.EnqueueExtensions;
import io.kaji.scheduler.framework.FilterPlugin;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PluginArgs;
import io.kaji.scheduler.framework.PodInfo;
import io.kaji.scheduler.framework.PreFilterPlugin;
import io.kaji.scheduler.framework.Resources;
import io.kaji.scheduler.framework.ScorePlugin;
import io.kaji.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Filter: the node's allocatable must cover the pod's requests (init containers, sidecars and overhead included,
 * extended resources too) on top of what its pods already request, and it must have room for one more pod.
 * Score: by the configured {@link ScoringStrategy} (LeastAllocated by default).
 *
 * <p>A shortage the node could never cover (the request exceeds its whole allocatable) is
 * UnschedulableAndUnresolvable, since preemption cannot help; other shortages are Unschedulable.
 */
public final class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, ScorePlugin, EnqueueExtensions {

    public static final String NAME = "NodeResourcesFit";
    public static final String TOO_MANY_PODS = "Too many pods";
    private static final CycleState.Key<PodInfo> POD = new CycleState.Key<>(NAME);

    private final ScoringStrategy strategy;

    public NodeResourcesFit(ScoringStrategy strategy) {
        this.strategy = strategy;
    }

    public static NodeResourcesFit from(PluginArgs args) {
        return new NodeResourcesFit(ScoringStrategy.from(args));
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Kubernetes' reason for a resource shortage: {@code Insufficient cpu}, {@code Insufficient nvidia.com/gpu}. */
    public static String insufficient(String resource) {
        return "Insufficient " + resource;
    }

    @Override
    public Status preFilter(CycleState state, Pod pod) {
        state.write(POD, PodInfo.of(pod));
        return Status.success();
    }

    private static PodInfo podInfo(CycleState state, Pod pod) {
        PodInfo p = state.read(POD);
        return p != null ? p : PodInfo.of(pod);
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        Resources want = podInfo(state, pod).requests();
        // Runs for hundreds of nodes per cycle and nearly always fits: nothing is allocated on that path, and the
        // node's amounts are read from the NodeInfo itself (not its Resources objects: a cache miss each).
        List<String> reasons = null;
        boolean unresolvable = false;
        long allocPods = node.allocatable(Resources.PODS_INDEX);
        if (node.requested(Resources.PODS_INDEX) + 1 > allocPods) {
            reasons = new ArrayList<>(2);
            reasons.add(TOO_MANY_PODS);
            unresolvable = allocPods < 1;
        }
        long allocCpu = node.allocatable(Resources.CPU_INDEX);
        if (exceedsFree(want.milliCpu(), allocCpu, node.requested(Resources.CPU_INDEX))) {
            reasons = add(reasons, Resources.CPU);
            unresolvable |= want.milliCpu() > allocCpu;
        }
        long allocMemory = node.allocatable(Resources.MEMORY_INDEX);
        if (exceedsFree(want.memory(), allocMemory, node.requested(Resources.MEMORY_INDEX))) {
            reasons = add(reasons, Resources.MEMORY);
            unresolvable |= want.memory() > allocMemory;
        }
        long allocStorage = node.allocatable(Resources.EPHEMERAL_STORAGE_INDEX);
        if (exceedsFree(want.ephemeralStorage(), allocStorage, node.requested(Resources.EPHEMERAL_STORAGE_INDEX))) {
            reasons = add(reasons, Resources.EPHEMERAL_STORAGE);
            unresolvable |= want.ephemeralStorage() > allocStorage;
        }
        if (!want.scalars().isEmpty()) {
            Resources alloc = node.allocatable();
            Resources used = node.requested();
            for (Map.Entry<String, Long> e : want.scalars().entrySet()) {
                long w = e.getValue();
                if (exceedsFree(w, alloc.scalar(e.getKey()), used.scalar(e.getKey()))) {
                    reasons = add(reasons, e.getKey());
                    unresolvable |= w > alloc.scalar(e.getKey());
                }
            }
        }
        if (reasons == null) {
            return Status.success();
        }
        return Status.of(unresolvable ? Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE : Status.Code.UNSCHEDULABLE, reasons);
    }

    /** A positive request that exceeds what is left of the allocatable amount. */
    private static boolean exceedsFree(long want, long allocatable, long used) {
        return want > 0 && want > allocatable - used;
    }

    private static List<String> add(List<String> reasons, String resource) {
        List<String> out = reasons == null ? new ArrayList<>(2) : reasons;
        out.add(insufficient(resource));
        return out;
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        return strategy.score(node, podInfo(state, pod).nonZeroRequests());
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.NODE_ADDED, ClusterEvent.NODE_ALLOCATABLE_CHANGED,
                ClusterEvent.ASSIGNED_POD_DELETED, ClusterEvent.ASSIGNED_POD_CHANGED);
    }
}
