package io.kaji.support.assess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The continuous mode against the in-process API server: ConfigMap, Events on status changes, gauges. */
class ContinuousAssessmentTest {

    @TempDir
    static Path dir;
    static TestServer server;
    static KubernetesClient client;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
        client = server.newKubernetesClient();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void publishesTheReportEventsOnChangesAndGauges() {
        HasMetadata pod = Fixtures.objects(Fixtures.pod("priv", Fixtures.hardenedWith("allowPrivilegeEscalation: false",
                "privileged: true"))).get(0);
        client.resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("app")
                .addToLabels("pod-security.kubernetes.io/enforce", "privileged")
                .endMetadata().build()).create();
        client.resource(pod).create();
        try (ContinuousAssessment continuous = new ContinuousAssessment(client, HostConfig::absent,
                Fixtures.CLOCK, Executors.newSingleThreadScheduledExecutor())) {
            assertThat(continuous.metrics()).isEmpty();

            continuous.runOnce();

            ConfigMap cm = client.configMaps().inNamespace("kube-system").withName("kaji-assessment").get();
            JsonNode report = JsonMapper.builder().build().readTree(cm.getData().get("report.json"));
            assertThat(report.get("checks")).anySatisfy(c -> {
                assertThat(c.get("id").asString()).isEqualTo("5.2.2");
                assertThat(c.get("status").asString()).isEqualTo("FAIL");
            });
            assertThat(cm.getData().get("summary")).startsWith("score ");
            assertThat(failedEvents()).anySatisfy(e -> assertThat(e.getMessage()).startsWith("5.2.2 ")
                    .contains("Pod app/priv"));
            assertThat(continuous.metrics())
                    .contains("kaji_assessment_check{id=\"5.2.2\",section=\"5.2 Pod Security Standards\","
                            + "severity=\"CRITICAL\",status=\"FAIL\"} 1")
                    .contains("kaji_assessment_findings{id=\"5.2.2\",severity=\"CRITICAL\"} 1")
                    .contains("kaji_assessment_score{section=\"5.2 Pod Security Standards\"}");

            int warnings = failedEvents().size();
            continuous.runOnce();
            assertThat(failedEvents()).as("no new warnings for unchanged failures").hasSize(warnings);

            client.resource(pod).delete();
            org.awaitility.Awaitility.await().until(() -> client.pods().inNamespace("app").withName("priv").get() == null);
            continuous.runOnce();
            assertThat(client.v1().events().inNamespace("kube-system").list().getItems())
                    .anySatisfy(e -> {
                        assertThat(e.getReason()).isEqualTo("AssessmentCheckPassed");
                        assertThat(e.getMessage()).startsWith("5.2.2 ");
                    });
            assertThat(continuous.metrics()).contains("id=\"5.2.2\",section=\"5.2 Pod Security Standards\","
                    + "severity=\"CRITICAL\",status=\"PASS\"} 1");
        }
    }

    private static List<Event> failedEvents() {
        return client.v1().events().inNamespace("kube-system").list().getItems().stream()
                .filter(e -> "AssessmentCheckFailed".equals(e.getReason())).toList();
    }

    @Test
    void intervalsParse() {
        assertThat(ContinuousAssessment.parseInterval("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(ContinuousAssessment.parseInterval("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(ContinuousAssessment.parseInterval("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> ContinuousAssessment.parseInterval("10s")).hasMessageContaining("minimum of 1m");
        assertThatThrownBy(() -> ContinuousAssessment.parseInterval("hourly")).hasMessageContaining("not an interval");
    }
}
