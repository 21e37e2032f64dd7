package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.node.host.HostCommand;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.stats.PodDisk;
import io.kaji.node.volume.PodVolumes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pod's volume and log bytes, from files laid out as the agent lays them out. */
class PodDiskUsageTest {

    @TempDir
    Path dataDir;

    private static Pod pod() {
        return new PodBuilder().withNewMetadata().withNamespace("default").withName("web").withUid("u1")
                .endMetadata().withNewSpec()
                .addNewInitContainer().withName("setup").endInitContainer()
                .addNewContainer().withName("main").endContainer()
                .addNewVolume().withName("cache").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewVolume().withName("scratch").withNewEmptyDir().withMedium("Memory").endEmptyDir().endVolume()
                .addNewVolume().withName("config").withNewConfigMap().withName("c").endConfigMap().endVolume()
                .addNewVolume().withName("token").withNewProjected().endProjected().endVolume()
                .addNewVolume().withName("info").withNewDownwardAPI().endDownwardAPI().endVolume()
                .addNewVolume().withName("host").withNewHostPath().withPath("/etc").endHostPath().endVolume()
                .endSpec().build();
    }

    private static io.fabric8.kubernetes.api.model.Volume volume(String name) {
        return pod().getSpec().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void everyVolumeOnTheNodeAndEveryContainersLogsInitContainersToo() throws Exception {
        PodLogs logs = new PodLogs(dataDir.resolve("pods"));
        Path root = PodVolumes.rootBeside(logs.root());
        Path cache = PodVolumes.emptyDir(root, "u1", "cache");
        Files.createDirectories(cache.resolve("sub"));
        Files.write(cache.resolve("a"), new byte[1000]);
        Files.write(cache.resolve("sub/b"), new byte[24]);
        Path config = root.resolve("u1/kubernetes.io~configmap/config");
        Files.createDirectories(config);
        Files.write(config.resolve("app.properties"), new byte[40]);
        // The service-account token's projected volume: on the node's tmpfs for credentials (here a plain directory).
        Path token = root.resolve(".memory/u1/kubernetes.io~projected/token");
        Files.createDirectories(token);
        Files.write(token.resolve("token"), new byte[900]);
        Files.write(token.resolve("namespace"), new byte[7]);
        Path main = logs.file(new PodRef("default", "web", "u1"), "main", 0);
        Files.createDirectories(main.getParent());
        Files.write(main, new byte[300]);
        Files.write(main.resolveSibling("0.log.20261128-120000"), new byte[200]);

        PodDisk disk = new PodDiskUsage(logs).of(pod());

        assertThat(disk.volumes()).as("the memory emptyDir and the downwardAPI volume are not set up; hostPath is not"
                + " the node's").containsOnlyKeys("cache", "config", "token");
        assertThat(disk.volumes().get("cache")).isEqualTo(new PodDisk.VolumeUse(1024, 4, true, null));
        assertThat(disk.volumes().get("config")).as("a configMap volume counts as ephemeral storage, as the kubelet's")
                .isEqualTo(new PodDisk.VolumeUse(40, 2, true, null));
        assertThat(disk.volumes().get("token")).as("a projected volume does not")
                .isEqualTo(new PodDisk.VolumeUse(907, 3, false, null));
        assertThat(disk.logs()).as("rotated files count; a container without logs yet has 0")
                .isEqualTo(Map.of("main", 500L, "setup", 0L));
        assertThat(disk.total()).as("ephemeral volumes and logs").isEqualTo(1024 + 40 + 500);
        // Local-storage eviction's figures, volume by volume.
        assertThat(new PodDiskUsage(logs).volume(pod(), volume("cache"))).isEqualTo(1024);
        assertThat(new PodDiskUsage(logs).volume(pod(), volume("config"))).isEqualTo(40);
        assertThat(new PodDiskUsage(logs).volume(pod(), new io.fabric8.kubernetes.api.model.VolumeBuilder()
                .withName("absent").withNewConfigMap().withName("c").endConfigMap().build())).isZero();
    }

    @Test
    void aVolumeOnATmpfsCarriesThatFileSystemsFigures() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        PodLogs logs = new PodLogs(dataDir.resolve("pods"));
        Path scratch = PodVolumes.emptyDir(PodVolumes.rootBeside(logs.root()), "u1", "scratch");
        Files.createDirectories(scratch);
        HostCommand.run(List.of("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", scratch.toString()),
                Duration.ofSeconds(10)).orThrow();
        try {
            Files.write(scratch.resolve("data"), new byte[100_000]);

            PodDisk.VolumeUse use = new PodDiskUsage(logs).of(pod()).volumes().get("scratch");

            assertThat(use.usedBytes()).isEqualTo(100_000);
            assertThat(use.ephemeral()).as("memory-backed: not ephemeral storage").isFalse();
            assertThat(use.fs()).as("its own file system").isNotNull();
            assertThat(use.fs().capacityBytes()).isEqualTo(4 << 20);
            assertThat(use.fs().availableBytes()).isLessThan(4 << 20).isGreaterThan((4 << 20) - 200_000);
        } finally {
            HostCommand.run(List.of("umount", "-l", scratch.toString()), Duration.ofSeconds(10));
        }
    }
}
