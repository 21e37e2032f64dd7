package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.cli.localcluster.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * {@code kubectl drain} end to end on two real nodes: the real kubectl evicts a node's pods through pods/eviction,
 * the PodDisruptionBudget holds (kubectl retries the 429 until a replacement is ready on the other node), and at
 * no moment do fewer pods than the budget's minAvailable serve.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIf("supported")
class KubectlDrainE2ETest {

    private static final List<String> NODES = List.of("e2e-drain-a", "e2e-drain-b");

    private LocalCluster cluster;
    private KubernetesClient client;
    private Kubectl kubectl;

    static boolean supported() {
        return LocalCluster.supported();
    }

    @BeforeAll
    void start() throws Exception {
        Path root = Path.of("target", "e2e-drain").toAbsolutePath();
        cluster = LocalCluster.start(new LocalCluster.Spec(root, "100.64.104.0/22", "100.64.108.0/24", NODES,
                List.of("kajidr1", "kajidr2"), List.of()));
        client = cluster.client();
        kubectl = new Kubectl(Kubectl.DEFAULT_BINARY, cluster.kubeconfig(),
                Files.createDirectories(root.resolve("home")));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private List<Pod> web() {
        return client.pods().inNamespace("default").withLabel("app", "web").list().getItems();
    }

    private static boolean serving(Pod p) {
        return p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    @Test
    void drainEvictsWithinTheBudgetAndTheWorkloadMovesToTheOtherNode() throws Exception {
        Kubectl.Result apply = kubectl.run(Map.of(), """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  replicas: 4
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      terminationGracePeriodSeconds: 1
                      containers:
                      - name: main
                        image: docker.io/kaji/busybox:1.35
                        command: ["httpd", "-f", "-p", "8080"]
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {name: web}
                spec:
                  minAvailable: 3
                  selector: {matchLabels: {app: web}}
                """, "apply", "-f", "-");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        await("4 web pods serving, budget allows 1").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> web().stream().filter(KubectlDrainE2ETest::serving).count() == 4
                        && client.policy().v1().podDisruptionBudget().inNamespace("default").withName("web").get()
                                .getStatus().getDisruptionsAllowed() == 1);
        long onA = web().stream().filter(p -> NODES.get(0).equals(p.getSpec().getNodeName())).count();
        System.out.printf("drain e2e: %d of 4 web pods on %s before the drain%n", onA, NODES.get(0));

        AtomicInteger minServing = new AtomicInteger(4);
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofVirtual().start(() -> {
            while (sampling.get()) {
                try {
                    int n = (int) web().stream().filter(KubectlDrainE2ETest::serving).count();
                    minServing.accumulateAndGet(n, Math::min);
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // a failed list is no sample
                }
            }
        });
        long start = System.nanoTime();
        Kubectl.Result drain = kubectl.run("drain", NODES.get(0), "--ignore-daemonsets", "--delete-emptydir-data",
                "--timeout=240s");
        long took = (System.nanoTime() - start) / 1_000_000;
        sampling.set(false);
        sampler.join();
        System.out.printf("drain e2e: kubectl drain took %d ms, fewest serving pods %d%n%s%s", took,
                minServing.get(), drain.stdout(), drain.stderr());

        assertThat(drain.exitCode()).as(drain.toString()).isZero();
        assertThat(drain.stdout()).contains("node/" + NODES.get(0) + " cordoned", "node/" + NODES.get(0) + " drained");
        if (onA > 1) {
            // Two pods on the node and one disruption allowed: kubectl met the budget's 429 and retried.
            assertThat(drain.stdout() + drain.stderr()).contains(
                    "Cannot evict pod as it would violate the pod's disruption budget.");
        }
        assertThat(minServing.get()).as("pods serving at every sample during the drain").isGreaterThanOrEqualTo(3);
        await("the workload serves from the other node").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    List<Pod> pods = web().stream().filter(KubectlDrainE2ETest::serving).toList();
                    assertThat(pods).hasSize(4).allSatisfy(p -> assertThat(p.getSpec().getNodeName())
                            .isEqualTo(NODES.get(1)));
                });
        assertThat(client.nodes().withName(NODES.get(0)).get().getSpec().getUnschedulable()).isTrue();
        Kubectl.Result uncordon = kubectl.run("uncordon", NODES.get(0));
        assertThat(uncordon.exitCode()).as(uncordon.toString()).isZero();
        assertThat(client.nodes().withName(NODES.get(0)).get().getSpec().getUnschedulable()).isNotEqualTo(true);
    }
}
