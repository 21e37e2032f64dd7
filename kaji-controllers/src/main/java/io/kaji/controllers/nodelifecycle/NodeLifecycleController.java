package io.kaji.controllers.nodelifecycle;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.controllers.runtime.Tolerations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices dead nodes and moves their work away — steps 1 and 2 of the recovery flow.
 *
 * <ol>
 *   <li>A node whose Lease (kube-node-lease) and Ready heartbeat are both older than the grace period (Kaji: 10 s;
 *       Kubernetes: 40–50 s) gets all its conditions set to Unknown ("Kubelet stopped posting node status.").</li>
 *   <li>Nodes not Ready get the {@code node.kubernetes.io/unreachable} (Ready=Unknown) or
 *       {@code node.kubernetes.io/not-ready} (Ready=False) taints, NoSchedule and NoExecute, so the scheduler
 *       avoids them; the taints go when the node is Ready again.</li>
 *   <li>Nodes reporting MemoryPressure, DiskPressure or PIDPressure True get the
 *       {@code node.kubernetes.io/memory-pressure}, {@code disk-pressure} or {@code pid-pressure} NoSchedule taint
 *       (Kubernetes' TaintNodesByCondition), removed when the condition is no longer True; the scheduler keeps new
 *       pods that do not tolerate them away, and the running ones stay (the node's own eviction handles those).</li>
 *   <li>Pods on a node with a NoExecute taint they do not tolerate are deleted two monitor periods after the taint
 *       (so that nodes cut off together are all seen before anything is evicted); those tolerating it for
 *       {@code tolerationSeconds} are deleted when that time has passed since the taint was added. Their
 *       ReplicaSets then create replacements, which the scheduler places on healthy nodes.</li>
 *   <li>When more than 55% of the nodes (of a cluster of three or more) are unhealthy at once, evictions stop:
 *       that looks like a partition of the control plane rather than dead machines, and evicting would take down
 *       a healthy cluster (Kubernetes' zone disruption rule).</li>
 * </ol>
 * {@link #tick()} does one pass; {@link #start()} runs it every {@code monitorPeriod}.
 */
public final class NodeLifecycleController implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeLifecycleController.class);

    public static final String UNREACHABLE = "node.kubernetes.io/unreachable";
    public static final String NOT_READY = "node.kubernetes.io/not-ready";
    private static final List<String> CONDITIONS = List.of("Ready", "MemoryPressure", "DiskPressure", "PIDPressure");
    /** Condition type to the NoSchedule taint it sets while True (TaintNodesByCondition). */
    static final java.util.Map<String, String> PRESSURE_TAINTS = java.util.Map.of(
            "MemoryPressure", "node.kubernetes.io/memory-pressure",
            "DiskPressure", "node.kubernetes.io/disk-pressure",
            "PIDPressure", "node.kubernetes.io/pid-pressure");

    /** Settings; {@link #defaults()} are Kaji's. */
    public record Options(Duration gracePeriod, Duration monitorPeriod, double unhealthyThreshold) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), Duration.ofSeconds(1), 0.55);
        }
    }

    private final KubernetesClient client;
    private final SharedIndexInformer<Node> nodes;
    private final SharedIndexInformer<Lease> leases;
    private final SharedIndexInformer<Pod> pods;
    private final EventRecorder events;
    private final Clock clock;
    private final Options options;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("kaji-node-lifecycle").daemon(true).factory());
    private volatile boolean evictionsPaused;

    public NodeLifecycleController(KubernetesClient client, SharedIndexInformer<Node> nodes, SharedIndexInformer<Lease> leases,
                                   SharedIndexInformer<Pod> pods, EventRecorder events, Clock clock, Options options) {
        this.client = client;
        this.nodes = nodes;
        this.leases = leases;
        this.pods = pods;
        this.events = events;
        this.clock = clock;
        this.options = options;
    }

    public void start() {
        timer.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                log.warn("node lifecycle pass failed: {}", e.toString());
            }
        }, options.monitorPeriod().toMillis(), options.monitorPeriod().toMillis(), TimeUnit.MILLISECONDS);
        log.info("node lifecycle controller started (grace period {}, monitor period {})", options.gracePeriod(),
                options.monitorPeriod());
    }

    /** True while evictions are held back because too many nodes are unhealthy at once. */
    public boolean evictionsPaused() {
        return evictionsPaused;
    }

    /** One pass over all nodes: conditions, taints, evictions. */
    public void tick() {
        Instant now = clock.instant();
        List<Node> all = nodes.getStore().list();
        int unhealthy = 0;
        List<Node> tainted = new ArrayList<>();
        for (Node n : all) {
            Node current = markUnknownIfSilent(n, now);
            String ready = readyStatus(current);
            if (!"True".equals(ready)) {
                unhealthy++;
            }
            Node withTaints = reconcileTaints(current, ready, now);
            if (hasNoExecute(withTaints)) {
                tainted.add(withTaints);
            }
        }
        boolean paused = all.size() >= 3 && unhealthy > options.unhealthyThreshold() * all.size()
                || !all.isEmpty() && unhealthy == all.size();
        if (paused != evictionsPaused) {
            log.warn(paused ? "{} of {} nodes are not ready: evictions are paused (this looks like a partition)"
                    : "{} of {} nodes are not ready: evictions resume", unhealthy, all.size());
            evictionsPaused = paused;
        }
        if (!paused) {
            for (Node n : tainted) {
                evictPods(n, now);
            }
        }
    }

    private Instant lastHeartbeat(Node n) {
        Instant last = Instant.parse(n.getMetadata().getCreationTimestamp());
        Lease lease = leases.getStore().getByKey("kube-node-lease/" + n.getMetadata().getName());
        if (lease != null && lease.getSpec() != null && lease.getSpec().getRenewTime() != null) {
            last = max(last, lease.getSpec().getRenewTime().toInstant());
        }
        Optional<NodeCondition> ready = condition(n, "Ready");
        if (ready.isPresent() && ready.get().getLastHeartbeatTime() != null) {
            last = max(last, parseTime(ready.get().getLastHeartbeatTime()));
        }
        return last;
    }

    private Node markUnknownIfSilent(Node n, Instant now) {
        Instant last = lastHeartbeat(n);
        if (Duration.between(last, now).compareTo(options.gracePeriod()) <= 0 || "Unknown".equals(readyStatus(n))
                && condition(n, "Ready").isPresent()) {
            return n;
        }
        String ts = format(now);
        List<NodeCondition> conditions = new ArrayList<>();
        for (String type : CONDITIONS) {
            NodeCondition old = condition(n, type).orElse(null);
            conditions.add(new NodeConditionBuilder().withType(type).withStatus("Unknown")
                    .withReason("NodeStatusUnknown").withMessage("Kubelet stopped posting node status.")
                    .withLastHeartbeatTime(old == null ? null : old.getLastHeartbeatTime())
                    .withLastTransitionTime(ts).build());
        }
        if (n.getStatus() != null && n.getStatus().getConditions() != null) {
            n.getStatus().getConditions().stream().filter(c -> !CONDITIONS.contains(c.getType())).forEach(conditions::add);
        }
        Node updated = new NodeBuilder(n).editOrNewStatus().withConditions(conditions).endStatus().build();
        try {
            Node saved = client.nodes().resource(updated).updateStatus();
            events.normal(saved, "NodeNotReady", "Node " + n.getMetadata().getName() + " status is now: NodeNotReady");
            log.info("node {}: no heartbeat for {} s; marked Ready=Unknown", n.getMetadata().getName(),
                    Duration.between(last, now).toSeconds());
            return saved;
        } catch (KubernetesClientException e) {
            log.debug("node {}: status update conflicted; next pass", n.getMetadata().getName());
            return n;
        }
    }

    private Node reconcileTaints(Node n, String ready, Instant now) {
        List<Taint> current = n.getSpec() == null || n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints();
        List<Taint> wanted = wantedTaints(n, ready, now);
        if (wanted.equals(current)) {
            return n;
        }
        try {
            return client.nodes().withName(n.getMetadata().getName()).edit(node -> {
                if (node.getSpec() == null) {
                    node.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
                }
                node.getSpec().setTaints(wanted.isEmpty() ? null : wanted);
                return node;
            });
        } catch (KubernetesClientException e) {
            log.debug("node {}: taint update failed ({}); next pass", n.getMetadata().getName(), e.getMessage());
            return n;
        }
    }

    /**
     * The node's taints as they should be: the not-ready/unreachable pair for its Ready status, a NoSchedule taint per
     * pressure condition that is True, and every taint this controller does not own, in their order.
     */
    static List<Taint> wantedTaints(Node n, String ready, Instant now) {
        String wantKey = "True".equals(ready) ? null : "Unknown".equals(ready) || ready == null ? UNREACHABLE : NOT_READY;
        List<Taint> current = n.getSpec() == null || n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints();
        List<String> pressure = PRESSURE_TAINTS.entrySet().stream()
                .filter(e -> condition(n, e.getKey()).map(c -> "True".equals(c.getStatus())).orElse(false))
                .map(java.util.Map.Entry::getValue).sorted().toList();
        List<Taint> wanted = new ArrayList<>();
        for (Taint t : current) {
            boolean ours = UNREACHABLE.equals(t.getKey()) || NOT_READY.equals(t.getKey());
            boolean oursByCondition = PRESSURE_TAINTS.containsValue(t.getKey()) && "NoSchedule".equals(t.getEffect());
            if (!ours && !oursByCondition || t.getKey().equals(wantKey) || oursByCondition
                    && pressure.contains(t.getKey())) {
                wanted.add(t);
            }
        }
        for (String key : pressure) {
            if (wanted.stream().noneMatch(t -> key.equals(t.getKey()) && "NoSchedule".equals(t.getEffect()))) {
                wanted.add(new TaintBuilder().withKey(key).withEffect("NoSchedule").build());
            }
        }
        if (wantKey != null) {
            for (String effect : List.of("NoSchedule", "NoExecute")) {
                boolean present = wanted.stream().anyMatch(t -> wantKey.equals(t.getKey()) && effect.equals(t.getEffect()));
                if (!present) {
                    wanted.add(new TaintBuilder().withKey(wantKey).withEffect(effect)
                            .withTimeAdded("NoExecute".equals(effect) ? format(now) : null).build());
                }
            }
        }
        return wanted;
    }

    private void evictPods(Node n, Instant now) {
        List<Taint> noExecute = n.getSpec().getTaints().stream().filter(t -> "NoExecute".equals(t.getEffect())).toList();
        // Nodes cut off together expire a few hundred milliseconds apart; waiting two monitor periods after the
        // taint lets the pass see them all (and pause evictions) before the first one's pods are deleted.
        Instant taintedSince = noExecute.stream()
                .map(t -> t.getTimeAdded() == null ? Instant.EPOCH : parseTime(t.getTimeAdded()))
                .min(Instant::compareTo).orElse(Instant.EPOCH);
        if (now.isBefore(taintedSince.plus(options.monitorPeriod().multipliedBy(2)))) {
            return;
        }
        for (Pod p : pods.getStore().list()) {
            if (p.getSpec() == null || !n.getMetadata().getName().equals(p.getSpec().getNodeName())
                    || p.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            Instant evictAt = evictionTime(p, noExecute);
            if (evictAt != null && !now.isBefore(evictAt)) {
                try {
                    client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
                    events.normal(p, "TaintManagerEviction", "Marking for deletion Pod " + p.getMetadata().getNamespace()
                            + "/" + p.getMetadata().getName());
                    log.info("node {}: evicted pod {}/{}", n.getMetadata().getName(), p.getMetadata().getNamespace(),
                            p.getMetadata().getName());
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) {
                        log.info("node {}: evicting {}/{} failed: {}", n.getMetadata().getName(),
                                p.getMetadata().getNamespace(), p.getMetadata().getName(), e.getMessage());
                    }
                }
            }
        }
    }

    /**
     * When {@code pod} must leave a node with these NoExecute taints: now if one is not tolerated; the earliest
     * expiry among tolerations with tolerationSeconds; never (null) if all are tolerated forever.
     */
    static Instant evictionTime(Pod pod, List<Taint> noExecute) {
        Instant earliest = null;
        List<Toleration> tolerations = pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations();
        for (Taint t : noExecute) {
            Instant added = t.getTimeAdded() == null ? Instant.EPOCH : parseTime(t.getTimeAdded());
            Optional<Toleration> tol = tolerations.stream().filter(x -> Tolerations.tolerates(x, t)).findFirst();
            if (tol.isEmpty()) {
                return Instant.EPOCH;
            }
            if (tol.get().getTolerationSeconds() != null) {
                Instant at = added.plusSeconds(Math.max(0, tol.get().getTolerationSeconds()));
                earliest = earliest == null || at.isBefore(earliest) ? at : earliest;
            }
        }
        return earliest;
    }

    private static boolean hasNoExecute(Node n) {
        return n.getSpec() != null && n.getSpec().getTaints() != null
                && n.getSpec().getTaints().stream().anyMatch(t -> "NoExecute".equals(t.getEffect()));
    }

    private static String readyStatus(Node n) {
        return condition(n, "Ready").map(NodeCondition::getStatus).orElse(null);
    }

    private static Optional<NodeCondition> condition(Node n, String type) {
        if (n.getStatus() == null || n.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return n.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static Instant parseTime(String s) {
        return java.time.OffsetDateTime.parse(s).toInstant();
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static String format(Instant i) {
        return DateTimeFormatter.ISO_INSTANT.format(i.truncatedTo(ChronoUnit.SECONDS));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
