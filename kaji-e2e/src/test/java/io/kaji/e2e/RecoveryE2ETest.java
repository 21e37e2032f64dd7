package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.cli.localcluster.LocalCluster;
import io.kaji.cli.localcluster.ServerKillBurst;
import io.kaji.node.host.HostCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Issue 8's recovery flow with real processes and containers (a server and two agents on this machine): a
 * killed container is restarted in place, a deleted pod is replaced, and a node whose agent and containers die
 * (SIGKILL, as when the machine dies) has its pods replaced on the surviving node — through the four hand-offs:
 * the agent stops reporting, the controllers write replacements, the scheduler places them, the other agent
 * starts them; and a SQLite server killed during a burst of creates keeps every acknowledged write, while the
 * agents keep their containers running through the outage and reconcile after it. Each step's time is printed; the assertions use the goals with head room for a loaded CI
 * machine (the goals themselves are recorded by {@code kaji bench recovery} in docs/benchmarks.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIf("supported")
class RecoveryE2ETest {

    private static final List<String> NODES = List.of("e2e-rec-a", "e2e-rec-b");
    private static final String NS = "default";

    private LocalCluster cluster;
    private KubernetesClient client;
    private Kubectl kubectl;

    static boolean supported() {
        return LocalCluster.supported();
    }

    @BeforeAll
    void start() throws Exception {
        Path root = Path.of("target", "e2e-recovery").toAbsolutePath();
        cluster = LocalCluster.start(new LocalCluster.Spec(root, "100.64.44.0/22", "100.64.49.0/24", NODES,
                List.of("kajie3", "kajie4"), List.of()));
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

    private void deployment(String name, int replicas, String command) {
        Kubectl.Result r = kubectl.run(Map.of(), """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %s}
                spec:
                  replicas: %d
                  selector: {matchLabels: {app: %s}}
                  template:
                    metadata: {labels: {app: %s}}
                    spec:
                      terminationGracePeriodSeconds: 1
                      containers:
                      - name: main
                        image: docker.io/kaji/busybox:1.35
                        command: ["sh", "-c", "%s"]
                """.formatted(name, replicas, name, name, command), "apply", "-f", "-");
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    private List<Pod> running(String app) {
        return client.pods().inNamespace(NS).withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                        && "Running".equals(p.getStatus().getPhase()) && ready(p))
                .toList();
    }

    private static boolean ready(Pod p) {
        return p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    @Test
    @Order(1)
    void aKilledContainerIsRestartedInPlace() {
        deployment("crashy", 1, "exec sleep 100017");
        await("crashy Running").atMost(Duration.ofSeconds(90)).until(() -> running("crashy").size() == 1);
        Pod pod = running("crashy").get(0);
        long start = System.nanoTime();
        HostCommand.run(List.of("pkill", "-9", "-f", "sleep 100017"), Duration.ofSeconds(5)).orThrow();
        await("restarted in place").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            Pod p = client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).get();
            if (p == null || p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
                return false;
            }
            ContainerStatus s = p.getStatus().getContainerStatuses().get(0);
            return s.getRestartCount() == 1 && s.getState().getRunning() != null && ready(p);
        });
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("recovery: container killed -> running again (restartCount 1) in %d ms%n", ms);
        assertThat(ms).as("first restart, ms (goal 1,000)").isLessThan(5_000);
    }

    @Test
    @Order(2)
    void aDeletedPodIsReplaced() {
        deployment("web", 3, "exec sleep 100018");
        await("web Running").atMost(Duration.ofSeconds(90)).until(() -> running("web").size() == 3);
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Pod victim = running("web").get(0);
            long start = System.nanoTime();
            client.pods().inNamespace(NS).resource(victim).withGracePeriod(0).delete();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                List<Pod> now = running("web");
                return now.size() == 3 && now.stream().noneMatch(p -> p.getMetadata().getUid()
                        .equals(victim.getMetadata().getUid()));
            });
            samples.add((System.nanoTime() - start) / 1_000_000);
        }
        samples.sort(Comparator.naturalOrder());
        System.out.printf("recovery: pod deleted -> replacement Running, %d samples: p50 %d ms, max %d ms%n",
                samples.size(), samples.get(samples.size() / 2), samples.get(samples.size() - 1));
        assertThat(samples.get(samples.size() - 1)).as("slowest replacement, ms (goal p99 2,000)").isLessThan(10_000);
    }

    @Test
    @Order(3)
    void acknowledgedWritesSurviveAKilledServerAndRunningContainersAreKept() throws Exception {
        deployment("steady", 2, "exec sleep 100020");
        await("steady Running on both nodes").atMost(Duration.ofSeconds(90)).until(() -> {
            List<Pod> pods = running("steady");
            return pods.size() == 2 && pods.stream().map(p -> p.getSpec().getNodeName()).distinct().count() == 2;
        });
        Map<String, String> containerIds = containerIds(running("steady"));

        ServerKillBurst burst = new ServerKillBurst(cluster, "default", "burst", 1_000, 8, 300);
        ServerKillBurst.Outcome outcome = burst.run(() -> {
            // Through the outage the containers keep running: the agents do not touch them without a server.
            assertThat(containerProcesses("sleep 100020")).as("steady's containers while the server is down")
                    .isEqualTo(2);
            assertThat(NODES.stream().allMatch(n -> cluster.agent(n).alive())).as("agents alive").isTrue();
        });
        System.out.printf("recovery: server killed during %d creates: %d acknowledged, %d failed, killed after %d ms,"
                        + " API back %d ms after the kill%n", outcome.attempted(), outcome.acknowledged().size(),
                outcome.failed(), outcome.killedAtMs(), outcome.apiBackMs());
        assertThat(outcome.acknowledged()).as("creates acknowledged before the kill").hasSizeGreaterThanOrEqualTo(300);
        assertThat(outcome.missing()).as("acknowledged ConfigMaps missing after the restart").isEmpty();

        cluster.awaitReady(NODES);
        scale("steady", 3);
        await("the agents reconcile after the restart: 3 steady pods Running").atMost(Duration.ofSeconds(60))
                .until(() -> running("steady").size() == 3);
        Map<String, String> after = containerIds(running("steady"));
        assertThat(after).as("the original pods keep their containers").containsAllEntriesOf(containerIds);
        assertThat(running("steady")).allSatisfy(p -> assertThat(p.getStatus().getContainerStatuses().get(0)
                .getRestartCount()).as("restartCount of " + p.getMetadata().getName()).isZero());
        assertThat(containerProcesses("sleep 100020")).as("steady's container processes").isEqualTo(3);
    }

    private void scale(String name, int replicas) {
        client.apps().deployments().inNamespace(NS).withName(name).scale(replicas);
    }

    /** Pod uid → its container's ID. */
    private static Map<String, String> containerIds(List<Pod> pods) {
        return pods.stream().collect(Collectors.toMap(p -> p.getMetadata().getUid(),
                p -> p.getStatus().getContainerStatuses().get(0).getContainerID()));
    }

    private static int containerProcesses(String commandLine) {
        HostCommand.Result r = HostCommand.run(List.of("pgrep", "-c", "-f", "^" + commandLine + "$"),
                Duration.ofSeconds(5));
        return Integer.parseInt(r.stdout().strip().isEmpty() ? "0" : r.stdout().strip());
    }

    @Test
    @Order(4)
    void aDeadNodesPodsRunAgainOnTheSurvivingNode() {
        String dead = NODES.get(0);
        String survivor = NODES.get(1);
        deployment("spread", 4, "exec sleep 100019");
        await("spread Running on both nodes").atMost(Duration.ofSeconds(90)).until(() -> {
            List<Pod> pods = running("spread");
            return pods.size() == 4 && pods.stream().map(p -> p.getSpec().getNodeName()).distinct().count() == 2;
        });
        Set<String> lost = running("spread").stream().filter(p -> dead.equals(p.getSpec().getNodeName()))
                .map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
        assertThat(lost).isNotEmpty();

        long start = System.nanoTime();
        cluster.killNode(dead);
        long[] steps = new long[4]; // NotReady, evicted, replacements bound, all Running
        await("all 4 replicas Running on " + survivor).atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    long now = (System.nanoTime() - start) / 1_000_000;
                    if (steps[0] == 0 && !nodeReady(dead)) {
                        steps[0] = now;
                    }
                    List<Pod> pods = client.pods().inNamespace(NS).withLabel("app", "spread").list().getItems();
                    if (steps[1] == 0 && pods.stream().filter(p -> lost.contains(p.getMetadata().getUid()))
                            .allMatch(p -> p.getMetadata().getDeletionTimestamp() != null)) {
                        steps[1] = now;
                    }
                    List<Pod> live = pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
                    if (steps[2] == 0 && live.size() == 4 && live.stream()
                            .allMatch(p -> survivor.equals(p.getSpec().getNodeName()))) {
                        steps[2] = now;
                    }
                    if (running("spread").size() == 4
                            && running("spread").stream().allMatch(p -> survivor.equals(p.getSpec().getNodeName()))) {
                        steps[3] = now;
                        return true;
                    }
                    return false;
                });
        System.out.printf("recovery: node killed -> NotReady %d ms -> pods evicted %d ms -> replacements bound %d ms"
                + " -> all Running %d ms%n", steps[0], steps[1], steps[2], steps[3]);
        assertThat(steps[3]).as("node death to all replicas Running, ms (goal 20,000)").isLessThan(40_000);
    }

    private boolean nodeReady(String name) {
        Node n = client.nodes().withName(name).get();
        return n != null && n.getStatus() != null && n.getStatus().getConditions() != null
                && n.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
