package io.kaji.support.diagnose;

import static io.kaji.support.diagnose.Fixtures.NOW;
import static io.kaji.support.diagnose.Fixtures.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtherAnalyzersTest {

    private static final DiagnoseContext CTX = Fixtures.context(LogReader.NONE);

    @Test
    void nodeNotReadySaysSinceWhenAndWhatRunsThere() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.nodes.add(Fixtures.node("n2", "Unknown", Map.of()));
        snap.nodes.add(Fixtures.node("n1", "True", Map.of()));
        snap.pods.add(Fixtures.pod("a").editSpec().withNodeName("n2").endSpec().build());
        assertThat(new NodeAnalyzer().analyze(snap.build(), CTX)).singleElement().satisfies(d -> {
            assertThat(d.object()).isEqualTo("Node/n2");
            assertThat(d.symptom()).isEqualTo("NotReady: the node agent stopped reporting");
            assertThat(d.evidence()).contains("last heartbeat " + NOW.minusSeconds(90) + " (90s ago)",
                    "1 pods bound to it");
        });
    }

    @Test
    void deploymentPastItsProgressDeadlineAndReplicaSetThatCannotCreatePods() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.deployments.add(new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("shop")
                .endMetadata().withNewSpec().withReplicas(3).endSpec().withNewStatus().withAvailableReplicas(1)
                .addNewCondition().withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
                .withMessage("ReplicaSet \"web-5d8\" has timed out progressing.").endCondition().endStatus().build());
        snap.replicaSets.add(new ReplicaSetBuilder().withNewMetadata().withName("api-7f9").withNamespace("shop")
                .endMetadata().withNewSpec().withReplicas(2).endSpec().build());
        snap.events.add(event("ReplicaSet", "api-7f9", "Warning", "FailedCreate", "Error creating: pods "
                + "\"api-7f9-x\" is forbidden: violates PodSecurity \"baseline:latest\": privileged", 7, null));
        List<Diagnosis> found = new WorkloadAnalyzer().analyze(snap.build(), CTX);
        assertThat(found).extracting(Diagnosis::object, Diagnosis::symptom).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("Deployment/shop/web",
                        "rollout stuck: no progress within progressDeadlineSeconds"),
                org.assertj.core.groups.Tuple.tuple("ReplicaSet/shop/api-7f9", "cannot create its pods"));
        assertThat(found).filteredOn(d -> d.kind().equals("ReplicaSet")).singleElement()
                .satisfies(d -> assertThat(d.evidence().get(0)).startsWith("event FailedCreate (x7): "));
    }

    @Test
    void failedJobWithItsReason() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.jobs.add(new JobBuilder().withNewMetadata().withName("migrate").withNamespace("shop").endMetadata()
                .withNewSpec().withBackoffLimit(2).endSpec().withNewStatus().withFailed(3).addNewCondition()
                .withType("Failed").withStatus("True").withReason("BackoffLimitExceeded")
                .withMessage("Job has reached the specified backoff limit").endCondition().endStatus().build());
        assertThat(new JobAnalyzer().analyze(snap.build(), CTX)).singleElement().satisfies(d -> {
            assertThat(d.cause()).isEqualTo("Job has reached the specified backoff limit");
            assertThat(d.fix()).contains("kubectl logs job/migrate -n shop");
        });
    }

    @Test
    void warningEventsAreGroupedByReason() {
        Fixtures.Snap snap = new Fixtures.Snap();
        for (int i = 0; i < 3; i++) {
            snap.events.add(event("Pod", "web-" + i, "Warning", "BackOff", "Back-off restarting failed container",
                    4, null));
        }
        snap.events.add(event("Pod", "web-0", "Normal", "Pulled", "pulled", 1, null));
        assertThat(new EventAnalyzer().analyze(snap.build(), CTX)).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Severity.WARNING);
            assertThat(d.symptom()).isEqualTo("12 Warning events BackOff in the last hour on 3 object(s)");
        });
    }

    @Test
    void analyzersThatLackTheirResourcesOrFailAreReportedNotSilent() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.unavailable.put("pods", "forbidden");
        Analyzer broken = new Analyzer() {
            @Override
            public String name() {
                return "Broken";
            }

            @Override
            public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
                throw new IllegalStateException("boom");
            }
        };
        Diagnoser.Result r = new Diagnoser(List.of(new PodAnalyzer(), broken, new NodeAnalyzer()))
                .run(snap.build(), CTX);
        assertThat(r.notRun()).containsEntry("Pod", "cannot list pods (forbidden)")
                .containsEntry("Broken", "failed: java.lang.IllegalStateException: boom");
        assertThat(DiagnosisReport.text(r)).contains("Not analyzed:", "No problems found.");
        assertThat(DiagnosisReport.json(r)).contains("\"notAnalyzed\"", "\"Pod\" : \"cannot list pods (forbidden)\"");
    }
}
