package io.kaji.scheduler.plugins.imagelocality;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerImage;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.ImageNames;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageLocalityTest {

    private static final long MIB = 1024L * 1024;

    private static NodeInfo node(String name, Object... namesAndSizes) {
        NodeBuilder b = Fixtures.node(name, "4", "8Gi");
        for (int i = 0; i < namesAndSizes.length; i += 2) {
            b.editStatus().addToImages(new ContainerImage(List.of((String) namesAndSizes[i]),
                    (Long) namesAndSizes[i + 1])).endStatus();
        }
        Node n = b.build();
        return new NodeInfo(n);
    }

    private static Pod pod(String... images) {
        PodBuilder b = new PodBuilder(Fixtures.pod("p")).editSpec().withContainers().endSpec();
        for (int i = 0; i < images.length; i++) {
            b.editSpec().addNewContainer().withName("c" + i).withImage(images[i]).endContainer().endSpec();
        }
        return b.build();
    }

    private static long[] scores(Pod pod, NodeInfo... nodes) {
        ImageLocality plugin = new ImageLocality();
        CycleState state = new CycleState(Snapshot.of(nodes));
        Status s = plugin.preScore(state, pod, List.of(nodes));
        assertThat(s.isSuccess()).isTrue();
        long[] out = new long[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            out[i] = plugin.score(state, pod, nodes[i]);
        }
        return out;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "nginx, docker.io/library/nginx:latest",
            "nginx:1.25, docker.io/library/nginx:1.25",
            "library/nginx, docker.io/library/nginx:latest",
            "docker.io/nginx:1.25, docker.io/library/nginx:1.25",
            "bitnami/redis:7, docker.io/bitnami/redis:7",
            "registry.k8s.io/pause:3.9, registry.k8s.io/pause:3.9",
            "localhost:5000/app, localhost:5000/app:latest",
            "127.0.0.1:5000/team/app:v1, 127.0.0.1:5000/team/app:v1",
            "nginx@sha256:abc, docker.io/library/nginx@sha256:abc"})
    void imageNamesAreNormalized(String image, String expected) {
        assertThat(ImageNames.normalize(image)).isEqualTo(expected);
    }

    @Test
    void theNodeWithTheImagePrefersOverTheOneWithout() {
        // a 500 MiB image on one of two nodes: spread 1/2 -> 250 MiB; (250-23)*100/(1000-23) = 23
        NodeInfo with = node("with", "docker.io/library/app:1", 500 * MIB);
        NodeInfo without = node("without", "docker.io/library/other:1", 500 * MIB);
        assertThat(scores(pod("app:1"), with, without)).containsExactly(23, 0);
    }

    @Test
    void anImageOnEveryNodeCountsFullyOnEach() {
        NodeInfo a = node("a", "docker.io/library/app:1", 500 * MIB);
        NodeInfo b = node("b", "docker.io/library/app:1", 500 * MIB);
        // 500 MiB, spread 1: (500-23)*100/977 = 48 on both
        assertThat(scores(pod("app:1"), a, b)).containsExactly(48, 48);
    }

    @Test
    void smallImagesScoreNothingAndHugeOnesAreCappedPerContainer() {
        NodeInfo small = node("small", "docker.io/library/tiny:1", 10 * MIB, "docker.io/library/huge:1", 5000 * MIB);
        assertThat(scores(pod("tiny:1"), small)).containsExactly(0);
        assertThat(scores(pod("huge:1"), small)).containsExactly(100);
        // two containers: the threshold doubles, so the huge image alone is (1000... capped at 5000 vs max 2000)
        assertThat(scores(pod("huge:1", "missing:1"), small)).containsExactly(100);
        assertThat(scores(pod("tiny:1", "missing:1"), small)).containsExactly(0);
    }

    @Test
    void skipsWhenNoNodeReportsImages() {
        NodeInfo a = new NodeInfo(Fixtures.node("a"));
        ImageLocality plugin = new ImageLocality();
        CycleState state = new CycleState(Snapshot.of(a));
        assertThat(plugin.preScore(state, pod("app:1"), List.of(a)).code()).isEqualTo(Status.Code.SKIP);
    }
}
