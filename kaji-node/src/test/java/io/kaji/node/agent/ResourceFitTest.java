package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceFitTest {

    private static final Map<String, Quantity> NODE = Map.of("cpu", new Quantity("1900m"),
            "memory", new Quantity("1Gi"), "pods", new Quantity("3"));

    private static Pod pod(String cpu, String memoryLimit) {
        var b = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec().addNewContainer()
                .withName("c").withImage("i").withNewResources();
        if (cpu != null) {
            b = b.addToRequests("cpu", new Quantity(cpu));
        }
        if (memoryLimit != null) {
            b = b.addToLimits("memory", new Quantity(memoryLimit));
        }
        return b.endResources().endContainer().endSpec().build();
    }

    @Test
    void requestsMustFitBesideTheAdmittedPods() {
        assertThat(ResourceFit.check(pod("1", null), List.of(pod("900m", null)), NODE)).isEmpty();
        assertThat(ResourceFit.check(pod("1001m", null), List.of(pod("900m", null)), NODE)).hasValueSatisfying(r -> {
            assertThat(r.reason()).isEqualTo("OutOfcpu");
            assertThat(r.message()).isEqualTo("Node didn't have enough resource: cpu, requested: 1001, used: 900,"
                    + " capacity: 1900");
        });
        // A limit without a request is the request.
        assertThat(ResourceFit.check(pod(null, "600Mi"), List.of(pod(null, "500Mi")), NODE)).hasValueSatisfying(r ->
                assertThat(r.message()).isEqualTo("Node didn't have enough resource: memory, requested: 629145600,"
                        + " used: 524288000, capacity: 1073741824"));
        assertThat(ResourceFit.check(pod(null, null), Collections.nCopies(3, pod(null, null)), NODE))
                .hasValueSatisfying(r -> {
                    assertThat(r.reason()).isEqualTo("OutOfpods");
                    assertThat(r.message()).isEqualTo("Node didn't have enough resource: pods, requested: 1, used: 3,"
                            + " capacity: 3");
                });
        // A resource the node does not report is not checked.
        Pod disk = new PodBuilder(pod(null, null)).editSpec().editFirstContainer().editResources()
                .addToRequests("ephemeral-storage", new Quantity("100Ti")).endResources().endContainer().endSpec()
                .build();
        assertThat(ResourceFit.check(disk, List.of(), NODE)).isEmpty();
    }

    @Test
    void theEffectiveRequestCountsSidecarsAndOverhead() {
        Pod p = new PodBuilder(pod("100m", null)).editSpec().withOverhead(Map.of("cpu", new Quantity("50m")))
                .addNewInitContainer().withName("proxy").withImage("i").withRestartPolicy("Always").withNewResources()
                .addToRequests("cpu", new Quantity("200m")).endResources().endInitContainer()
                .addNewInitContainer().withName("setup").withImage("i").withNewResources()
                .addToRequests("cpu", new Quantity("250m")).endResources().endInitContainer().endSpec().build();
        assertThat(ResourceFit.request(p, "cpu")).isEqualTo(450 + 50);
        assertThat(ResourceFit.amount("cpu", new Quantity("0.0001"))).isEqualTo(1);
    }
}
