package io.kaji.node.eviction;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kubelet's local-storage eviction rules: emptyDir sizeLimit, then the pod's total, then each container. */
class LocalStorageTest {

    private static final long MI = 1 << 20;

    private static Pod pod(String emptyDirLimit, String medium, String limitA, String limitB) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName("p").withUid("u").endMetadata().withNewSpec()
                .addNewContainer().withName("a").withImage("i").withNewResources().endResources().endContainer()
                .addNewContainer().withName("b").withImage("i").withNewResources().endResources().endContainer()
                .addNewVolume().withName("scratch").withNewEmptyDir().withMedium(medium)
                .withSizeLimit(emptyDirLimit == null ? null : new Quantity(emptyDirLimit)).endEmptyDir().endVolume()
                .endSpec();
        Pod pod = b.build();
        if (limitA != null) {
            pod.getSpec().getContainers().get(0).getResources().setLimits(Map.of("ephemeral-storage",
                    new Quantity(limitA)));
        }
        if (limitB != null) {
            pod.getSpec().getContainers().get(1).getResources().setLimits(Map.of("ephemeral-storage",
                    new Quantity(limitB)));
        }
        return pod;
    }

    private static LocalStorage.Usage usage(long emptyDir, long logsA) {
        return new LocalStorage.Usage() {
            @Override
            public long volume(Pod pod, Volume volume) {
                return volume.getEmptyDir() != null ? emptyDir : 0;
            }

            @Override
            public long logs(Pod pod, String container) {
                return container.equals("a") ? logsA : 0;
            }
        };
    }

    private static PodUsage layers(long a, long b) {
        return new PodUsage(Map.of("a", new PodUsage.ContainerFigures(0, a), "b", new PodUsage.ContainerFigures(0, b)));
    }

    @Test
    void configMapVolumesCountTowardThePodsTotalAndItsDiskPressureRankAsTheKubeletsLocalEphemeralVolumes() {
        Pod pod = new PodBuilder(pod(null, null, "2Mi", null)).editSpec().addNewVolume().withName("settings")
                .withNewConfigMap().withName("c").endConfigMap().endVolume().endSpec().build();
        LocalStorage.Usage withConfig = new LocalStorage.Usage() {
            @Override
            public long volume(Pod p, Volume volume) {
                return volume.getEmptyDir() != null ? MI : volume.getName().equals("settings") ? MI + 1 : 0;
            }

            @Override
            public long logs(Pod p, String container) {
                return 0;
            }
        };
        assertThat(LocalStorage.violation(pod, layers(0, 0), withConfig))
                .hasValue("Pod ephemeral local storage usage exceeds the total limit of containers 2Mi. ");
        assertThat(LocalStorage.violation(pod, layers(0, 0), usage(MI, 0))).as("without the configMap's bytes")
                .isEmpty();
        PodUsage ranked = LocalStorage.forDiskPressure(Signal.NODEFS_AVAILABLE, pod, layers(0, 0), withConfig, true);
        assertThat(ranked.localVolumeBytes()).isEqualTo(2 * MI + 1);
    }

    @Test
    void anEmptyDirOverItsSizeLimitComesFirst() {
        Pod pod = pod("1Mi", null, "1Gi", null);
        assertThat(LocalStorage.limited(pod)).isTrue();
        assertThat(LocalStorage.violation(pod, layers(0, 0), usage(2 * MI, 0)))
                .hasValue("Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\". ");
        assertThat(LocalStorage.violation(pod, layers(0, 0), usage(MI, 0))).isEmpty();
        Pod memory = pod("1Mi", "Memory", null, null);
        assertThat(LocalStorage.limited(memory)).as("a tmpfs cannot outgrow its size").isFalse();
        assertThat(LocalStorage.violation(memory, layers(0, 0), usage(2 * MI, 0))).isEmpty();
    }

    @Test
    void thePodsTotalCountsEveryContainerLogsAndEmptyDirsAgainstTheSumOfTheLimits() {
        Pod pod = pod(null, null, "2Mi", "1Mi");
        // a: 1Mi layer + 1Mi logs = 2Mi (at its limit); b: 0.5Mi; emptyDir 0.75Mi: 3.25Mi > 3Mi.
        assertThat(LocalStorage.violation(pod, layers(MI, MI / 2), usage(3 * MI / 4, MI)))
                .hasValue("Pod ephemeral local storage usage exceeds the total limit of containers 3Mi. ");
        // Within the total, b over its own limit.
        assertThat(LocalStorage.violation(pod, layers(0, MI + 1), usage(0, 0)))
                .hasValue("Container b exceeded its local ephemeral storage limit \"1Mi\". ");
        assertThat(LocalStorage.violation(pod, layers(MI, MI), usage(0, MI))).isEmpty();
        assertThat(LocalStorage.limited(pod(null, null, null, null))).isFalse();
    }

    @Test
    void sumsPrintAsBinaryQuantities() {
        assertThat(LocalStorage.binary(3 * MI)).isEqualTo("3Mi");
        assertThat(LocalStorage.binary(5L << 30)).isEqualTo("5Gi");
        assertThat(LocalStorage.binary(1536)).isEqualTo("1536");
        assertThat(LocalStorage.binary(2048)).isEqualTo("2Ki");
    }

    @Test
    void diskPressureFiguresFollowTheFileSystemUnderPressure() {
        Pod pod = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("p").withUid("u")
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("i").endContainer()
                .addNewVolume().withName("v").withNewEmptyDir().endEmptyDir().endVolume().endSpec().build();
        PodUsage layers = new PodUsage(Map.of("c", new PodUsage.ContainerFigures(7, 100)));
        LocalStorage.Usage disk = new LocalStorage.Usage() {
            @Override
            public long volume(Pod p, Volume volume) {
                return 30;
            }

            @Override
            public long logs(Pod p, String container) {
                return 20;
            }
        };
        assertThat(LocalStorage.forDiskPressure(Signal.NODEFS_AVAILABLE, pod, layers, disk, true).disk())
                .as("one file system: layer + logs + volumes").isEqualTo(150);
        assertThat(LocalStorage.forDiskPressure(Signal.NODEFS_AVAILABLE, pod, layers, disk, false).disk())
                .as("layers elsewhere: logs + volumes").isEqualTo(50);
        assertThat(LocalStorage.forDiskPressure(Signal.IMAGEFS_AVAILABLE, pod, layers, disk, true))
                .as("image file system: the layers alone").isSameAs(layers);
        assertThat(LocalStorage.forDiskPressure(Signal.NODEFS_AVAILABLE, pod, layers, disk, true).memory())
                .as("memory figures kept").isEqualTo(7);
    }
}
