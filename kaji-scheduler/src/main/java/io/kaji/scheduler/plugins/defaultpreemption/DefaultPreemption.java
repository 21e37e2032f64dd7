package io.kaji.scheduler.plugins.defaultpreemption;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.FitError;
import io.kaji.scheduler.framework.Handle;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PodInfo;
import io.kaji.scheduler.framework.PostFilterPlugin;
import io.kaji.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * PostFilter: when no node fits, looks for a node where evicting pods of lower priority would make the pod fit,
 * evicts the fewest and least important of them, and nominates the node. Candidates are ranked as Kubernetes
 * ranks them: lowest highest-victim priority, then lowest sum of victim priorities, then fewest victims.
 * Nodes rejected as UnschedulableAndUnresolvable are not considered ("Preemption is not helpful for
 * scheduling").
 *
 * <p>Not yet as in Kubernetes: PodDisruptionBudgets are not consulted (the API server does not serve
 * policy/v1); the what-if runs the filters with the cycle's PreFilter state, which is exact for resources and
 * ports but not for topology spread and inter-pod affinity; nominated pods do not reserve the freed room.
 */
public final class DefaultPreemption implements PostFilterPlugin {

    public static final String NAME = "DefaultPreemption";
    public static final String NOT_HELPFUL = "Preemption is not helpful for scheduling";
    public static final String NO_VICTIMS = "No preemption victims found for incoming pod";

    private final Handle handle;
    private final Evictor evictor;

    public DefaultPreemption(Handle handle, Evictor evictor) {
        this.handle = handle;
        this.evictor = evictor;
    }

    @Override
    public String name() {
        return NAME;
    }

    private record Candidate(NodeInfo node, List<PodInfo> victims) {
        int maxPriority() {
            return victims.stream().mapToInt(PodInfo::priority).max().orElse(Integer.MIN_VALUE);
        }

        long sumPriority() {
            return victims.stream().mapToLong(v -> (long) v.priority() + Integer.MAX_VALUE + 1).sum();
        }
    }

    @Override
    public Result postFilter(CycleState state, Pod pod, Map<String, Status> nodeStatuses) {
        if ("Never".equals(pod.getSpec().getPreemptionPolicy())) {
            return Result.rejected(Status.unschedulable("preemption: not eligible due to preemptionPolicy=Never"));
        }
        List<Status> why = new ArrayList<>();
        List<Candidate> candidates = new ArrayList<>();
        int priority = PodInfo.priorityOf(pod);
        for (NodeInfo node : state.snapshot().nodes()) {
            Status s = nodeStatuses.get(node.name());
            if (s != null && s.code() == Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE) {
                why.add(Status.unresolvable(NOT_HELPFUL));
                continue;
            }
            Candidate c = victimsOn(state, pod, priority, node);
            if (c == null) {
                why.add(Status.unschedulable(NO_VICTIMS));
            } else {
                candidates.add(c);
            }
        }
        if (candidates.isEmpty()) {
            String message = "preemption: 0/" + state.snapshot().size() + " nodes are available: "
                    + String.join(", ", FitError.histogram(why));
            return Result.rejected(Status.unschedulable(message));
        }
        Candidate best = candidates.stream().min(Comparator.comparingInt(Candidate::maxPriority)
                .thenComparingLong(Candidate::sumPriority)
                .thenComparingInt(c -> c.victims().size())).orElseThrow();
        for (PodInfo v : best.victims()) {
            evictor.evict(v.pod(), pod);
        }
        return new Result(Status.success(), best.node().name());
    }

    /**
     * The smallest set of lower-priority pods on {@code node} whose removal lets the pod fit, or null: remove all
     * lower-priority pods; if the pod then fits, give back ("reprieve") the most important ones while it still
     * fits, as Kubernetes' {@code selectVictimsOnNode} does.
     */
    private Candidate victimsOn(CycleState state, Pod pod, int priority, NodeInfo node) {
        NodeInfo whatIf = node.copy();
        List<PodInfo> lower = new ArrayList<>();
        for (PodInfo p : node.pods()) {
            if (p.priority() < priority) {
                lower.add(p);
                whatIf.removePod(p.uid());
            }
        }
        if (lower.isEmpty() || !handle.runFilterPlugins(state, pod, whatIf).isSuccess()) {
            return null;
        }
        lower.sort(Comparator.comparingInt(PodInfo::priority).reversed());
        List<PodInfo> victims = new ArrayList<>();
        for (PodInfo p : lower) {
            whatIf.addPod(p);
            if (!handle.runFilterPlugins(state, pod, whatIf).isSuccess()) {
                whatIf.removePod(p.uid());
                victims.add(p);
            }
        }
        return new Candidate(node, victims);
    }
}
