package io.kaji.controllers.resourcequota;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResourceQuotaControllerTest {

    private static HasMetadata pod(String phase) {
        return new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewStatus().withPhase(phase)
                .endStatus().build();
    }

    private static HasMetadata service(String type, int ports) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withName("s").endMetadata().withNewSpec()
                .withType(type).endSpec();
        for (int i = 0; i < ports; i++) {
            b.editSpec().addNewPort().withPort(80 + i).endPort().endSpec();
        }
        return b.build();
    }

    /** Which updates may change what an object counts, and so trigger a recalculation of its namespace's quotas. */
    static Stream<Arguments> updates() {
        return Stream.of(
                Arguments.of(pod("Running"), pod("Succeeded"), true),
                Arguments.of(pod("Pending"), pod("Running"), true),
                Arguments.of(pod("Running"), pod("Running"), false),
                Arguments.of(service("ClusterIP", 1), service("NodePort", 1), true),
                Arguments.of(service("NodePort", 1), service("NodePort", 2), true),
                Arguments.of(service("NodePort", 1), service("NodePort", 1), false),
                Arguments.of(new ConfigMapBuilder().withNewMetadata().withName("a").endMetadata().build(),
                        new ConfigMapBuilder().withNewMetadata().withName("a").endMetadata().addToData("k", "v")
                                .build(), false));
    }

    @ParameterizedTest
    @MethodSource("updates")
    void usageMayDiffer(HasMetadata old, HasMetadata now, boolean expected) {
        assertThat(ResourceQuotaController.usageMayDiffer(old, now)).isEqualTo(expected);
    }
}
