package io.kaji.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every place a pod spec names a Secret or ConfigMap, as the node authorizer and NodeRestriction read them. */
class PodReferencesTest {

    private static final JsonNode SPEC = Json.parseTrusted("""
            {"imagePullSecrets":[{"name":"pull"}],
             "volumes":[{"name":"a","secret":{"secretName":"vol-secret"}},{"name":"b","configMap":{"name":"vol-cm"}},
               {"name":"c","projected":{"sources":[{"secret":{"name":"proj-secret"}},{"configMap":{"name":"proj-cm"}},
                 {"serviceAccountToken":{"path":"t"}}]}},{"name":"d","emptyDir":{}}],
             "initContainers":[{"name":"i","envFrom":[{"secretRef":{"name":"init-envfrom"}}]}],
             "containers":[{"name":"c","envFrom":[{"configMapRef":{"name":"envfrom-cm"}}],
               "env":[{"name":"X","valueFrom":{"secretKeyRef":{"name":"env-secret","key":"k"}}},
                      {"name":"Y","valueFrom":{"configMapKeyRef":{"name":"env-cm","key":"k"}}},
                      {"name":"Z","value":"plain"}]}],
             "ephemeralContainers":[{"name":"debug","env":[{"name":"W","valueFrom":{"secretKeyRef":{"key":"k"}}}]}]}
            """);

    @Test
    void secretsAndConfigMapsFromEveryPlaceInTheOrderMet() {
        assertThat(PodReferences.names(SPEC, true)).containsExactly("pull", "vol-secret", "proj-secret",
                "init-envfrom", "env-secret", "");
        assertThat(PodReferences.names(SPEC, false)).containsExactly("vol-cm", "proj-cm", "envfrom-cm", "env-cm");
    }

    @Test
    void aSpecWithoutReferencesNamesNothing() {
        JsonNode plain = Json.parseTrusted("{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"A\","
                + "\"value\":\"b\"}]}],"
                + "\"volumes\":[{\"name\":\"d\",\"emptyDir\":{}}]}");
        assertThat(PodReferences.names(plain, true)).isEmpty();
        assertThat(PodReferences.names(plain, false)).isEmpty();
    }
}
