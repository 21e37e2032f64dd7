package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.stats.PodDisk;
import io.kaji.node.volume.PodVolumes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pod's emptyDir and log bytes, from files laid out as the agent lays them out. */
class PodDiskUsageTest {

    @TempDir
    Path dataDir;

    @Test
    void diskEmptyDirsAndEveryContainersLogsInitContainersToo() throws Exception {
        Pod pod = new PodBuilder().withNewMetadata().withNamespace("default").withName("web").withUid("u1")
                .endMetadata().withNewSpec()
                .addNewInitContainer().withName("setup").endInitContainer()
                .addNewContainer().withName("main").endContainer()
                .addNewVolume().withName("cache").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewVolume().withName("scratch").withNewEmptyDir().withMedium("Memory").endEmptyDir().endVolume()
                .addNewVolume().withName("config").withNewConfigMap().withName("c").endConfigMap().endVolume()
                .endSpec().build();
        PodLogs logs = new PodLogs(dataDir.resolve("pods"));
        Path cache = PodVolumes.emptyDir(PodVolumes.rootBeside(logs.root()), "u1", "cache");
        Files.createDirectories(cache.resolve("sub"));
        Files.write(cache.resolve("a"), new byte[1000]);
        Files.write(cache.resolve("sub/b"), new byte[24]);
        Path main = logs.file(new PodRef("default", "web", "u1"), "main", 0);
        Files.createDirectories(main.getParent());
        Files.write(main, new byte[300]);
        Files.write(main.resolveSibling("0.log.20261128-120000"), new byte[200]);

        PodDisk disk = new PodDiskUsage(logs).of(pod);

        assertThat(disk.volumes()).as("disk-backed emptyDirs only").isEqualTo(Map.of("cache", 1024L));
        assertThat(disk.logs()).as("rotated files count; a container without logs yet has 0")
                .isEqualTo(Map.of("main", 500L, "setup", 0L));
        assertThat(disk.total()).isEqualTo(1524);
    }
}
