package io.kaji.controllers.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

class ControllerTest {

    private static KubernetesClientException refused(String causeReason) {
        Status status = new StatusBuilder().withCode(403).withReason("Forbidden")
                .withMessage("pods \"x\" is forbidden: unable to create new content in namespace gone because it is "
                        + "being terminated")
                .withNewDetails().withName("x").withKind("pods").addNewCause().withReason(causeReason)
                .withField("metadata.namespace").withMessage("namespace gone is being terminated").endCause()
                .endDetails().build();
        return new KubernetesClientException(status);
    }

    @Test
    void recognisesTheNamespaceTerminatingRefusalAlsoWhenWrapped() {
        assertThat(Controller.namespaceTerminating(refused("NamespaceTerminating"))).isTrue();
        assertThat(Controller.namespaceTerminating(new IllegalStateException("create failed",
                refused("NamespaceTerminating")))).isTrue();
        assertThat(Controller.namespaceTerminating(refused("FieldValueInvalid"))).isFalse();
        assertThat(Controller.namespaceTerminating(new KubernetesClientException("connection refused"))).isFalse();
    }
}
