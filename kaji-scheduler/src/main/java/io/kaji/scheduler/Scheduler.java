package io.kaji.scheduler;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.cache.SchedulerCache;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.FitError;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PostFilterPlugin;
import io.kaji.scheduler.framework.Profile;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import io.kaji.scheduler.plugins.InTreePlugins;
import io.kaji.scheduler.queue.QueuedPod;
import io.kaji.scheduler.queue.SchedulingQueue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduling loop. One thread pops a pod, runs its profile against a snapshot of the cache — PreFilter,
 * Filter over all nodes or the adaptive share of them (starting where the previous cycle stopped, so every node
 * gets its turn; the nodes are filtered and scored on the {@link io.kaji.scheduler.framework.Parallelizer}'s
 * threads), PostFilter if none fits, PreScore and Score — picks the best node (ties broken at random),
 * assumes the pod there, runs Reserve and Permit, and hands it to the binding executor (PreBind, Bind). So the
 * next pod is decided while the previous binding is still on the wire, and sees the previous decision.
 *
 * <p>A pod that fits nowhere goes to the unschedulable queue, woken by the events its rejecting plugins listen
 * for, and gets {@code PodScheduled=False} with Kubernetes' message and a {@code FailedScheduling} event.
 */
public final class Scheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    private final SchedulerCache cache;
    private final SchedulingQueue queue;
    private final Map<String, Profile> profiles;
    private final SchedulingReporter reporter;
    private final Executor bindExecutor;
    private final RandomGenerator random;
    private final AtomicLong bound = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final io.kaji.scheduler.framework.Parallelizer parallelizer;
    private int nextStartNode;
    private volatile Thread thread;
    private volatile boolean closed;

    /** The outcome of one scheduling decision (for tests): the node, and how many nodes were filtered / fit. */
    public record Decision(String node, int evaluatedNodes, int feasibleNodes) {}

    public Scheduler(SchedulerCache cache, SchedulingQueue queue, List<Profile> profiles, SchedulingReporter reporter,
                     Executor bindExecutor, RandomGenerator random) {
        this(cache, queue, profiles, reporter, bindExecutor, random, io.kaji.scheduler.framework.Parallelizer.sequential());
    }

    /** @param parallelizer runs Filter and Score over the nodes of a cycle on several threads */
    public Scheduler(SchedulerCache cache, SchedulingQueue queue, List<Profile> profiles, SchedulingReporter reporter,
                     Executor bindExecutor, RandomGenerator random, io.kaji.scheduler.framework.Parallelizer parallelizer) {
        this.parallelizer = parallelizer;
        this.cache = cache;
        this.queue = queue;
        this.profiles = new LinkedHashMap<>();
        for (Profile p : profiles) {
            if (this.profiles.put(p.schedulerName(), p) != null) {
                throw new IllegalArgumentException("two profiles for schedulerName " + p.schedulerName());
            }
        }
        this.reporter = reporter;
        this.bindExecutor = bindExecutor;
        this.random = random;
    }

    /** True when one of this scheduler's profiles serves the pod's {@code spec.schedulerName} (empty = default). */
    public boolean responsibleFor(Pod pod) {
        return profiles.containsKey(schedulerName(pod));
    }

    private static String schedulerName(Pod pod) {
        String name = pod.getSpec() == null ? null : pod.getSpec().getSchedulerName();
        return name == null || name.isEmpty() ? InTreePlugins.DEFAULT_SCHEDULER : name;
    }

    /** Starts the scheduling thread; returns at once. */
    public synchronized void start() {
        thread = Thread.ofPlatform().name("kaji-scheduler").daemon(true).start(this::run);
    }

    private void run() {
        while (!closed) {
            try {
                Optional<QueuedPod> next = queue.pop();
                if (next.isEmpty()) {
                    return;
                }
                scheduleOne(next.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("scheduler: unexpected failure in the scheduling loop", e);
            }
        }
    }

    /** Pods bound so far. */
    public long boundCount() {
        return bound.get();
    }

    /** Attempts that ended unschedulable or in error. */
    public long failedAttempts() {
        return failedAttempts.get();
    }

    /** Runs one scheduling cycle for a popped pod; the binding continues on the bind executor. */
    public Optional<Decision> scheduleOne(QueuedPod qp) {
        Pod pod = qp.pod();
        long cycle = queue.schedulingCycle();
        Profile profile = profiles.get(schedulerName(pod));
        if (profile == null || pod.getMetadata().getDeletionTimestamp() != null
                || cache.isAssumed(pod.getMetadata().getUid())) {
            queue.done(qp.uid());
            return Optional.empty();
        }
        Snapshot snapshot = cache.snapshot();
        CycleState state = new CycleState(snapshot);
        Result result;
        try {
            result = schedulePod(profile, state, pod);
        } catch (RuntimeException e) {
            log.warn("scheduler: error scheduling pod {}: {}", qp.key(), e.toString(), e);
            fail(qp, cycle, SchedulingReporter.SCHEDULER_ERROR, "scheduling pod " + qp.key() + ": " + e, null, true);
            return Optional.empty();
        }
        if (result.fitError() != null) {
            FitError fe = result.fitError();
            qp.setWakeOn(profile.wakeEvents(fe.rejectingPlugins()));
            log.debug("scheduler: pod {} is unschedulable: {}", qp.key(), fe.message());
            fail(qp, cycle, SchedulingReporter.UNSCHEDULABLE, fe.message(), result.nominatedNode(), false);
            return Optional.empty();
        }
        String node = result.decision().node();
        // The queued pod object itself is assumed on the node (Kubernetes deep-copies it with spec.nodeName set;
        // that copy was a tenth of the cycle). Pods are immutable here, and every plugin from Reserve on is
        // handed the node name.
        Pod assumed = pod;
        try {
            cache.assumePod(assumed, node);
        } catch (IllegalStateException e) {
            queue.done(qp.uid());
            return Optional.empty();
        }
        Status reserve = profile.runReserve(state, assumed, node);
        Status permit = reserve.isSuccess() ? profile.runPermit(state, assumed, node) : reserve;
        if (!permit.isSuccess()) {
            if (reserve.isSuccess()) {
                profile.runUnreserve(state, assumed, node);
            }
            cache.forgetPod(assumed);
            boolean error = permit.code() == Status.Code.ERROR;
            fail(qp, cycle, error ? SchedulingReporter.SCHEDULER_ERROR : SchedulingReporter.UNSCHEDULABLE,
                    permit.message(), null, error);
            return Optional.of(result.decision());
        }
        bindExecutor.execute(() -> bindingCycle(profile, state, qp, assumed, node));
        return Optional.of(result.decision());
    }

    private void bindingCycle(Profile profile, CycleState state, QueuedPod qp, Pod assumed, String node) {
        Status s = profile.runPreBind(state, assumed, node);
        if (s.isSuccess()) {
            s = profile.runBind(state, assumed, node);
        }
        if (s.isSuccess()) {
            cache.finishBinding(assumed);
            queue.done(qp.uid());
            bound.incrementAndGet();
            log.debug("scheduler: bound pod {} to node {}", qp.key(), node);
            reporter.scheduled(qp.pod(), node);
            return;
        }
        log.info("scheduler: binding pod {} to node {} failed: {}", qp.key(), node, s.message());
        profile.runUnreserve(state, assumed, node);
        cache.forgetPod(assumed);
        // The room it held is free again: pods waiting for room may fit now.
        queue.onClusterEvent(ClusterEvent.ASSIGNED_POD_DELETED);
        failedAttempts.incrementAndGet();
        queue.addBackoff(qp);
        reporter.failed(qp.pod(), SchedulingReporter.SCHEDULER_ERROR, "Binding rejected: " + s.message(), null);
    }

    private void fail(QueuedPod qp, long cycle, String reason, String message, String nominated, boolean error) {
        failedAttempts.incrementAndGet();
        if (error) {
            queue.addBackoff(qp);
        } else {
            queue.addUnschedulable(qp, cycle);
        }
        Pod pod = qp.pod();
        bindExecutor.execute(() -> reporter.failed(pod, reason, message, nominated));
    }

    /** A decision, or why there is none (with the node preemption nominated, if any). */
    private record Result(Decision decision, FitError fitError, String nominatedNode) {}

    private Result schedulePod(Profile profile, CycleState state, Pod pod) {
        Snapshot snapshot = state.snapshot();
        int all = snapshot.size();
        if (all == 0) {
            return new Result(null, new FitError(0, Map.of(), null, null), null);
        }
        Status pre = profile.runPreFilter(state, pod);
        if (pre.code() == Status.Code.ERROR) {
            throw new IllegalStateException("PreFilter " + pre.plugin() + ": " + pre.message());
        }
        Map<String, Status> statuses = new HashMap<>();
        if (!pre.isSuccess()) {
            for (NodeInfo n : snapshot.nodes()) {
                statuses.put(n.name(), pre);
            }
            return postFilter(profile, state, pod, new FitError(all, statuses, pre.message(), null));
        }
        List<NodeInfo> feasible = findFeasible(profile, state, pod, statuses);
        if (feasible.isEmpty()) {
            return postFilter(profile, state, pod, new FitError(all, statuses, null, null));
        }
        int evaluated = feasible.size() + statuses.size();
        if (feasible.size() == 1 || !profile.hasScorers()) {
            return new Result(new Decision(feasible.get(0).name(), evaluated, feasible.size()), null, null);
        }
        Status preScore = profile.runPreScore(state, pod, feasible);
        if (!preScore.isSuccess()) {
            throw new IllegalStateException("PreScore " + preScore.plugin() + ": " + preScore.message());
        }
        long[] scores = profile.runScore(state, pod, feasible, parallelizer);
        return new Result(new Decision(pick(feasible, scores), evaluated, feasible.size()), null, null);
    }

    /**
     * Filters nodes starting after where the last cycle stopped, until the profile's number of feasible nodes is
     * found (Kubernetes' {@code percentageOfNodesToScore}) or every node was tried; rejections go to
     * {@code statuses}.
     */
    private List<NodeInfo> findFeasible(Profile profile, CycleState state, Pod pod, Map<String, Status> statuses) {
        List<NodeInfo> nodes = state.snapshot().nodes();
        int all = nodes.size();
        int wanted = profile.numFeasibleNodesToFind(all);
        int start = nextStartNode % all;
        // Nodes are filtered in chunks on the parallelizer's threads, then read back in order from start: the
        // outcome (which nodes, which rejections, where the next cycle starts) is that of one thread filtering
        // node after node until `wanted` fit, whatever the threads' timing.
        Status[] results = new Status[all];
        int chunk = parallelizer.chunkSize(all);
        int chunks = (all + chunk - 1) / chunk;
        java.util.concurrent.atomic.AtomicInteger fit = new java.util.concurrent.atomic.AtomicInteger();
        int claimed = parallelizer.run(chunks, c -> {
            for (int p = c * chunk; p < Math.min(all, (c + 1) * chunk); p++) {
                Status s = profile.runFilter(state, pod, nodes.get((start + p) % all));
                results[p] = s;
                if (s.isSuccess()) {
                    fit.incrementAndGet();
                }
            }
        }, () -> fit.get() >= wanted);
        int scanned = Math.min(all, claimed * chunk);
        List<NodeInfo> feasible = new ArrayList<>(Math.min(wanted, all));
        int processed = 0;
        for (; processed < scanned && feasible.size() < wanted; processed++) {
            NodeInfo n = nodes.get((start + processed) % all);
            Status s = results[processed];
            if (s.isSuccess()) {
                feasible.add(n);
            } else if (s.code() == Status.Code.ERROR) {
                throw new IllegalStateException("Filter " + s.plugin() + " on node " + n.name() + ": " + s.message());
            } else {
                statuses.put(n.name(), s);
            }
        }
        nextStartNode = (start + processed) % all;
        return feasible;
    }

    private Result postFilter(Profile profile, CycleState state, Pod pod, FitError fitError) {
        if (!profile.hasPostFilters()) {
            return new Result(null, fitError, null);
        }
        PostFilterPlugin.Result r = profile.runPostFilter(state, pod, fitError.nodeStatuses());
        String message = r.status().isSuccess() ? null : r.status().message();
        String nominated = r.status().isSuccess() ? r.nominatedNodeName() : null;
        return new Result(null, new FitError(fitError.numAllNodes(), fitError.nodeStatuses(), fitError.preFilterMsg(),
                message), nominated);
    }

    /** The highest-scoring node; among equals, each is chosen with equal probability (reservoir sampling). */
    private String pick(List<NodeInfo> nodes, long[] scores) {
        int best = 0;
        int ties = 1;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
                ties = 1;
            } else if (scores[i] == scores[best]) {
                ties++;
                if (random.nextInt(ties) == 0) {
                    best = i;
                }
            }
        }
        return nodes.get(best).name();
    }

    @Override
    public void close() {
        closed = true;
        queue.close();
        parallelizer.close();
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
