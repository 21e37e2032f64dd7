package io.kaji.bench.simulator;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simulated nodes, like kwok: registers Node objects that look Ready with the given capacity and zones, renews
 * their Leases in {@code kube-node-lease} like real node agents (unless renewal is off), and turns pods bound to
 * them Running (and removes pods being deleted) without running containers. Thousands fit in one JVM: nodes are
 * only API objects, and one virtual thread per node renews its lease.
 */
public final class NodeSimulator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeSimulator.class);
    static final String LEASE_NAMESPACE = "kube-node-lease";

    /**
     * @param leaseRenewal how often each node renews its Lease; null turns renewals off (as in Kubernetes'
     *                     scheduler_perf, which has no heartbeats)
     * @param runPods      report pods bound to these nodes Running, and finish their deletion
     */
    public record Options(String namePrefix, int count, String cpu, String memory, int pods, int zones,
                          Duration leaseRenewal, boolean runPods, int writers) {

        public static Options defaults(int count) {
            return new Options("sim-", count, "32", "256Gi", 110, 3, Duration.ofSeconds(10), true, 16);
        }

        public Options withLeaseRenewal(Duration d) {
            return new Options(namePrefix, count, cpu, memory, pods, zones, d, runPods, writers);
        }

        public Options withRunPods(boolean run) {
            return new Options(namePrefix, count, cpu, memory, pods, zones, leaseRenewal, run, writers);
        }

        public Options withCapacity(String c, String m, int p) {
            return new Options(namePrefix, count, c, m, p, zones, leaseRenewal, runPods, writers);
        }
    }

    private final KubernetesClient client;
    private final Options options;
    private final Clock clock;
    private final ExecutorService writers;
    /**
     * One renewal loop per node on a virtual thread, as each real agent has its own: a renewal starts the interval
     * after the previous one finished, so a slow API server delays renewals but never piles them up, and pod status
     * writes (on {@link #writers}) never hold them back.
     */
    private final ExecutorService leaseLoops = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("kaji-sim-lease-", 0).factory());
    private volatile boolean closed;
    private final Histogram renewMicros = new ConcurrentHistogram(600_000_000L, 3);
    private final AtomicLong maxGapMillis = new AtomicLong();

    /** Lease renewal figures so far: call latency p50/p99/max and the longest time a node went without one. */
    public record LeaseStats(long renewals, double p50Ms, double p99Ms, double maxMs, long maxGapMs) {}
    private final Set<String> names = ConcurrentHashMap.newKeySet();
    private SharedIndexInformer<Pod> pods;

    public NodeSimulator(KubernetesClient client, Options options, Clock clock) {
        this.client = client;
        this.options = options;
        this.clock = clock;
        this.writers = Executors.newFixedThreadPool(options.writers(),
                Thread.ofPlatform().name("kaji-sim-writer-", 0).daemon(true).factory());
    }

    public static String zoneOf(int index, int zones) {
        return "zone-" + (char) ('a' + index % Math.max(1, zones));
    }

    /** Registers the nodes (concurrently, {@code writers} at a time) and starts renewing and running pods. */
    public void start() throws Exception {
        List<Future<?>> done = new ArrayList<>();
        // The first node alone: a fresh in-process API server has failed the very first burst of concurrent
        // creates of a kind (objects decoded without fields), so the burst only starts once one went through.
        if (options.leaseRenewal() != null) {
            ensureNamespace(LEASE_NAMESPACE);
        }
        if (options.count() > 0) {
            register(options.namePrefix() + 0, zoneOf(0, options.zones()));
        }
        for (int i = 1; i < options.count(); i++) {
            String name = options.namePrefix() + i;
            String zone = zoneOf(i, options.zones());
            done.add(writers.submit(() -> register(name, zone)));
        }
        for (Future<?> f : done) {
            f.get();
        }
        log.info("node simulator: {} node(s) registered", names.size());
        if (options.runPods()) {
            pods = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Pod pod) {
                    react(pod);
                }

                @Override
                public void onUpdate(Pod old, Pod pod) {
                    react(pod);
                }

                @Override
                public void onDelete(Pod pod, boolean unknown) {
                }
            }, 0);
        }
    }

    public Set<String> nodeNames() {
        return Set.copyOf(names);
    }

    private void register(String name, String zone) {
        Map<String, Quantity> capacity = Map.of("cpu", new Quantity(options.cpu()),
                "memory", new Quantity(options.memory()), "pods", new Quantity(String.valueOf(options.pods())));
        String now = now();
        Node node = new NodeBuilder().withNewMetadata().withName(name)
                .addToLabels("kubernetes.io/hostname", name).addToLabels("topology.kubernetes.io/zone", zone)
                .addToLabels("kubernetes.io/os", "linux").addToLabels("type", "kaji-simulated").endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().withCapacity(capacity).withAllocatable(capacity)
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withMessage("simulated node is ready").withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition()
                .withNewNodeInfo().withKubeletVersion("v1.34.0-kaji-sim").withOperatingSystem("linux")
                .withArchitecture("amd64").withContainerRuntimeVersion("simulated://0").endNodeInfo()
                .endStatus().build();
        try {
            Node created = client.nodes().resource(node).create();
            if (created.getStatus() == null || created.getStatus().getAllocatable() == null
                    || created.getStatus().getAllocatable().isEmpty()) {
                created.setStatus(node.getStatus());
                client.nodes().resource(created).updateStatus();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        names.add(name);
        if (options.leaseRenewal() != null) {
            // Each node starts renewing as soon as it exists, as an agent does after registering.
            leaseLoops.execute(() -> renewLoop(name));
        }
    }

    private void ensureNamespace(String ns) {
        if (client.namespaces().withName(ns).get() == null) {
            try {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                        .create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }

    public LeaseStats leaseStats() {
        return new LeaseStats(renewMicros.getTotalCount(), renewMicros.getValueAtPercentile(50) / 1000.0,
                renewMicros.getValueAtPercentile(99) / 1000.0, renewMicros.getMaxValue() / 1000.0, maxGapMillis.get());
    }

    private void renewLoop(String name) {
        long every = options.leaseRenewal().toMillis();
        long last = 0;
        while (!closed) {
            long start = System.nanoTime();
            if (renew(name, ZonedDateTime.now(clock).withZoneSameInstant(ZoneOffset.UTC)
                    .truncatedTo(ChronoUnit.MICROS).toString())) {
                long done = System.nanoTime();
                renewMicros.recordValue(Math.min((done - start) / 1000, 600_000_000L));
                if (last != 0) {
                    long gap = (done - last) / 1_000_000;
                    maxGapMillis.accumulateAndGet(gap, Math::max);
                }
                last = done;
            }
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private boolean renew(String name, String renewTime) {
        try {
            Lease lease = new LeaseBuilder().withNewMetadata().withName(name).withNamespace(LEASE_NAMESPACE).endMetadata()
                    .withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40)
                    .withRenewTime(ZonedDateTime.parse(renewTime)).endSpec().build();
            var existing = client.leases().inNamespace(LEASE_NAMESPACE).withName(name).get();
            if (existing == null) {
                client.leases().inNamespace(LEASE_NAMESPACE).resource(lease).create();
            } else {
                existing.getSpec().setRenewTime(ZonedDateTime.parse(renewTime));
                client.leases().inNamespace(LEASE_NAMESPACE).resource(existing).update();
            }
            return true;
        } catch (KubernetesClientException e) {
            log.debug("node simulator: renewing lease {} failed: {}", name, e.getMessage());
            return false;
        }
    }

    private void react(Pod pod) {
        String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        if (node == null || !names.contains(node)) {
            return;
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            writers.execute(() -> finishDeletion(pod));
        } else if (pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase())) {
            writers.execute(() -> markRunning(pod));
        }
    }

    private void markRunning(Pod pod) {
        String now = now();
        Pod running = new PodBuilder(pod).editOrNewStatus().withPhase("Running").withHostIP("10.0.0.1")
                .withPodIP("10.42.0.1").withStartTime(now)
                .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime(now).endCondition()
                .endStatus().build();
        running.getMetadata().setResourceVersion(null);
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(running).updateStatus();
        } catch (KubernetesClientException e) {
            log.debug("node simulator: pod {}/{} not marked Running: {}", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), e.getMessage());
        }
    }

    private void finishDeletion(Pod pod) {
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            log.debug("node simulator: pod {} deletion: {}", pod.getMetadata().getName(), e.getMessage());
        }
    }

    private String now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Stops renewing and running pods; the Node objects stay (delete them with kubectl if wanted). */
    @Override
    public void close() {
        if (pods != null) {
            pods.stop();
        }
        writers.shutdownNow();
        closed = true;
        leaseLoops.shutdownNow();
    }
}
