package io.kaji.bench.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.bench.simulator.NodeSimulator;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's create/watch/measure loop against a real in-process API server, with a simulated node (which
 * reports bound pods Running and Ready) in place of a real agent.
 */
class PodStartupBenchmarkTest {

    @Test
    void burstAndSerialMeasureEveryPodThenDeleteThem() throws Exception {
        Path dir = Files.createTempDirectory("kaji-podstartup-test-");
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"));
             ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0), store)) {
            Config config = Config.fromKubeconfig(Files.readString(server.kubeconfigPath()));
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
                 NodeSimulator sim = new NodeSimulator(client, NodeSimulator.Options.defaults(1)
                         .withLeaseRenewal(null), Clock.systemUTC())) {
                sim.start();
                PodStartupBenchmark bench = new PodStartupBenchmark(client, "default", "busybox:1", "sim-0",
                        line -> { });

                PodStartupBenchmark.Result burst = bench.burst(20, Duration.ofSeconds(60));
                assertThat(burst.mode()).isEqualTo("burst");
                assertThat(burst.running().count()).isEqualTo(20);
                assertThat(burst.ready().count()).isEqualTo(20);
                assertThat(burst.running().p50Ms()).isPositive().isLessThanOrEqualTo(burst.running().p99Ms());
                assertThat(burst.running().maxMs()).isLessThan(60_000);
                assertThat(burst.podsPerSecond()).isPositive();
                assertThat(client.pods().inNamespace("default").withLabel(PodStartupBenchmark.LABEL, "burst").list()
                        .getItems()).hasSize(20);

                // The CRI floor's pods are these, as the server stored them (volume names aside).
                Pod stored = client.pods().inNamespace("default").withLabel(PodStartupBenchmark.LABEL, "burst").list()
                        .getItems().get(0);
                Pod floor = PodStartupBenchmark.admitted(PodStartupBenchmark.pod("default",
                        stored.getMetadata().getName(), "burst", "sim-0", "busybox:1"), "uid");
                assertThat(floor.getSpec().getDnsPolicy()).isEqualTo(stored.getSpec().getDnsPolicy());
                assertThat(floor.getSpec().getEnableServiceLinks()).isEqualTo(stored.getSpec().getEnableServiceLinks());
                assertThat(floor.getSpec().getRestartPolicy()).isEqualTo(stored.getSpec().getRestartPolicy());
                assertThat(floor.getSpec().getVolumes()).hasSize(1);
                assertThat(stored.getSpec().getVolumes()).singleElement().satisfies(v -> assertThat(v.getProjected())
                        .isEqualTo(floor.getSpec().getVolumes().get(0).getProjected()));
                Container storedMain = stored.getSpec().getContainers().get(0);
                Container floorMain = floor.getSpec().getContainers().get(0);
                assertThat(floorMain.getTerminationMessagePath()).isEqualTo(storedMain.getTerminationMessagePath());
                assertThat(floorMain.getVolumeMounts()).singleElement().satisfies(m -> {
                    assertThat(storedMain.getVolumeMounts()).singleElement().satisfies(s -> {
                        assertThat(m.getMountPath()).isEqualTo(s.getMountPath());
                        assertThat(m.getReadOnly()).isEqualTo(s.getReadOnly());
                    });
                });

                bench.deleteAll(Duration.ofSeconds(30));
                assertThat(client.pods().inNamespace("default").list().getItems()).isEmpty();

                PodStartupBenchmark.Result serial = bench.serial(3, Duration.ofSeconds(30));
                assertThat(serial.running().count()).isEqualTo(3);
                assertThat(serial.ready().p50Ms()).isGreaterThanOrEqualTo(serial.running().p50Ms() - 1);
                bench.deleteAll(Duration.ofSeconds(30));
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void podsThatNeverRunTimeOutWithACount() throws Exception {
        Path dir = Files.createTempDirectory("kaji-podstartup-test-");
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"));
             ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0), store)) {
            Config config = Config.fromKubeconfig(Files.readString(server.kubeconfigPath()));
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
                // No node at all: the pods stay Pending.
                PodStartupBenchmark bench = new PodStartupBenchmark(client, "default", "busybox:1", null, line -> { });
                assertThatThrownBy(() -> bench.burst(3, Duration.ofSeconds(2)))
                        .hasMessageContaining("only 0 of 3 pods Running");
                assertThat(client.pods().inNamespace("default").list().getItems()).hasSize(3);
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
