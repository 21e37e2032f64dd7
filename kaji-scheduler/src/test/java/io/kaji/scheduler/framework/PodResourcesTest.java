package io.kaji.scheduler.framework;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.kaji.scheduler.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodResourcesTest {

    @Test
    void initContainersCountAtTheirPeakAndSidecarsAddUp() {
        var pod = new PodBuilder(Fixtures.pod("p", "500m", "1Gi").build()).editSpec()
                .addToContainers(Fixtures.container("c2", "250m"))
                .addToInitContainers(Fixtures.container("init", "2"))
                .endSpec().build();
        Resources r = PodResources.requests(pod);
        assertThat(r.milliCpu()).isEqualTo(2000); // the init container's peak beats 750m
        assertThat(r.memory()).isEqualTo(1L << 30);
        assertThat(r.pods()).isEqualTo(1);

        var sidecar = Fixtures.container("sidecar", "1");
        sidecar.setRestartPolicy("Always");
        var withSidecar = new PodBuilder(Fixtures.pod("p", "500m", null).build()).editSpec()
                .addToInitContainers(sidecar).endSpec().build();
        assertThat(PodResources.requests(withSidecar).milliCpu()).isEqualTo(1500);
    }

    @Test
    void nonZeroRequestsDefaultMissingCpuAndMemoryAndOverheadAndExtendedResourcesCount() {
        var pod = Fixtures.pod("p");
        assertThat(PodResources.requests(pod).milliCpu()).isZero();
        assertThat(PodResources.nonZeroRequests(pod).milliCpu()).isEqualTo(100);
        assertThat(PodResources.nonZeroRequests(pod).memory()).isEqualTo(200L * 1024 * 1024);

        var gpu = new PodBuilder(Fixtures.pod("g", "1", null).build()).editSpec()
                .withOverhead(Map.of("cpu", new Quantity("100m")))
                .editFirstContainer().editResources().addToRequests("example.com/gpu", new Quantity("2"))
                .endResources().endContainer().endSpec().build();
        Resources r = PodResources.requests(gpu);
        assertThat(r.milliCpu()).isEqualTo(1100);
        assertThat(r.scalar("example.com/gpu")).isEqualTo(2);
    }
}
