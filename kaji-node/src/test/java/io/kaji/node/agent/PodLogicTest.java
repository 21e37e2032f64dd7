package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.ContainerStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Environment resolution, QoS class and pod phase, without a runtime. */
class PodLogicTest {

    private static final Pod POD = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").withUid("u1")
            .addToLabels("app", "web").endMetadata().withNewSpec().withNodeName("n1").endSpec().build();

    @Test
    void eventsAndEphemeralContainersNameTheirContainerAsTheKubeletDoes() {
        Pod pod = new PodBuilder(POD).editSpec().addNewInitContainer().withName("setup").withImage("i")
                .endInitContainer().addNewContainer().withName("app").withImage("i").endContainer()
                .addNewEphemeralContainer().withName("dbg").withImage("busybox").withTargetContainerName("app")
                .withStdin(true).withTty(true).withCommand("sh").endEphemeralContainer().endSpec().build();
        assertThat(PodSpecs.fieldPath(pod, "setup")).isEqualTo("spec.initContainers{setup}");
        assertThat(PodSpecs.fieldPath(pod, "app")).isEqualTo("spec.containers{app}");
        assertThat(PodSpecs.fieldPath(pod, "dbg")).isEqualTo("spec.ephemeralContainers{dbg}");
        Container dbg = PodSpecs.ephemeralContainers(pod).get(0);
        assertThat(dbg.getName()).isEqualTo("dbg");
        assertThat(dbg.getStdin()).isTrue();
        assertThat(dbg.getTty()).isTrue();
        assertThat(dbg.getCommand()).containsExactly("sh");
        assertThat(PodSpecs.ephemeralTarget(pod, "dbg")).isEqualTo("app");
        assertThat(PodSpecs.ephemeralTarget(pod, "app")).isNull();
    }

