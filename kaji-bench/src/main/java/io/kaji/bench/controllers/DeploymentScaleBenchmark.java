package io.kaji.bench.controllers;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.apiserver.server.ServerPolicies;
import io.kaji.bench.simulator.NodeFlapMonitor;
import io.kaji.bench.simulator.NodeSimulator;
import io.kaji.controllers.ControllerManager;
import io.kaji.controllers.runtime.ComponentSerialization;
import io.kaji.store.sqlite.SqliteStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The controller issue's benchmark: a Deployment scaled from 0 to N replicas (pods stay unscheduled: no
 * scheduler), through a real in-process API server over SQLite and Kaji's controller manager talking to it over
 * HTTPS. Measures the time from the scale request until N pod objects exist (seen through a watch), and pods
 * created per second.
 *
 * <p>Meanwhile simulated nodes renew their Leases as real agents do (every 2 s by default) and the controller
 * manager's node lifecycle controller watches them with Kaji's 10 s grace period; a {@link NodeFlapMonitor}
 * counts every node that stops being Ready under the load (issue 4: none may).
 */
public final class DeploymentScaleBenchmark {

    /**
     * @param nodes        simulated nodes renewing Leases during the run (0: none)
     * @param leaseRenewal how often each renews (Kaji's agent default: 2 s)
     * @param settle       how long to keep watching the nodes after the last pod appeared
     * @param maxRequestsInflight the API server's flow-control seats (0: no flow control)
     */
    public record Options(int replicas, int nodes, Duration leaseRenewal, Duration timeout, Duration settle,
                          int maxRequestsInflight) {}

    /** Figures of one run; {@code flaps} are the nodes seen leaving Ready (or tainted unreachable/not-ready). */
    public record Result(int replicas, int created, double seconds, double podsPerSecond, double firstPodMs,
                         int nodes, List<NodeFlapMonitor.Flap> flaps, NodeSimulator.LeaseStats leases) {}

    private DeploymentScaleBenchmark() {
    }

    public static Result run(Options o, PrintWriter out) throws Exception {
        Path dir = Files.createTempDirectory("kaji-bench-controllers-");
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"));
             ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0).withPolicies(
                     ServerPolicies.defaults().withMaxRequestsInflight(o.maxRequestsInflight())), store)) {
            Config config = Config.fromKubeconfig(Files.readString(server.kubeconfigPath()));
            config.setMaxConcurrentRequests(256);
            config.setMaxConcurrentRequestsPerHost(256);
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
                 KubernetesClient controllersClient = new KubernetesClientBuilder()
                         .withKubernetesSerialization(new ComponentSerialization()).withConfig(config).build();
                 // The nodes' own client, as each real agent has one: the benchmark's watch of 10,000 pods must not
                 // delay their Lease renewals inside a shared client.
                 KubernetesClient nodesClient = new KubernetesClientBuilder().withConfig(config).build()) {
                ControllerManager manager = new ControllerManager(controllersClient,
                        ControllerManager.Options.defaults("bench"), Clock.systemUTC());
                manager.start();
                try {
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (!manager.isLeading() && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    NodeSimulator.Options sim = NodeSimulator.Options.defaults(o.nodes())
                            .withLeaseRenewal(o.leaseRenewal()).withRunPods(false);
                    try (NodeSimulator nodes = new NodeSimulator(nodesClient, sim, Clock.systemUTC())) {
                        if (o.nodes() > 0) {
                            nodes.start();
                            out.printf("registered %d simulated nodes renewing their Leases every %d ms%n", o.nodes(),
                                    o.leaseRenewal().toMillis());
                            out.flush();
                        }
                        try (NodeFlapMonitor flaps = new NodeFlapMonitor(client)) {
                            Result r = measure(client, o, out);
                            Thread.sleep(o.settle().toMillis());
                            return new Result(r.replicas(), r.created(), r.seconds(), r.podsPerSecond(),
                                    r.firstPodMs(), o.nodes(), flaps.flaps(), nodes.leaseStats());
                        }
                    }
                } finally {
                    manager.close();
                }
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Result measure(KubernetesClient client, Options o, PrintWriter out) throws Exception {
        int replicas = o.replicas();
        client.apps().deployments().inNamespace("default").resource(new DeploymentBuilder()
                .withNewMetadata().withName("scale").endMetadata()
                .withNewSpec().withReplicas(0)
                .withNewSelector().addToMatchLabels("app", "scale").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "scale").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        AtomicInteger seen = new AtomicInteger();
        AtomicLong first = new AtomicLong();
        CountDownLatch all = new CountDownLatch(1);
        Watch watch = client.pods().inNamespace("default").withLabel("app", "scale").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (action == Action.ADDED) {
                    first.compareAndSet(0, System.nanoTime());
                    int n = seen.incrementAndGet();
                    if (n % 1000 == 0) {
                        out.printf("  %,d pods%n", n);
                        out.flush();
                    }
                    if (n >= replicas) {
                        all.countDown();
                    }
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        try {
            long t0 = System.nanoTime();
            client.apps().deployments().inNamespace("default").withName("scale").scale(replicas);
            boolean done = all.await(o.timeout().toSeconds(), TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Result(replicas, seen.get(), seconds, (done ? replicas : seen.get()) / seconds,
                    first.get() == 0 ? -1 : (first.get() - t0) / 1e6, o.nodes(), List.of(), null);
        } finally {
            watch.close();
        }
    }
}
