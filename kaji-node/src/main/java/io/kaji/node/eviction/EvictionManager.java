package io.kaji.node.eviction;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.kaji.controllers.runtime.EventRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node-pressure eviction, as the kubelet's eviction manager does it. Every monitoring interval one pass
 * ({@link #synchronize()}):
 * <ol>
 *   <li>observes the signals and updates which thresholds are met and the pressure conditions
 *       ({@link PressureTracker}; the node status reporter reads {@link #conditions()});</li>
 *   <li>if a threshold is actionable (hard, or soft past its grace period), picks the resource to reclaim
 *       (memory before the others), records an {@code EvictionThresholdMet} event on the node, ranks the active
 *       pods ({@link EvictionRanking}) and evicts the first one that is not critical: its final status is
 *       {@link EvictedStatus} with {@link EvictionMessage}'s text, it is killed with a grace period of 1 s (hard
 *       thresholds) or min(its own, {@code maxPodGracePeriod}) (soft), and an {@code Evicted} event is
 *       recorded on it.</li>
 * </ol>
 * Before evicting for a disk signal it reclaims node-level resources, as the kubelet does: its
 * {@link NodeReclaimer}s run in order (the agent's: the container garbage collector removes every unused container,
 * then the image garbage collector every unused image), the signals are observed again, and no pod is evicted if
 * no threshold is met any more, the signal's minimum reclaim included. At most one pod is evicted per pass, so that
 * the next observation shows what that freed.
 * {@link #synchronize()} is synchronized; {@link #conditions()} may be read from any thread.
 */
public final class EvictionManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EvictionManager.class);
    /** The kubelet's grace period for evictions by hard thresholds. */
    static final Duration IMMEDIATE_GRACE = Duration.ofSeconds(1);

    /** Kills a pod so that it ends with {@code status}; the agent's pod worker does the killing. */
    @FunctionalInterface
    public interface PodKiller {
        /**
         * Stops the pod's containers within {@code gracePeriod}, removes its sandbox and writes {@code status}.
         * May return before the pod is gone; must not throw for a pod that no longer exists.
         */
        void kill(Pod pod, PodStatus status, Duration gracePeriod);
    }

    /** Frees node-level resources (dead containers, unused images) before pods are evicted for disk. */
    @FunctionalInterface
    public interface NodeReclaimer {
        /**
         * Frees what it can for {@code signal} (a disk signal) and returns the bytes freed. Blocking; may throw,
         * in which case the manager goes on to evict.
         */
        long reclaim(Signal signal);
    }

    private final EvictionConfig config;
    private final SignalSource signals;
    private final Supplier<List<Pod>> activePods;
    private final Supplier<Map<String, PodUsage>> usage;
    private final PodKiller killer;
    private final EventRecorder events;
    private final Clock clock;
    private final Node nodeRef;
    private final PressureTracker tracker;
    private final ScheduledExecutorService timer;
    private volatile Set<PressureCondition> conditions = Set.of();
    /** Pods already evicted (by uid) while the pod list may still show them running. */
    private final Set<String> evicted = new java.util.HashSet<>();
    private volatile Runnable onConditionsChanged = () -> { };
    private volatile List<NodeReclaimer> reclaimers = List.of();
    private volatile LocalStorage.Usage localStorage;

    /**
     * @param activePods the pods bound to this node (terminal and deleted ones are skipped here)
     * @param usage      the pods' measured use by pod uid
     * @param events     where the Evicted and EvictionThresholdMet events go; null for none
     */
    public EvictionManager(String nodeName, EvictionConfig config, SignalSource signals,
                           Supplier<List<Pod>> activePods, Supplier<Map<String, PodUsage>> usage, PodKiller killer,
                           EventRecorder events, Clock clock) {
        this.config = config;
        this.signals = signals;
        this.activePods = activePods;
        this.usage = usage;
        this.killer = killer;
        this.events = events;
        this.clock = clock;
        this.nodeRef = new NodeBuilder().withNewMetadata().withName(nodeName).endMetadata().build();
        this.tracker = new PressureTracker(config);
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-eviction-" + nodeName).daemon(true).factory());
    }

    /** Called (on the manager's thread) whenever the set of pressure conditions changes. */
    public void onConditionsChanged(Runnable r) {
        this.onConditionsChanged = r;
    }

    /** Reclaims node-level resources with {@code r} before evicting pods for disk; call before {@link #start()}. */
    public EvictionManager reclaimer(NodeReclaimer r) {
        return reclaimers(List.of(r));
    }

    /**
     * Reclaims node-level resources with each of {@code inOrder} before evicting pods for disk, as the kubelet's
     * nodefs reclaim deletes all unused containers, then unused images; one that throws does not stop the next.
     * Call before {@link #start()}.
     */
    public EvictionManager reclaimers(List<NodeReclaimer> inOrder) {
        this.reclaimers = List.copyOf(inOrder);
        return this;
    }

    /** The pressure conditions that are True now. */
    /**
     * Turns on local-storage eviction (emptyDir {@code sizeLimit}, {@code ephemeral-storage} limits) with
     * {@code disk} measuring what the pods keep beside their writable layers.
     */
    public EvictionManager localStorage(LocalStorage.Usage disk) {
        this.localStorage = disk;
        return this;
    }

    public Set<PressureCondition> conditions() {
        return conditions;
    }

    /** Runs {@link #synchronize()} now and every monitoring interval. */
    public void start() {
        long ms = config.monitoringInterval().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                synchronize();
            } catch (RuntimeException e) {
                log.warn("node {}: eviction pass failed: {}", nodeRef.getMetadata().getName(), e.toString());
            }
        }, 0, ms, TimeUnit.MILLISECONDS);
        log.info("node {}: eviction manager started (thresholds {}, every {})", nodeRef.getMetadata().getName(),
                config.thresholds(), config.monitoringInterval());
    }

    /** One pass: observe, update the conditions, evict at most one pod. Returns the pod evicted, if any. */
    public synchronized Optional<Pod> synchronize() {
        Instant now = clock.instant();
        Map<Signal, Observation> observed = signals.observe();
        PressureTracker.Outcome outcome = tracker.update(observed, now);
        Set<PressureCondition> current = outcome.conditions().isEmpty() ? Set.of()
                : Set.copyOf(EnumSet.copyOf(outcome.conditions()));
        if (!current.equals(conditions)) {
            log.info("node {}: pressure conditions now {} (thresholds met: {})", nodeRef.getMetadata().getName(),
                    current, outcome.met());
            conditions = current;
            onConditionsChanged.run();
        }
        Optional<Pod> overLimit = evictForLocalStorage(now);
        if (overLimit.isPresent()) {
            return overLimit;
        }
        if (outcome.actionable().isEmpty()) {
            return Optional.empty();
        }
        // Memory first (the kubelet's byEvictionPriority), then the signals in their declared order.
        Threshold threshold = outcome.actionable().stream()
                .min(Comparator.comparingInt((Threshold t) -> t.signal().ordinal())).orElseThrow();
        Signal signal = threshold.signal();
        if (events != null) {
            events.warning(nodeRef, "EvictionThresholdMet", "Attempting to reclaim " + signal.resource());
        }
        if (signal.condition() == PressureCondition.DISK && reclaimNodeLevel(signal)) {
            return Optional.empty();
        }
        List<Pod> all = activePods.get();
        evicted.retainAll(all.stream().map(p -> p.getMetadata().getUid()).collect(java.util.stream.Collectors.toSet()));
        List<Pod> candidates = all.stream().filter(EvictionManager::active)
                .filter(p -> !evicted.contains(p.getMetadata().getUid())).toList();
        if (candidates.isEmpty()) {
            log.info("node {}: threshold {} met, but no pods are active to evict", nodeRef.getMetadata().getName(),
                    threshold);
            return Optional.empty();
        }
        Map<String, PodUsage> figures = usage.get();
        LocalStorage.Usage disk = localStorage;
        if (disk != null && (signal == Signal.NODEFS_AVAILABLE || signal == Signal.NODEFS_INODES_FREE)) {
            // Node-file-system pressure ranks by logs and local volumes too (measured now, for the candidates).
            boolean shared = signals.imageFsIsNodeFs();
            Map<String, PodUsage> withLocal = new java.util.HashMap<>(figures);
            for (Pod p : candidates) {
                String uid = p.getMetadata().getUid();
                withLocal.put(uid, LocalStorage.forDiskPressure(signal, p, figures.get(uid), disk, shared));
            }
            figures = withLocal;
        }
        for (Pod pod : EvictionRanking.rank(signal, candidates, figures)) {
            if (EvictionRanking.isCritical(pod)) {
                log.debug("node {}: not evicting critical pod {}/{}", nodeRef.getMetadata().getName(),
                        pod.getMetadata().getNamespace(), pod.getMetadata().getName());
                continue;
            }
            String message = EvictionMessage.of(threshold, observed.get(signal), pod,
                    figures.get(pod.getMetadata().getUid()));
            PodStatus status = EvictedStatus.of(pod, message, now);
            Duration grace = gracePeriod(threshold, pod);
            log.info("node {}: evicting pod {}/{} (grace {} s): {}", nodeRef.getMetadata().getName(),
                    pod.getMetadata().getNamespace(), pod.getMetadata().getName(), grace.toSeconds(), message);
            killer.kill(pod, status, grace);
            evicted.add(pod.getMetadata().getUid());
            if (events != null) {
                events.warning(pod, EvictedStatus.REASON, message);
            }
            return Optional.of(pod);
        }
        log.info("node {}: threshold {} met, but only critical pods are left", nodeRef.getMetadata().getName(),
                threshold);
        return Optional.empty();
    }

    /**
     * The kubelet's local-storage eviction, before any threshold is looked at: every active pod over one of its
     * storage limits ({@link LocalStorage}) is evicted at once (grace 0). Returns the first, if any. Usage is
     * measured only when a pod has such a limit.
     */
    private Optional<Pod> evictForLocalStorage(Instant now) {
        LocalStorage.Usage disk = localStorage;
        if (disk == null) {
            return Optional.empty();
        }
        List<Pod> limited = activePods.get().stream().filter(EvictionManager::active)
                .filter(p -> !evicted.contains(p.getMetadata().getUid())).filter(LocalStorage::limited).toList();
        if (limited.isEmpty()) {
            return Optional.empty();
        }
        Map<String, PodUsage> figures = usage.get();
        Pod first = null;
        for (Pod pod : limited) {
            Optional<String> why = LocalStorage.violation(pod, figures.get(pod.getMetadata().getUid()), disk);
            if (why.isEmpty()) {
                continue;
            }
            log.info("node {}: evicting pod {}/{}: {}", nodeRef.getMetadata().getName(),
                    pod.getMetadata().getNamespace(), pod.getMetadata().getName(), why.get());
            killer.kill(pod, EvictedStatus.of(pod, why.get(), now), Duration.ZERO);
            evicted.add(pod.getMetadata().getUid());
            if (events != null) {
                events.warning(pod, EvictedStatus.REASON, why.get());
            }
            first = first == null ? pod : first;
        }
        return Optional.ofNullable(first);
    }

    /**
     * Runs the reclaimer for a disk signal and observes again; true when no threshold is met any more (the
     * kubelet's reclaimNodeLevelResources: then no pod is evicted in this pass).
     */
    private boolean reclaimNodeLevel(Signal signal) {
        List<NodeReclaimer> rs = reclaimers;
        if (rs.isEmpty()) {
            return false;
        }
        String node = nodeRef.getMetadata().getName();
        long freed = 0;
        for (NodeReclaimer r : rs) {
            try {
                freed += r.reclaim(signal);
            } catch (RuntimeException e) {
                // The kubelet logs it and goes on: the next reclaimer or, failing all, an eviction frees space.
                log.warn("node {}: reclaiming node-level resources for {} failed: {}", node, signal, e.getMessage());
            }
        }
        Map<Signal, Observation> after = signals.observe();
        // Resolved only with the minimum reclaim free too, as the kubelet's reclaimNodeLevelResources asks.
        List<Threshold> stillMet = config.thresholds().stream()
                .filter(t -> PressureTracker.unresolved(config, t, after.get(t.signal()))).toList();
        log.info("node {}: reclaimed {} bytes of node-level resources for {}; thresholds still met: {}", node, freed,
                signal, stillMet);
        return stillMet.isEmpty();
    }

    /** 1 s for a hard threshold; min(the pod's terminationGracePeriodSeconds, maxPodGracePeriod) for a soft one. */
    Duration gracePeriod(Threshold threshold, Pod pod) {
        if (threshold.isHard()) {
            return IMMEDIATE_GRACE;
        }
        Long own = pod.getSpec().getTerminationGracePeriodSeconds();
        Duration max = config.maxPodGracePeriod();
        return own == null ? max : Duration.ofSeconds(Math.min(own, max.toSeconds()));
    }

    /** A pod that may be running something: not finished and not being deleted. */
    private static boolean active(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return p.getMetadata().getDeletionTimestamp() == null && !"Succeeded".equals(phase)
                && !"Failed".equals(phase);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
