package io.kaji.apiserver.admission.defaulttolerationseconds;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.AdmissionAttributes.Operation;
import io.kaji.apiserver.serialization.Json;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

class DefaultTolerationSecondsTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("no tolerations", "[]", "node.kubernetes.io/not-ready:5,node.kubernetes.io/unreachable:5"),
                Arguments.of("tolerates not-ready already",
                        "[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\","
                                + "\"tolerationSeconds\":60}]",
                        "node.kubernetes.io/not-ready:60,node.kubernetes.io/unreachable:5"),
                Arguments.of("empty effect tolerates every effect",
                        "[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\"}]",
                        "node.kubernetes.io/unreachable:-,node.kubernetes.io/not-ready:5"),
                Arguments.of("empty key with Exists tolerates everything", "[{\"operator\":\"Exists\"}]", ":-"),
                Arguments.of("a NoSchedule toleration does not count",
                        "[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]",
                        "node.kubernetes.io/not-ready:-,node.kubernetes.io/not-ready:5,"
                                + "node.kubernetes.io/unreachable:5"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void addsOnlyMissingNoExecuteTolerations(String name, String tolerations, String expected) {
        ObjectNode pod = Json.parseTrusted("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"tolerations\":" + tolerations
                + ",\"containers\":[{\"name\":\"c\"}]}}");
        new DefaultTolerationSeconds(5, 5).admit(new AdmissionAttributes(Operation.CREATE, "", "v1", "Pod", "pods",
                null, "default", "p", pod, null, null, false));
        StringBuilder got = new StringBuilder();
        pod.path("spec").path("tolerations").forEach(t -> got.append(got.isEmpty() ? "" : ",")
                .append(t.path("key").asString("")).append(':')
                .append(t.has("tolerationSeconds") ? t.path("tolerationSeconds").asString() : "-"));
        assertThat(got.toString()).isEqualTo(expected);
    }
}
