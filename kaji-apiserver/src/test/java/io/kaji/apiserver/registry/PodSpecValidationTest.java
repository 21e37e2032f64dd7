package io.kaji.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Container-level restartPolicy and what init containers may have, as Kubernetes validates a pod spec. */
class PodSpecValidationTest {

    private static List<String> errors(String spec) {
        return PodSpecDefaults.validate(Json.parseTrusted(spec), "spec").stream().map(StatusCause::describe).toList();
    }

    @Test
    void aSidecarMayHaveProbesAndHooks() {
        assertThat(errors("""
                {"initContainers":[{"name":"proxy","image":"i","restartPolicy":"Always",
                  "readinessProbe":{"tcpSocket":{"port":15021}},"lifecycle":{"preStop":{"exec":{"command":["true"]}}}}],
                 "containers":[{"name":"app","image":"i"}]}""")).isEmpty();
    }

    @Test
    void plainInitContainersMustRunToCompletionAndOnlySidecarsRestart() {
        assertThat(errors("""
                {"initContainers":[{"name":"setup","image":"i","restartPolicy":"OnFailure",
                  "livenessProbe":{"tcpSocket":{"port":1}}},{"name":"app","image":""}],
                 "containers":[{"name":"app","image":"i","restartPolicy":"Always"}]}""")).containsExactly(
                "spec.initContainers[0].restartPolicy: Unsupported value: \"OnFailure\": supported values:"
                        + " \"Always\"",
                "spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without"
                        + " restartPolicy=Always",
                "spec.initContainers[1].image: Required value",
                "spec.containers[0].name: Duplicate value: \"app\"",
                "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers");
    }
}
