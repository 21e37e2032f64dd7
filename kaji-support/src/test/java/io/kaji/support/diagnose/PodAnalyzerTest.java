package io.kaji.support.diagnose;

import static io.kaji.support.diagnose.Fixtures.NOW;
import static io.kaji.support.diagnose.Fixtures.event;
import static io.kaji.support.diagnose.Fixtures.pod;
import static io.kaji.support.diagnose.Fixtures.status;
import static io.kaji.support.diagnose.Fixtures.withStatuses;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PodAnalyzerTest {

    private static final LogReader CRASH_LOG = (ns, pod, c, previous, lines) -> previous
            ? List.of("starting shop-web 1.2", "connecting to db:5432",
                    "2026-11-26T11:59:00Z ERROR could not connect to database db:5432: connection refused")
            : List.of();

    private static List<Diagnosis> analyze(Fixtures.Snap snap, LogReader logs) {
        return new PodAnalyzer().analyze(snap.build(), Fixtures.context(logs));
    }

    private static Pod crashLooping(int exitCode) {
        return withStatuses(pod("web-1"), status("app").withRestartCount(5)
                .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
                .withMessage("back-off 2m40s restarting failed container").endWaiting().endState()
                .withNewLastState().withNewTerminated().withExitCode(exitCode).withReason(exitCode == 0 ? "Completed"
                        : "Error").withFinishedAt(NOW.minusSeconds(60).toString()).endTerminated().endLastState()
                .build());
    }

    @Test
    void crashLoopQuotesThePreviousContainersErrorLine() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.pods.add(crashLooping(1));
        assertThat(analyze(snap, CRASH_LOG)).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Severity.ERROR);
            assertThat(d.object()).isEqualTo("Pod/shop/web-1");
            assertThat(d.symptom()).isEqualTo("container app is in CrashLoopBackOff (restarted 5 times)");
            assertThat(d.cause()).startsWith("the application exits with code 1: ")
                    .contains("could not connect to database db:5432: connection refused");
            assertThat(d.evidence()).contains("last termination: exit code 1, reason Error, at 2026-11-26T11:59:00Z");
            assertThat(d.evidence()).anyMatch(e -> e.startsWith("log: ") && e.contains("connection refused"));
            assertThat(d.fix()).contains("kubectl logs web-1 -n shop -c app --previous");
        });
    }

    @ParameterizedTest(name = "exit {0}")
    @CsvSource(delimiter = '|', value = {
            "0   | does not keep running",
            "127 | the command is not found in the image",
            "126 | cannot be executed",
            "137 | killed with SIGKILL",
            "139 | segmentation fault"})
    void crashLoopCauseFollowsTheExitCode(int code, String cause) {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.pods.add(crashLooping(code));
        assertThat(analyze(snap, LogReader.NONE)).singleElement()
                .satisfies(d -> assertThat(d.cause()).contains(cause));
    }

    @Test
    void aPodStuckCreatingQuotesEachDistinctNodeEventOnce() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.pods.add(withStatuses(pod("web-1").editStatus().withPhase("Pending").endStatus(), status("app")
                .withNewState().withNewWaiting().withReason("ContainerCreating").endWaiting().endState().build()));
        String mount = "MountVolume.SetUp failed for volume \"cfg\" : configmap \"absent\" not found";
        // The same event recorded again after an agent restart (a new object, count 1 each).
        snap.events.add(event("Pod", "web-1", "Warning", "FailedMount", mount, 1, null));
        snap.events.add(new io.fabric8.kubernetes.api.model.EventBuilder(event("Pod", "web-1", "Warning",
                "FailedMount", mount, 1, null)).editMetadata().withName("web-1.again").endMetadata().build());
        assertThat(analyze(snap, LogReader.NONE)).filteredOn(d -> d.object().equals("Pod/shop/web-1"))
                .singleElement().satisfies(d -> {
                    assertThat(d.symptom()).startsWith("stuck creating its containers for ");
                    assertThat(d.evidence()).containsOnlyOnce("event FailedMount: " + mount);
                });
    }

    @Test
    void oomKilledComparesWithTheLimit() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.pods.add(withStatuses(pod("hog").editSpec().editFirstContainer().withNewResources()
                .addToLimits("memory", new Quantity("16Mi")).endResources().endContainer().endSpec(),
                status("app").withRestartCount(3).withNewState().withNewWaiting().withReason("CrashLoopBackOff")
                        .endWaiting().endState().withNewLastState().withNewTerminated().withExitCode(137)
                        .withReason("OOMKilled").endTerminated().endLastState().build()));
        assertThat(analyze(snap, LogReader.NONE)).singleElement().satisfies(d -> {
            assertThat(d.symptom()).isEqualTo("container app was OOMKilled");
            assertThat(d.cause()).isEqualTo("it used more memory than its limit of 16Mi");
            assertThat(d.evidence()).contains("resources.limits.memory=16Mi");
        });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "ErrImagePull     | failed to resolve reference: registry.local:5000/shop/web:1.3: not found | no such image or tag",
            "ImagePullBackOff | pull access denied: unauthorized: authentication required | refused the credentials",
            "ImagePullBackOff | dial tcp 127.0.0.1:5000: connect: connection refused | cannot be reached from the node",
            "ErrImagePull     | lookup registry.local: no such host | does not resolve",
            "ErrImagePull     | http: server gave HTTP response to HTTPS client | plain HTTP",
            "InvalidImageName | invalid reference format | not valid"})
    void imagePullFailuresAreClassifiedByTheRegistrysAnswer(String reason, String message, String cause) {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.pods.add(withStatuses(pod("web-2"), status("app").withNewState().withNewWaiting().withReason(reason)
                .withMessage(message).endWaiting().endState().build()));
        assertThat(analyze(snap, LogReader.NONE)).singleElement().satisfies(d -> {
            assertThat(d.symptom()).contains("cannot pull its image (" + reason + ")");
            assertThat(d.cause()).contains(cause);
            assertThat(d.evidence()).contains("image=registry.local:5000/shop/web:1.2");
        });
    }

    @Test
    void configErrorNamesTheMissingObjects() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.configMaps.add(new ConfigMapBuilder().withNewMetadata().withName("present").withNamespace("shop")
                .endMetadata().build());
        snap.pods.add(withStatuses(pod("web-3").editSpec().editFirstContainer()
                .addNewEnvFrom().withNewConfigMapRef().withName("present").endConfigMapRef().endEnvFrom()
                .addNewEnvFrom().withNewConfigMapRef().withName("web-config").endConfigMapRef().endEnvFrom()
                .addNewEnv().withName("DB_PASSWORD").withNewValueFrom().withNewSecretKeyRef().withName("db")
                .withKey("password").endSecretKeyRef().endValueFrom().endEnv().endContainer().endSpec(),
                status("app").withNewState().withNewWaiting().withReason("CreateContainerConfigError")
                        .withMessage("configmap \"web-config\" not found").endWaiting().endState().build()));
        assertThat(analyze(snap, LogReader.NONE)).singleElement().satisfies(d -> {
            assertThat(d.cause()).isEqualTo("it refers to objects that do not exist: ConfigMap web-config (envFrom), "
                    + "Secret db (env DB_PASSWORD)");
            assertThat(d.fix()).contains("namespace shop");
        });
    }

    @Test
    void unschedulableExplainsTheSchedulersReasons() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.nodes.add(Fixtures.node("n1", "True", Map.of("zone", "a")));
        snap.pods.add(pod("big").editSpec().withNodeName(null).editFirstContainer().withNewResources()
                .addToRequests("cpu", new Quantity("64")).endResources().endContainer().endSpec()
                .editStatus().withPhase("Pending").addNewCondition().withType("PodScheduled").withStatus("False")
                .withReason("Unschedulable").withMessage("0/1 nodes are available: 1 Insufficient cpu. preemption: "
                        + "0/1 nodes are available: 1 No preemption victims found for incoming pod.")
                .endCondition().endStatus().build());
        assertThat(analyze(snap, LogReader.NONE)).singleElement().satisfies(d -> {
            assertThat(d.symptom()).isEqualTo("Pending: cannot be scheduled");
            assertThat(d.cause()).isEqualTo("not enough free cpu on any node for its request of 64");
            assertThat(d.evidence()).contains("largest allocatable cpu on a node: 2");
            assertThat(d.fix()).contains("lower the pod's resource requests");
        });
    }

    @Test
    void aNodeSelectorThatMatchesNoNodeIsNamed() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.nodes.add(Fixtures.node("n1", "True", Map.of("disktype", "hdd")));
        snap.pods.add(pod("ssd").editSpec().withNodeName(null).withNodeSelector(Map.of("disktype", "ssd")).endSpec()
                .editStatus().withPhase("Pending").addNewCondition().withType("PodScheduled").withStatus("False")
                .withReason("Unschedulable").withMessage("0/1 nodes are available: 1 node(s) didn't match Pod's "
                        + "node affinity/selector.").endCondition().endStatus().build());
        assertThat(analyze(snap, LogReader.NONE)).singleElement().satisfies(d -> {
            assertThat(d.cause()).isEqualTo("its nodeSelector {disktype=ssd} matches no node");
            assertThat(d.fix()).contains("kubectl label node");
        });
    }

    @Test
    void pendingWithoutAnySchedulerAttentionAfterTheGrace() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.pods.add(pod("lost").editSpec().withNodeName(null).withSchedulerName("my-scheduler").endSpec()
                .editStatus().withPhase("Pending").endStatus().build());
        snap.pods.add(pod("young").editMetadata().withCreationTimestamp(NOW.minusSeconds(5).toString()).endMetadata()
                .editSpec().withNodeName(null).endSpec().editStatus().withPhase("Pending").endStatus().build());
        assertThat(analyze(snap, LogReader.NONE)).singleElement().satisfies(d -> {
            assertThat(d.name()).isEqualTo("lost");
            assertThat(d.cause()).isEqualTo("no scheduler named my-scheduler is running");
        });
    }

    @Test
    void readinessAndLivenessProbeFailuresComeFromTheKubeletsEvents() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.pods.add(withStatuses(pod("unready").editStatus().addNewCondition().withType("Ready").withStatus("False")
                .withReason("ContainersNotReady").withLastTransitionTime(NOW.minusSeconds(300).toString())
                .endCondition().endStatus(),
                status("app").withNewState().withNewRunning().endRunning().endState().build()));
        snap.events.add(event("Pod", "unready", "Warning", "Unhealthy",
                "Readiness probe failed: HTTP probe failed with statuscode: 503", 12, "spec.containers{app}"));
        snap.pods.add(withStatuses(pod("restarted"), status("app").withReady(true).withRestartCount(4)
                .withNewState().withNewRunning().endRunning().endState().build()));
        snap.events.add(event("Pod", "restarted", "Warning", "Unhealthy",
                "Liveness probe failed: Get \"http://100.64.5.7:8080/healthz\": dial tcp 100.64.5.7:8080: connect: "
                        + "connection refused", 9, "spec.containers{app}"));
        List<Diagnosis> found = analyze(snap, LogReader.NONE);
        assertThat(found).hasSize(2);
        assertThat(found).filteredOn(d -> d.name().equals("unready")).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Severity.WARNING);
            assertThat(d.symptom()).contains("running but not ready");
            assertThat(d.cause()).isEqualTo("its readiness probe fails: Readiness probe failed: HTTP probe failed "
                    + "with statuscode: 503");
        });
        assertThat(found).filteredOn(d -> d.name().equals("restarted")).singleElement().satisfies(d -> {
            assertThat(d.symptom()).isEqualTo("container app is restarted by its liveness probe");
            assertThat(d.evidence()).first().isEqualTo("restartCount=4");
        });
    }

    @Test
    void healthyAndFinishedPodsRaiseNothing() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.pods.add(withStatuses(pod("fine").editStatus().addNewCondition().withType("Ready").withStatus("True")
                .endCondition().endStatus(), status("app").withReady(true).withNewState().withNewRunning()
                .endRunning().endState().build()));
        snap.pods.add(pod("done").editStatus().withPhase("Succeeded").endStatus().build());
        assertThat(analyze(snap, LogReader.NONE)).isEmpty();
    }

    @Test
    void stuckTerminatingNamesTheFinalizers() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.pods.add(pod("zombie").editMetadata().withDeletionTimestamp(NOW.minusSeconds(900).toString())
                .withDeletionGracePeriodSeconds(30L).withFinalizers("example.com/cleanup").endMetadata().build());
        assertThat(analyze(snap, LogReader.NONE)).singleElement().satisfies(d -> {
            assertThat(d.symptom()).startsWith("stuck terminating for ");
            assertThat(d.cause()).contains("[example.com/cleanup]");
        });
    }
}
