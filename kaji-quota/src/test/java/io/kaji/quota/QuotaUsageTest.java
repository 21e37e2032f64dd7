package io.kaji.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.quota.QuotaUsage.GroupResource;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class QuotaUsageTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    private static final String POD = """
            {"spec":{"containers":[
               {"name":"a","resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"200m"}}},
               {"name":"b","resources":{"requests":{"cpu":"250m"}}}],
             "initContainers":[{"name":"i","resources":{"requests":{"cpu":"1"}}}]},
             "status":{"phase":"%s"}}""";

    /** One row: an object, and what it counts for a few quota names (absent = zero). */
    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("", "pods", POD.formatted("Running"), Map.of("pods", "1", "count/pods", "1",
                        "requests.cpu", "1", "cpu", "1", "limits.cpu", "200m", "requests.memory", "67108864")),
                Arguments.of("", "pods", POD.formatted("Pending"), Map.of("pods", "1", "requests.cpu", "1")),
                // A sidecar adds to the containers (350m + 700m) and to the init container after it (700m + 1).
                Arguments.of("", "pods", """
                        {"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":"350m"}}}],
                         "initContainers":[
                           {"name":"proxy","restartPolicy":"Always","resources":{"requests":{"cpu":"700m"}}},
                           {"name":"i","resources":{"requests":{"cpu":"1"}}}]},"status":{"phase":"Running"}}""",
                        Map.of("pods", "1", "requests.cpu", "1700m")),
                // Finished pods stop counting.
                Arguments.of("", "pods", POD.formatted("Succeeded"), Map.of()),
                Arguments.of("", "pods", POD.formatted("Failed"), Map.of()),
                Arguments.of("", "services", "{\"spec\":{\"type\":\"NodePort\",\"ports\":[{},{}]}}",
                        Map.of("services", "1", "services.nodeports", "2", "services.loadbalancers", "0")),
                Arguments.of("", "services", "{\"spec\":{\"type\":\"LoadBalancer\",\"ports\":[{}]}}",
                        Map.of("services.nodeports", "1", "services.loadbalancers", "1")),
                Arguments.of("", "services", "{\"spec\":{}}", Map.of("services", "1", "services.nodeports", "0")),
                Arguments.of("", "configmaps", "{}", Map.of("configmaps", "1", "count/configmaps", "1")),
                Arguments.of("", "persistentvolumeclaims",
                        "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}",
                        Map.of("persistentvolumeclaims", "1", "requests.storage", "1073741824")),
                Arguments.of("apps", "deployments", "{}", Map.of("count/deployments.apps", "1")),
                Arguments.of("example.com", "widgets", "{}", Map.of("count/widgets.example.com", "1")));
    }

    @ParameterizedTest
    @MethodSource("rows")
    void usageOf(String group, String resource, String object, Map<String, String> expected) {
        Map<String, BigDecimal> u = QuotaUsage.usageOf(group, resource, json(object));
        Map<String, String> printed = new TreeMap<>();
        expected.keySet().forEach(k -> printed.put(k, Quantities.format(u.getOrDefault(k, BigDecimal.ZERO))));
        assertThat(printed).isEqualTo(new TreeMap<>(expected));
        if (expected.isEmpty()) {
            assertThat(u).isEmpty();
        }
    }

    @Test
    void listsWhatTheQuotaNamesNeed() {
        assertThat(QuotaUsage.resourcesToList(Set.of("requests.cpu", "services.nodeports", "count/deployments.apps",
                "count/widgets.example.com", "secrets", "requests.storage"))).containsExactly(
                new GroupResource("", "persistentvolumeclaims"), new GroupResource("", "pods"),
                new GroupResource("", "secrets"), new GroupResource("", "services"),
                new GroupResource("apps", "deployments"), new GroupResource("example.com", "widgets"));
    }

    @Test
    void totalSumsOnlyTheNamedResources() {
        Map<GroupResource, List<JsonNode>> objects = Map.of(
                new GroupResource("", "pods"), List.of(json(POD.formatted("Running")), json(POD.formatted("Running")),
                        json(POD.formatted("Succeeded"))),
                new GroupResource("", "configmaps"), List.of(json("{}")));
        Map<String, BigDecimal> total = QuotaUsage.total(Set.of("pods", "limits.cpu", "configmaps"),
                gr -> objects.getOrDefault(gr, List.of()));
        assertThat(total).containsOnlyKeys("pods", "limits.cpu", "configmaps");
        assertThat(Quantities.format(total.get("pods"))).isEqualTo("2");
        assertThat(Quantities.format(total.get("limits.cpu"))).isEqualTo("400m");
        assertThat(Quantities.format(total.get("configmaps"))).isEqualTo("1");
    }
}