    @Test
    void resolvesValuesFieldRefsAndReferences() throws Exception {
        Container c = new ContainerBuilder().withName("c").withImage("i")
                .addNewEnv().withName("A").withValue("x").endEnv()
                .addNewEnv().withName("B").withValue("$(A)-$(MISSING)-$$(A)").endEnv()
                .addNewEnv().withName("NODE").withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("APP").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.labels['app']").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP")
                .endFieldRef().endValueFrom().endEnv().build();
        Map<String, String> env = new EnvResolver(null).resolve(POD, c, "100.64.9.5", "10.0.0.1");
        assertThat(env).containsExactly(Map.entry("A", "x"), Map.entry("B", "x-$(MISSING)-$(A)"),
                Map.entry("NODE", "n1"), Map.entry("APP", "web"), Map.entry("IP", "100.64.9.5"));
    }

    @Test
    void missingConfigMapIsAConfigError() {
        Container c = new ContainerBuilder().withName("c").withImage("i").addNewEnv().withName("X")
                .withNewValueFrom().withNewConfigMapKeyRef().withName("cm").withKey("k").endConfigMapKeyRef()
                .endValueFrom().endEnv().build();
        assertThatThrownBy(() -> new EnvResolver(null).resolve(POD, c, "", ""))
                .isInstanceOf(EnvResolver.ConfigError.class).hasMessageContaining("configmap \"cm\" not found");
    }

    @Test
    void qosClasses() {
        assertThat(PodSpecs.qosClass(withResources(Map.of(), Map.of()))).isEqualTo("BestEffort");
        Map<String, Quantity> both = Map.of("cpu", new Quantity("500m"), "memory", new Quantity("64Mi"));
        assertThat(PodSpecs.qosClass(withResources(both, both))).isEqualTo("Guaranteed");
        assertThat(PodSpecs.qosClass(withResources(Map.of(), both))).isEqualTo("Guaranteed");
        assertThat(PodSpecs.qosClass(withResources(Map.of("cpu", new Quantity("100m")), Map.of())))
                .isEqualTo("Burstable");
    }

    @Test
    void phases() {
        assertThat(PodStatuses.phase(List.of(view(null)), "Always", true, false)).isEqualTo("Pending");
        assertThat(PodStatuses.phase(List.of(view(ContainerState.RUNNING)), "Always", true, false)).isEqualTo("Running");
        assertThat(PodStatuses.phase(List.of(exited(0)), "Never", true, false)).isEqualTo("Succeeded");
        assertThat(PodStatuses.phase(List.of(exited(1)), "Never", true, false)).isEqualTo("Failed");
        assertThat(PodStatuses.phase(List.of(exited(1)), "OnFailure", true, false)).isEqualTo("Running");
        assertThat(PodStatuses.phase(List.of(exited(0)), "OnFailure", true, false)).isEqualTo("Succeeded");
        assertThat(PodStatuses.phase(List.of(exited(0)), "Always", true, false)).isEqualTo("Running");
        assertThat(PodStatuses.phase(List.of(view(null)), "Always", false, false)).isEqualTo("Pending");
        assertThat(PodStatuses.phase(List.of(view(null)), "Never", false, true)).isEqualTo("Failed");
    }

    @Test
    void crashLoopStatusKeepsTheLastRunAsLastState() {
        ContainerStatus last = status(ContainerState.EXITED, 1, 3);
        var s = PodStatuses.containerStatus(new ContainerView(new ContainerBuilder().withName("c").withImage("i").build(),
                false, last, null, new ContainerWaiting("CrashLoopBackOff", "back-off 20s")));
        assertThat(s.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
        assertThat(s.getLastState().getTerminated().getExitCode()).isEqualTo(1);
        assertThat(s.getLastState().getTerminated().getReason()).isEqualTo("Error");
        assertThat(s.getRestartCount()).isEqualTo(3);
        assertThat(s.getReady()).isFalse();
    }

    private static Pod withResources(Map<String, Quantity> requests, Map<String, Quantity> limits) {
        return new PodBuilder(POD).editSpec().addNewContainer().withName("c").withImage("i").withNewResources()
                .withRequests(requests).withLimits(limits).endResources().endContainer().endSpec().build();
    }

    private static ContainerView view(ContainerState state) {
        return new ContainerView(new ContainerBuilder().withName("c").withImage("i").build(), false,
                state == null ? null : status(state, 0, 0), null, null);
    }

    private static ContainerView exited(int code) {
        return new ContainerView(new ContainerBuilder().withName("c").withImage("i").build(), false,
                status(ContainerState.EXITED, code, 0), null, null);
    }

    private static ContainerStatus status(ContainerState state, int exitCode, int attempt) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new ContainerStatus("id" + attempt, "c", attempt, state, t, t, state == ContainerState.EXITED ? t : null,
                exitCode, "", "", "i", "sha256:x", Path.of("/tmp/x.log"), Map.of());
    }

    @Test
    void readinessGatesHoldReadyBackAndConditionsOfOthersStay() {
        Pod pod = new PodBuilder(POD).editSpec().addNewContainer().withName("app").withImage("i").endContainer()
                .addNewReadinessGate().withConditionType("example.com/lb").endReadinessGate().endSpec().build();
        Container app = pod.getSpec().getContainers().get(0);
        java.time.Clock clock = java.time.Clock.fixed(Instant.parse("2026-01-01T00:01:00Z"), java.time.ZoneOffset.UTC);
        List<ContainerView> running = List.of(new ContainerView(app, false, status(ContainerState.RUNNING, 0, 0), null,
                null));

        var missing = PodStatuses.build(pod, true, "100.64.0.9", "10.0.0.1", running, clock);
        assertThat(condition(missing, "ContainersReady").getStatus()).isEqualTo("True");
        assertThat(condition(missing, "Ready").getStatus()).isEqualTo("False");
        assertThat(condition(missing, "Ready").getReason()).isEqualTo("ReadinessGatesNotReady");
        assertThat(condition(missing, "Ready").getMessage())
                .isEqualTo("corresponding condition of pod readiness gate \"example.com/lb\" does not exist.");

        // Another controller writes the gate's condition, and a DisruptionTarget: both stay, and the gate decides.
        Pod withGate = new PodBuilder(pod).withStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder(missing)
                .addNewCondition().withType("example.com/lb").withStatus("False").endCondition()
                .addNewCondition().withType("DisruptionTarget").withStatus("True").withReason("PreemptionByScheduler")
                .endCondition().build()).build();
        var notYet = PodStatuses.build(withGate, true, "100.64.0.9", "10.0.0.1", running, clock);
        assertThat(condition(notYet, "Ready").getMessage())
                .isEqualTo("the status of pod readiness gate \"example.com/lb\" is not \"True\", but False");
        assertThat(condition(notYet, "DisruptionTarget").getReason()).isEqualTo("PreemptionByScheduler");
        withGate.getStatus().getConditions().stream().filter(c -> c.getType().equals("example.com/lb"))
                .forEach(c -> c.setStatus("True"));
        var passed = PodStatuses.build(withGate, true, "100.64.0.9", "10.0.0.1", running, clock);
        assertThat(condition(passed, "Ready").getStatus()).isEqualTo("True");
        assertThat(passed.getConditions()).extracting(io.fabric8.kubernetes.api.model.PodCondition::getType)
                .containsExactly("PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "PodScheduled",
                        "example.com/lb", "DisruptionTarget");

        // A retried write keeps what another controller added to the newer copy.
        var merged = PodStatuses.withForeignConditionsOf(missing, withGate.getStatus());
        assertThat(merged.getConditions()).extracting(io.fabric8.kubernetes.api.model.PodCondition::getType)
                .contains("Ready", "example.com/lb", "DisruptionTarget");
    }

    @Test
    void aSidecarCountsForInitializedAndReadyButNotForThePhase() {
        Pod pod = new PodBuilder(POD).editSpec().withRestartPolicy("Never").addNewInitContainer().withName("proxy")
                .withImage("i").withRestartPolicy("Always").endInitContainer().addNewContainer().withName("app")
                .withImage("i").endContainer().endSpec().build();
        Container proxy = pod.getSpec().getInitContainers().get(0);
        Container app = pod.getSpec().getContainers().get(0);
        java.time.Clock clock = java.time.Clock.fixed(Instant.parse("2026-01-01T00:01:00Z"), java.time.ZoneOffset.UTC);

        // The sidecar runs, its startup probe has not succeeded yet: not initialized, the app not created.
        var starting = PodStatuses.build(pod, true, "100.64.0.9", "10.0.0.1", List.of(
                new ContainerView(proxy, true, status(ContainerState.RUNNING, 0, 0), null, null,
                        new io.kaji.node.probe.ContainerHealth(false, false, null)),
                new ContainerView(app, false, null, null, null)), clock);
        assertThat(starting.getPhase()).isEqualTo("Pending");
        assertThat(condition(starting, "Initialized").getMessage())
                .isEqualTo("containers with incomplete status: [proxy]");
        assertThat(starting.getInitContainerStatuses().get(0).getStarted()).isFalse();
        assertThat(starting.getContainerStatuses().get(0).getState().getWaiting().getReason())
                .as("the kubelet's reason for a container not created in a pod with init containers")
                .isEqualTo("PodInitializing");

        // Started and running beside the app: initialized; Ready waits for the sidecar's readiness too.
        var running = PodStatuses.build(pod, true, "100.64.0.9", "10.0.0.1", List.of(
                new ContainerView(proxy, true, status(ContainerState.RUNNING, 0, 0), null, null,
                        new io.kaji.node.probe.ContainerHealth(true, false, null)),
                new ContainerView(app, false, status(ContainerState.RUNNING, 0, 0), null, null)), clock);
        assertThat(running.getPhase()).isEqualTo("Running");
        assertThat(condition(running, "Initialized").getStatus()).isEqualTo("True");
        assertThat(condition(running, "Ready").getMessage()).isEqualTo("containers with unready status: [proxy]");
        assertThat(running.getInitContainerStatuses().get(0).getState().getRunning()).isNotNull();

        // The app exited 0 and the sidecar was stopped (137): the pod succeeded, whatever the sidecar's exit code.
        var done = PodStatuses.build(pod, true, "100.64.0.9", "10.0.0.1", List.of(
                new ContainerView(proxy, true, status(ContainerState.EXITED, 137, 0), null, null),
                new ContainerView(app, false, status(ContainerState.EXITED, 0, 0), null, null)), clock);
        assertThat(done.getPhase()).isEqualTo("Succeeded");
        assertThat(condition(done, "Initialized").getStatus()).isEqualTo("True");
    }

    private static io.fabric8.kubernetes.api.model.PodCondition condition(io.fabric8.kubernetes.api.model.PodStatus s,
                                                                          String type) {
        return s.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void aRestartLeavesTheDeadInstancesTheContainerGcPolicyKeeps() {
        List<io.kaji.node.runtime.ContainerInfo> all = new java.util.ArrayList<>();
        for (int attempt = 0; attempt < 5; attempt++) {
            all.add(new io.kaji.node.runtime.ContainerInfo("app-" + attempt, "s", "app", attempt, "i", "",
                    ContainerState.EXITED, Instant.ofEpochSecond(attempt), Map.of()));
        }
        all.add(new io.kaji.node.runtime.ContainerInfo("side-0", "s", "side", 0, "i", "", ContainerState.EXITED,
                Instant.EPOCH, Map.of()));
        // Attempt 4 is the dead one being restarted: it stays for kubectl logs --previous.
        assertThat(PodSyncer.olderToRemove(all, "app", 4, 1)).extracting(io.kaji.node.runtime.ContainerInfo::id)
                .containsExactly("app-3", "app-2", "app-1", "app-0");
        assertThat(PodSyncer.olderToRemove(all, "app", 4, 0)).hasSize(4);
        assertThat(PodSyncer.olderToRemove(all, "app", 4, 3)).extracting(io.kaji.node.runtime.ContainerInfo::id)
                .containsExactly("app-1", "app-0");
        assertThat(PodSyncer.olderToRemove(all, "app", 4, 10)).isEmpty();
        assertThat(PodSyncer.olderToRemove(all, "app", 4, -1)).isEmpty();
    }

    @Test
    void sysctlsGoToTheSandboxWithSlashedNamesDotted() {
        Pod pod = new PodBuilder().withNewMetadata().withName("s").withNamespace("ns").withUid("u2").endMetadata()
                .withNewSpec().withNewSecurityContext()
                .addNewSysctl("net.ipv4.ip_unprivileged_port_start", "80")
                .addNewSysctl("kernel/shm_rmid_forced", "1")
                .addNewSysctl("net/ipv4/conf/eth0.100/rp_filter", "0")
                .endSecurityContext().endSpec().build();
        assertThat(PodSpecs.sysctls(pod)).containsExactly(
                Map.entry("net.ipv4.ip_unprivileged_port_start", "80"),
                Map.entry("kernel.shm_rmid_forced", "1"),
                Map.entry("net.ipv4.conf.eth0/100.rp_filter", "0"));
        assertThat(PodSpecs.sysctls(POD)).isEmpty();
    }
}
