package io.kaji.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Container-level restartPolicy, what init containers may have, and security contexts, as Kubernetes validates a pod
 * spec.
 */
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
    void probesGetKubernetesDefaultsAndLivenessNeedsOneSuccess() {
        var spec = (tools.jackson.databind.node.ObjectNode) Json.parseTrusted("""
                {"containers":[{"name":"app","image":"i","livenessProbe":{"httpGet":{"port":8080}},
                  "readinessProbe":{"exec":{"command":["true"]},"periodSeconds":2,"successThreshold":2},
                  "lifecycle":{"preStop":{"httpGet":{"port":8080,"path":"/quit"}}}}]}""");
        PodSpecDefaults.apply(spec);
        assertThat(Json.at(spec, "containers").get(0).get("livenessProbe").toString()).isEqualTo(
                "{\"httpGet\":{\"port\":8080,\"path\":\"/\",\"scheme\":\"HTTP\"},\"timeoutSeconds\":1,"
                        + "\"periodSeconds\":10,\"successThreshold\":1,\"failureThreshold\":3}");
        assertThat(Json.at(spec, "containers").get(0).get("readinessProbe").toString()).isEqualTo(
                "{\"exec\":{\"command\":[\"true\"]},\"periodSeconds\":2,\"successThreshold\":2,"
                        + "\"timeoutSeconds\":1,\"failureThreshold\":3}");
        assertThat(Json.at(spec, "containers").get(0).path("lifecycle").path("preStop").path("httpGet").toString())
                .isEqualTo("{\"port\":8080,\"path\":\"/quit\",\"scheme\":\"HTTP\"}");
        assertThat(errors(spec.toString())).isEmpty();
        assertThat(errors("""
                {"containers":[{"name":"app","image":"i","startupProbe":{"exec":{"command":["true"]},
                  "successThreshold":3}}]}""")).containsExactly(
                "spec.containers[0].startupProbe.successThreshold: Invalid value: 3: must be 1");
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

    @Test
    void aVolumeWithoutASourceIsAnEmptyDir() {
        var spec = (tools.jackson.databind.node.ObjectNode) Json.parseTrusted("""
                {"volumes":[{"name":"scratch"},{"name":"cfg","configMap":{"name":"c"}}],
                 "containers":[{"name":"app","image":"i"}]}""");
        PodSpecDefaults.apply(spec);
        assertThat(spec.path("volumes").get(0).toString()).isEqualTo("{\"name\":\"scratch\",\"emptyDir\":{}}");
        assertThat(spec.path("volumes").get(1).has("emptyDir")).isFalse();
    }

    @Test
    void securityContextsAreValidatedAsKubernetesValidatesThem() {
        assertThat(errors("""
                {"securityContext":{"runAsUser":1000,"fsGroup":2000,"supplementalGroups":[4000],
                  "seccompProfile":{"type":"Localhost","localhostProfile":"profiles/audit.json"}},
                 "containers":[{"name":"app","image":"i","securityContext":{"allowPrivilegeEscalation":false,
                  "capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]},"seccompProfile":{"type":"RuntimeDefault"}}}]}
                """)).isEmpty();
        assertThat(errors("""
                {"securityContext":{"runAsUser":-1,"fsGroup":2147483648,"supplementalGroups":[1,-2],
                  "seccompProfile":{"type":"Localhost"}},
                 "containers":[{"name":"app","image":"i","securityContext":{"allowPrivilegeEscalation":false,
                  "privileged":true,"capabilities":{"add":["CAP_SYS_ADMIN"]},
                  "seccompProfile":{"type":"RuntimeDefault","localhostProfile":"x.json"}}},
                  {"name":"b","image":"i","securityContext":{"seccompProfile":{"type":"Localhost",
                   "localhostProfile":"../etc/x.json"}}},
                  {"name":"c","image":"i","securityContext":{"seccompProfile":{"type":"Strict"}}}]}
                """)).containsExactly(
                "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
                "spec.securityContext.fsGroup: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive",
                "spec.securityContext.supplementalGroups[1]: Invalid value: -2: must be between 0 and 2147483647,"
                        + " inclusive",
                "spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type"
                        + " is Localhost",
                "spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: \"x.json\": can"
                        + " only be set when seccomp type is Localhost",
                "spec.containers[0].securityContext.allowPrivilegeEscalation: Invalid value: false: cannot set"
                        + " `allowPrivilegeEscalation` to false and `privileged` to true",
                "spec.containers[0].securityContext.allowPrivilegeEscalation: Invalid value: false: cannot set"
                        + " `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
                "spec.containers[1].securityContext.seccompProfile.localhostProfile: Invalid value: \"../etc/x.json\":"
                        + " must not contain '..'",
                "spec.containers[2].securityContext.seccompProfile.type: Unsupported value: \"Strict\": supported"
                        + " values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\"");
    }

    @Test
    void volumeMountsNameAVolumeAndTakeOneSubPathAndAKnownPropagation() {
        assertThat(errors("""
                {"volumes":[{"name":"data","emptyDir":{}}],
                 "containers":[{"name":"app","image":"i","volumeMounts":[
                  {"name":"data","mountPath":"/d","subPathExpr":"$(POD_NAME)","mountPropagation":"HostToContainer"},
                  {"name":"data","mountPath":"/e","mountPropagation":"Bidirectional"},
                  {"name":"absent","mountPath":"/f","subPath":"x","subPathExpr":"../$(POD_NAME)"},
                  {"name":"data","mountPath":"/g","mountPropagation":"Shared"}]}]}
                """)).containsExactly(
                "spec.containers[0].volumeMounts[1].mountPropagation: Forbidden: Bidirectional mount propagation is"
                        + " available only to privileged containers",
                "spec.containers[0].volumeMounts[2].name: Not found: \"absent\"",
                "spec.containers[0].volumeMounts[2].subPathExpr: Invalid value: \"../$(POD_NAME)\": subPathExpr and"
                        + " subPath are mutually exclusive",
                "spec.containers[0].volumeMounts[2].subPathExpr: Invalid value: \"../$(POD_NAME)\": must not contain"
                        + " '..'",
                "spec.containers[0].volumeMounts[3].mountPropagation: Unsupported value: \"Shared\": supported values:"
                        + " \"Bidirectional\", \"HostToContainer\", \"None\"");
    }
}
