package io.kaji.scheduler.plugins.defaultpreemption;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.kaji.controllers.runtime.Selectors;
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
 * evicts the fewest and least important of them, and nominates the node. PodDisruptionBudgets are honoured where
 * possible, as in Kubernetes: on each node, victims whose eviction would violate a budget are reprieved first, and
 * candidates are ranked by fewest budget violations, then lowest highest-victim priority, then lowest sum of
 * victim priorities, then fewest victims. A budget may still be violated when nothing else makes room (preemption
 * deletes; it does not go through the eviction API). Nodes rejected as UnschedulableAndUnresolvable are not
 * considered ("Preemption is not helpful for scheduling").
 *
 * <p>Not yet as in Kubernetes: the what-if runs the filters with the cycle's PreFilter state, which is exact for
 * resources and ports but not for topology spread and inter-pod affinity; nominated pods do not reserve the freed
 * room.
 */
public final class DefaultPreemption implements PostFilterPlugin {

    public static final String NAME = "DefaultPreemption";
    public static final String NOT_HELPFUL = "Preemption is not helpful for scheduling";
    public static final String NO_VICTIMS = "No preemption victims found for incoming pod";

    private final Handle handle;
    private final Evictor evictor;
    private final DisruptionBudgets budgets;

    public DefaultPreemption(Handle handle, Evictor evictor) {
        this(handle, evictor, DisruptionBudgets.NONE);
    }

    public DefaultPreemption(Handle handle, Evictor evictor, DisruptionBudgets budgets) {
        this.handle = handle;
        this.evictor = evictor;
        this.budgets = budgets;
    }

    @Override
    public String name() {
        return NAME;
    }

    private record Candidate(NodeInfo node, List<PodInfo> victims, int budgetViolations) {
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
        List<PodDisruptionBudget> pdbs = budgets.all();
        for (NodeInfo node : state.snapshot().nodes()) {
            Status s = nodeStatuses.get(node.name());
            if (s != null && s.code() == Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE) {
                why.add(Status.unresolvable(NOT_HELPFUL));
                continue;
            }
            Candidate c = victimsOn(state, pod, priority, node, pdbs);
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
        Candidate best = candidates.stream().min(Comparator.comparingInt(Candidate::budgetViolations)
                .thenComparingInt(Candidate::maxPriority)
                .thenComparingLong(Candidate::sumPriority)
                .thenComparingInt(c -> c.victims().size())).orElseThrow();
        for (PodInfo v : best.victims()) {
            evictor.evict(v.pod(), pod);
        }
        return new Result(Status.success(), best.node().name());
    }

    /**
     * The smallest set of lower-priority pods on {@code node} whose removal lets the pod fit, or null: remove all
     * lower-priority pods; if the pod then fits, give back ("reprieve") pods while it still fits, as Kubernetes'
     * {@code selectVictimsOnNode} does: first those whose eviction would violate a budget, then the others, each
     * group most important first. Victims that violate a budget are counted.
     */
    private Candidate victimsOn(CycleState state, Pod pod, int priority, NodeInfo node,
                                List<PodDisruptionBudget> pdbs) {
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
        List<PodInfo> violating = new ArrayList<>();
        List<PodInfo> nonViolating = new ArrayList<>();
        splitByBudget(lower, pdbs, violating, nonViolating);
        List<PodInfo> victims = new ArrayList<>();
        int violations = 0;
        for (PodInfo p : violating) {
            if (!reprieve(state, pod, whatIf, p, victims)) {
                violations++;
            }
        }
        for (PodInfo p : nonViolating) {
            reprieve(state, pod, whatIf, p, victims);
        }
        return new Candidate(node, victims, violations);
    }

    /** Puts {@code p} back; if the pod no longer fits, takes it out again as a victim. Returns whether it stays. */
    private boolean reprieve(CycleState state, Pod pod, NodeInfo whatIf, PodInfo p, List<PodInfo> victims) {
        whatIf.addPod(p);
        if (handle.runFilterPlugins(state, pod, whatIf).isSuccess()) {
            return true;
        }
        whatIf.removePod(p.uid());
        victims.add(p);
        return false;
    }

    /**
     * Kubernetes' {@code filterPodsWithPDBViolation}: walking the pods in order, each one matched by a budget of
     * its namespace (non-empty selector, not already in the budget's {@code disruptedPods}) uses one of that
     * budget's {@code disruptionsAllowed}; a pod that drives any budget below zero would violate it.
     */
    static void splitByBudget(List<PodInfo> pods, List<PodDisruptionBudget> pdbs, List<PodInfo> violating,
                              List<PodInfo> nonViolating) {
        int[] allowed = new int[pdbs.size()];
        for (int i = 0; i < pdbs.size(); i++) {
            var st = pdbs.get(i).getStatus();
            allowed[i] = st == null || st.getDisruptionsAllowed() == null ? 0 : st.getDisruptionsAllowed();
        }
        for (PodInfo p : pods) {
            var meta = p.pod().getMetadata();
            boolean violates = false;
            for (int i = 0; i < pdbs.size(); i++) {
                PodDisruptionBudget b = pdbs.get(i);
                if (!meta.getNamespace().equals(b.getMetadata().getNamespace()) || b.getSpec() == null
                        || b.getSpec().getSelector() == null || Selectors.isEmpty(b.getSpec().getSelector())
                        || !Selectors.matches(b.getSpec().getSelector(), meta.getLabels())) {
                    continue;
                }
                var disrupted = b.getStatus() == null ? null : b.getStatus().getDisruptedPods();
                if (disrupted != null && disrupted.containsKey(meta.getName())) {
                    continue;
                }
                allowed[i]--;
                violates |= allowed[i] < 0;
            }
            (violates ? violating : nonViolating).add(p);
        }
    }
}
