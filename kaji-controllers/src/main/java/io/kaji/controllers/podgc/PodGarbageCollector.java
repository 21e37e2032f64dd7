package io.kaji.controllers.podgc;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' pod garbage collector, every {@link Options#period} (Kubernetes: 20 s):
 * <ul>
 *   <li>pods bound to a Node that no longer exists (absent from the informer for {@link Options#quarantine}, then
 *       confirmed absent by a live read) are marked Failed with the {@code DisruptionTarget} condition (reason
 *       {@code DeletionByPodGC}) and deleted at once — nobody is left to confirm their end;</li>
 *   <li>terminating pods that were never scheduled are deleted at once;</li>
 *   <li>terminating pods on a NotReady node with the {@code node.kubernetes.io/out-of-service} taint are deleted at
 *       once (the operator's statement that the node is gone);</li>
 *   <li>finished pods (Succeeded, Failed) beyond {@link Options#terminatedThreshold} are deleted, oldest first
 *       (Kubernetes: 12,500).</li>
 * </ul>
 */
public final class PodGarbageCollector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PodGarbageCollector.class);
    public static final String OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";

    /** Timing and thresholds. */
    public record Options(Duration period, Duration quarantine, int terminatedThreshold) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(20), Duration.ofSeconds(40), 12_500);
        }
    }

    private final KubernetesClient client;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Node> nodes;
    private final Clock clock;
    private final Options options;
    private final Map<String, Instant> missingSince = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("kaji-podgc").daemon(true).factory());

    public PodGarbageCollector(KubernetesClient client, SharedIndexInformer<Pod> pods, SharedIndexInformer<Node> nodes,
                               Clock clock, Options options) {
        this.client = client;
        this.pods = pods;
        this.nodes = nodes;
        this.clock = clock;
        this.options = options;
    }

    public void start() {
        timer.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                log.warn("pod garbage collection failed: {}", e.toString());
            }
        }, options.period().toMillis(), options.period().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One pass; returns the names (namespace/name) of the pods it deleted. */
    public List<String> tick() {
        List<String> deleted = new ArrayList<>();
        List<Pod> all = pods.getStore().list();
        Instant now = clock.instant();
        List<Pod> terminated = new ArrayList<>();
        java.util.Set<String> seenNodes = new java.util.HashSet<>();
        for (Pod p : all) {
            String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
            String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
            boolean terminating = p.getMetadata().getDeletionTimestamp() != null;
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
                terminated.add(p);
            }
            if (node == null || node.isEmpty()) {
                if (terminating && forceDelete(p, null)) {
                    deleted.add(key(p));
                }
                continue;
            }
            seenNodes.add(node);
            Node n = nodes.getStore().getByKey(node);
            if (n == null) {
                if (orphaned(node, now) && forceDelete(p, "PodGC: node no longer exists")) {
                    deleted.add(key(p));
                }
            } else if (terminating && outOfService(n) && forceDelete(p, "PodGC: node is out of service")) {
                deleted.add(key(p));
            }
        }
        missingSince.keySet().retainAll(seenNodes);
        int excess = terminated.size() - options.terminatedThreshold();
        if (excess > 0) {
            terminated.sort(Comparator.comparing(p -> String.valueOf(p.getMetadata().getCreationTimestamp())));
            for (Pod p : terminated.subList(0, excess)) {
                if (forceDelete(p, null)) {
                    deleted.add(key(p));
                }
            }
        }
        return deleted;
    }

    /** The node has been missing for the quarantine and a live read confirms it. */
    private boolean orphaned(String node, Instant now) {
        Instant since = missingSince.computeIfAbsent(node, k -> now);
        if (Duration.between(since, now).compareTo(options.quarantine()) < 0) {
            return false;
        }
        try {
            return client.nodes().withName(node).get() == null;
        } catch (KubernetesClientException e) {
            return false;
        }
    }

    private static boolean outOfService(Node n) {
        boolean ready = n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        List<Taint> taints = n.getSpec() == null || n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints();
        return !ready && taints.stream().anyMatch(t -> OUT_OF_SERVICE.equals(t.getKey())
                && "NoExecute".equals(t.getEffect()));
    }

    /**
     * Deletes {@code p} with grace period 0; with a {@code reason}, first marks it Failed with the DisruptionTarget
     * condition (reason DeletionByPodGC), as Kubernetes does for pods it takes from a vanished node.
     */
    private boolean forceDelete(Pod p, String reason) {
        String ns = p.getMetadata().getNamespace();
        String name = p.getMetadata().getName();
        try {
            if (reason != null) {
                Map<String, Object> condition = new LinkedHashMap<>();
                condition.put("type", "DisruptionTarget");
                condition.put("status", "True");
                condition.put("reason", "DeletionByPodGC");
                condition.put("message", reason);
                condition.put("lastTransitionTime", clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
                Map<String, Object> status = new LinkedHashMap<>();
                String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
                if (!"Succeeded".equals(phase)) {
                    status.put("phase", "Failed");
                }
                status.put("conditions", List.of(condition));
                client.pods().inNamespace(ns).withName(name).subresource("status")
                        .patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
                                client.getKubernetesSerialization().asJson(Map.of("status", status)));
            }
            client.pods().inNamespace(ns).withName(name).withGracePeriod(0).delete();
            log.info("pod garbage collector: deleted {}/{}{}", ns, name, reason == null ? "" : " (" + reason + ")");
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                log.info("pod garbage collector: cannot delete {}/{}: {}", ns, name, e.getMessage());
            }
            return false;
        }
    }

    private static String key(Pod p) {
        return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
