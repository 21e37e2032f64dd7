package io.kaji.bench.scheduler;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.bench.GcPauses;
import io.kaji.bench.JitWarmup;
import io.kaji.bench.simulator.NodeSimulator;
import io.kaji.controllers.runtime.ComponentSerialization;
import io.kaji.scheduler.KajiScheduler;
import io.kaji.store.sqlite.SqliteStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Kubernetes' scheduler_perf workloads end to end: a real in-process API server over SQLite, simulated nodes
 * (no lease renewals, no pod status writes, as in scheduler_perf), Kaji's scheduler talking to it over HTTPS,
 * and pods created by concurrent writers — SchedulingBasic (requests, no affinity), SchedulingPodAntiAffinity
 * (required anti-affinity on the hostname among the pods) or TopologySpreading (a DoNotSchedule zone constraint,
 * maxSkew 5). Measures pods bound per second (first creation to last binding seen through a watch) and the time
 * from each pod's create call to its binding.
 *
 * <p>With {@code warmupPods}, a scheduler of its own first schedules rounds of that many pods of the same workload in
 * another namespace, each round deleted again, until the JIT compilers are mostly done ({@link JitWarmup}) — as
 * scheduler_perf schedules its {@code initPods} before it measures, and as a scheduler that has run for a while is.
 * It is closed before the measured scheduler starts, so the measured part starts from the same cluster as without.
 *
 * <p>With {@code precreate}, every pod exists before the scheduler starts: the figure is then the scheduler's own
 * rate (its cycles and the binding writes through the API), not bounded by how fast pods can be created on the
 * same machine; creation-to-binding latency is then meaningless and the latency figures are from the scheduler's
 * start instead.
 */
public final class SchedulerBenchmark {

    /**
     * What to run; {@code podCpu}/{@code podMemory} are each pod's requests (scheduler_perf: 100m / 500Mi);
     * {@code bindThreads} is the scheduler's binding concurrency.
     */
    public record Options(int nodes, int pods, int creators, String podCpu, String podMemory, Duration timeout,
                          int bindThreads, Workload workload, boolean precreate, int parallelism, int warmupPods,
                          int warmupMaxSeconds) {

        public Options(int nodes, int pods, int creators, String podCpu, String podMemory, Duration timeout,
                       int bindThreads) {
            this(nodes, pods, creators, podCpu, podMemory, timeout, bindThreads, Workload.BASIC, false,
                    KajiScheduler.Options.defaultParallelism(), 0, 0);
        }
    }

    /** Where warm-up pods are scheduled and deleted again before the measured part. */
    static final String WARMUP_NS = "bench-warmup";

    /** The pods' shape, after scheduler_perf's workloads of the same names. */
    public enum Workload {
        /** SchedulingBasic: requests only. */
        BASIC,
        /** SchedulingPodAntiAffinity: no two pods on one node (required anti-affinity, hostname). */
        POD_ANTI_AFFINITY,
        /** TopologySpreading: pods spread over zones, maxSkew 5, DoNotSchedule. */
        TOPOLOGY_SPREAD
    }

    /**
     * Figures of one run; {@code cpuSeconds} is this JVM's CPU from the scheduler's start to the end, by role
     * (see {@link CpuBreakdown}; the entry "total" is the whole process), {@code heapUsedMb} the heap in use at
     * the end (after a GC) of {@code heapMaxMb}; {@code eventsDropped} the measured scheduler's Scheduled events
     * its recorder dropped with a full queue (each written one costs an API write); {@code gc} the collector's
     * pauses over the same span as the CPU.
     */
    public record Result(int nodes, int pods, int bound, double seconds, double podsPerSecond, double createPerSecond,
                         double p50Ms, double p99Ms, double maxMs, Map<String, Double> cpuSeconds, long heapUsedMb,
                         long heapMaxMb, long eventsDropped, GcPauses.Summary gc) {}

    private SchedulerBenchmark() {
    }

