package io.kaji.node.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kubelet's arithmetic for resourceFieldRef: divide by the divisor, round up, unset limits from allocatable. */
class ResourceFieldRefsTest {

    private static final Pod POD = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec()
            .addNewInitContainer().withName("init").withNewResources()
            .addToRequests("memory", new Quantity("10Mi")).endResources().endInitContainer()
            .addNewContainer().withName("app").withNewResources()
            .addToRequests("cpu", new Quantity("250m")).addToRequests("memory", new Quantity("100M"))
            .addToLimits("cpu", new Quantity("1500m")).addToLimits("memory", new Quantity("128Mi"))
            .addToLimits("hugepages-2Mi", new Quantity("4Mi")).endResources().endContainer()
            .addNewContainer().withName("bare").endContainer().endSpec().build();

    private static final Map<String, Quantity> ALLOCATABLE = Map.of("cpu", new Quantity("1900m"),
            "memory", new Quantity("3Gi"), "ephemeral-storage", new Quantity("20Gi"));

    private static String value(String container, String resource, String divisor) {
        return ResourceFieldRefs.value(POD, container, resource, divisor == null ? null : new Quantity(divisor),
                ALLOCATABLE);
    }

    @Test
    void cpuIsRoundedUpToTheDivisorInMillicores() {
        assertThat(value("app", "requests.cpu", null)).isEqualTo("1");
        assertThat(value("app", "requests.cpu", "1m")).isEqualTo("250");
        assertThat(value("app", "limits.cpu", "1")).isEqualTo("2");
        assertThat(value("app", "limits.cpu", "500m")).isEqualTo("3");
    }

    @Test
    void memoryIsBytesOverTheDivisorRoundedUp() {
        assertThat(value("app", "limits.memory", null)).isEqualTo(Long.toString(128L << 20));
        assertThat(value("app", "limits.memory", "1Mi")).isEqualTo("128");
        assertThat(value("app", "requests.memory", "1Mi")).isEqualTo("96"); // 100M = 95.37Mi
        assertThat(value("app", "limits.hugepages-2Mi", "1Mi")).isEqualTo("4");
        assertThat(value("init", "requests.memory", "1Ki")).isEqualTo("10240");
    }

    @Test
    void unsetLimitsAreTheNodesAllocatableAndUnsetRequestsZero() {
        assertThat(value("bare", "limits.cpu", null)).isEqualTo("2");
        assertThat(value("bare", "limits.memory", "1Gi")).isEqualTo("3");
        assertThat(value("bare", "limits.ephemeral-storage", "1Gi")).isEqualTo("20");
        assertThat(value("bare", "requests.cpu", "1m")).isEqualTo("0");
        assertThat(ResourceFieldRefs.value(POD, "bare", "limits.memory", null, Map.of())).isEqualTo("0");
    }

    @Test
    void unknownContainersAndResourcesAreRefusedInTheKubeletsWords() {
        assertThatThrownBy(() -> value("nope", "limits.cpu", null)).hasMessage("container nope not found");
        assertThatThrownBy(() -> value("app", "limits.gpu", null))
                .hasMessage("unsupported container resource : limits.gpu");
        assertThatThrownBy(() -> value("app", "cpu", null)).hasMessage("unsupported container resource : cpu");
        assertThatThrownBy(() -> value("app", "limits.cpu", "0")).hasMessageContaining("must be positive");
    }
}