    public static Result run(Options o, PrintWriter out) throws Exception {
        Path dir = Files.createTempDirectory("kaji-bench-scheduler-");
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"));
             ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0), store)) {
            Config config = Config.fromKubeconfig(Files.readString(server.kubeconfigPath()));
            config.setMaxConcurrentRequests(256);
            config.setMaxConcurrentRequestsPerHost(256);
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
                 KubernetesClient schedulerClient = new KubernetesClientBuilder()
                         .withKubernetesSerialization(new ComponentSerialization()).withConfig(config).build()) {
                return measure(o, out, client, schedulerClient);
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Result measure(Options o, PrintWriter out, KubernetesClient client, KubernetesClient schedulerClient)
            throws Exception {
        long t0 = System.nanoTime();
        NodeSimulator.Options simOptions = NodeSimulator.Options.defaults(o.nodes()).withLeaseRenewal(null)
                .withRunPods(false).withCapacity("4", "32Gi", 110);
        try (NodeSimulator nodes = new NodeSimulator(client, simOptions, Clock.systemUTC())) {
            nodes.start();
            out.printf("registered %d simulated nodes in %.1f s (4 cpu, 32Gi, 110 pods each; no lease renewals and "
                    + "no pod status writes, as in Kubernetes' scheduler_perf)%n", o.nodes(), (System.nanoTime() - t0) / 1e9);
            out.flush();
            if (o.warmupPods() > 0) {
                warmUp(o, out, client, schedulerClient);
            }
            Map<String, Long> createdAt = new ConcurrentHashMap<>();
            Histogram latency = new Histogram(3_600_000_000L, 3);
            AtomicInteger bound = new AtomicInteger();
            AtomicLong lastBound = new AtomicLong();
            CountDownLatch all = new CountDownLatch(o.pods());
            Map<String, Boolean> seen = new ConcurrentHashMap<>();
            // The benchmark's own view of bindings: a plain watch read for each pod's name and node only (see
            // BindingWatch), so that observing costs little next to what is observed.
            BindingWatch watch = new BindingWatch(client, "default", name -> {
                if (seen.putIfAbsent(name, true) != null) {
                    return;
                }
                long now = System.nanoTime();
                Long created = createdAt.get(name);
                if (created != null) {
                    latency.recordValue(Math.max(0, (now - created) / 1000));
                }
                lastBound.set(now);
                bound.incrementAndGet();
                all.countDown();
            });
            KajiScheduler scheduler = new KajiScheduler(schedulerClient, KajiScheduler.Options.defaults("bench")
                    .withLease(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofMillis(200))
                    .withBindThreads(o.bindThreads()).withParallelism(o.parallelism()), Clock.systemUTC());
            try {
                CpuBreakdown cpu = null;
                GcPauses gc = null;
                if (!o.precreate()) {
                    cpu = CpuBreakdown.start();
                    gc = GcPauses.start();
                    startLeading(scheduler);
                }
                ExecutorService creators = Executors.newFixedThreadPool(o.creators());
                AtomicInteger next = new AtomicInteger(1);
                long start = System.nanoTime();
                // One pod alone first (see NodeSimulator.start: the first concurrent burst of a kind can fail).
                createdAt.put("pod-0", System.nanoTime());
                client.pods().inNamespace("default").resource(pod("pod-0", "default", o)).create();
                AtomicLong lastCreated = new AtomicLong();
                for (int w = 0; w < o.creators(); w++) {
                    creators.execute(() -> {
                        int i;
                        while ((i = next.getAndIncrement()) < o.pods()) {
                            String name = "pod-" + i;
                            createdAt.put(name, System.nanoTime());
                            client.pods().inNamespace("default").resource(pod(name, "default", o)).create();
                            lastCreated.set(System.nanoTime());
                        }
                    });
                }
                creators.shutdown();
                if (o.precreate()) {
                    creators.awaitTermination(o.timeout().toMillis(), TimeUnit.MILLISECONDS);
                    double createSeconds = (lastCreated.get() - start) / 1e9;
                    out.printf("created %d pods in %.1f s before starting the scheduler%n", o.pods(), createSeconds);
                    out.flush();
                    // Measured from the scheduler's start, its election and informer sync included: the scheduler
                    // binds as soon as it leads, so a later start would leave those first bindings out of the time
                    // but in the count.
                    cpu = CpuBreakdown.start();
                    gc = GcPauses.start();
                    start = System.nanoTime();
                    long s0 = start;
                    createdAt.replaceAll((k, v) -> s0);
                    startLeading(scheduler);
                    out.printf("scheduler leading and its informers synced in %.1f s%n",
                            (System.nanoTime() - s0) / 1e9);
                    out.flush();
                }
                boolean done = all.await(o.timeout().toMillis(), TimeUnit.MILLISECONDS);
                creators.awaitTermination(10, TimeUnit.SECONDS);
                double seconds = ((done ? lastBound.get() : System.nanoTime()) - start) / 1e9;
                double createSeconds = (lastCreated.get() - start) / 1e9;
                Map<String, Double> cpuSeconds = cpu.roles();
                long eventsDropped = scheduler.eventsDropped();
                GcPauses.Summary gcPauses = gc.summary();
                gc.close();
                System.gc();
                Runtime rt = Runtime.getRuntime();
                return new Result(o.nodes(), o.pods(), bound.get(), seconds, bound.get() / seconds,
                        o.precreate() ? Double.NaN : o.pods() / Math.max(createSeconds, 1e-9),
                        latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
                        latency.getMaxValue() / 1000.0, cpuSeconds, (rt.totalMemory() - rt.freeMemory()) >> 20,
                        rt.maxMemory() >> 20, eventsDropped, gcPauses);
            } finally {
                scheduler.close();
                watch.close();
            }
        }
    }

    private static void startLeading(KajiScheduler scheduler) throws InterruptedException {
        scheduler.start();
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!scheduler.isLeading() && System.nanoTime() < waitUntil) {
            Thread.sleep(50);
        }
    }

    /**
     * Rounds of {@code o.warmupPods()} pods (at most one per node with anti-affinity) created in {@link #WARMUP_NS},
     * scheduled by a scheduler of their own and deleted, until the JIT has settled or {@code o.warmupMaxSeconds()}
     * has passed (0: one round).
     */
    private static void warmUp(Options o, PrintWriter out, KubernetesClient client, KubernetesClient schedulerClient)
            throws Exception {
        int n = o.workload() == Workload.POD_ANTI_AFFINITY ? Math.min(o.warmupPods(), o.nodes()) : o.warmupPods();
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName(WARMUP_NS).endMetadata().build()).create();
        KajiScheduler scheduler = new KajiScheduler(schedulerClient, KajiScheduler.Options.defaults("bench-warmup")
                .withLease(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofMillis(200))
                .withBindThreads(o.bindThreads()).withParallelism(o.parallelism()), Clock.systemUTC());
        AtomicInteger roundNo = new AtomicInteger();
        long t0 = System.nanoTime();
        try {
            startLeading(scheduler);
            JitWarmup.Round round = () -> {
                int r = roundNo.getAndIncrement();
                Map<String, Boolean> seen = new ConcurrentHashMap<>();
                CountDownLatch bound = new CountDownLatch(n);
                try (BindingWatch watch = new BindingWatch(client, WARMUP_NS, name -> {
                    if (seen.putIfAbsent(name, true) == null) {
                        bound.countDown();
                    }
                })) {
                    ExecutorService creators = Executors.newFixedThreadPool(o.creators());
                    AtomicInteger next = new AtomicInteger();
                    for (int w = 0; w < o.creators(); w++) {
                        creators.execute(() -> {
                            int i;
                            while ((i = next.getAndIncrement()) < n) {
                                client.pods().inNamespace(WARMUP_NS)
                                        .resource(pod("warm" + r + "-" + i, WARMUP_NS, o)).create();
                            }
                        });
                    }
                    creators.shutdown();
                    if (!bound.await(o.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                        throw new IllegalStateException("warm-up round " + r + ": " + bound.getCount() + " of " + n
                                + " pods not bound within the timeout");
                    }
                }
                client.pods().inNamespace(WARMUP_NS).withGracePeriod(0).delete();
                long until = System.nanoTime() + o.timeout().toNanos();
                while (!client.pods().inNamespace(WARMUP_NS).list(new ListOptionsBuilder().withLimit(1L).build())
                        .getItems().isEmpty()) {
                    if (System.nanoTime() > until) {
                        throw new IllegalStateException("warm-up round " + r + ": its pods were not deleted");
                    }
                    Thread.sleep(100);
                }
            };
            JitWarmup.Result done = JitWarmup.run(round, round,
                    Duration.ofSeconds(Math.max(0, o.warmupMaxSeconds())));
            out.printf("warm-up: pods scheduled in %s, %d per round, and deleted in %.1f s, not counted; %s%n",
                    WARMUP_NS, n, (System.nanoTime() - t0) / 1e9, done.describe());
            out.flush();
        } finally {
            scheduler.close();
        }
    }

    static Pod pod(String name, String namespace, Options o) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().addNewContainer().withName("pause").withImage("registry.k8s.io/pause:3.10")
                .withNewResources().addToRequests("cpu", new Quantity(o.podCpu()))
                .addToRequests("memory", new Quantity(o.podMemory())).endResources().endContainer().endSpec();
        switch (o.workload()) {
            case BASIC -> { }
            case POD_ANTI_AFFINITY -> b.editMetadata().addToLabels("color", "green").endMetadata().editSpec()
                    .withNewAffinity().withNewPodAntiAffinity().addNewRequiredDuringSchedulingIgnoredDuringExecution()
                    .withNewLabelSelector().addToMatchLabels("color", "green").endLabelSelector()
                    .withTopologyKey("kubernetes.io/hostname").endRequiredDuringSchedulingIgnoredDuringExecution()
                    .endPodAntiAffinity().endAffinity().endSpec();
            case TOPOLOGY_SPREAD -> b.editMetadata().addToLabels("color", "blue").endMetadata().editSpec()
                    .addNewTopologySpreadConstraint().withMaxSkew(5).withTopologyKey("topology.kubernetes.io/zone")
                    .withWhenUnsatisfiable("DoNotSchedule").withNewLabelSelector().addToMatchLabels("color", "blue")
                    .endLabelSelector().endTopologySpreadConstraint().endSpec();
        }
        return b.build();
    }
}
