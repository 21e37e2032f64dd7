package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SimulatedRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's admission of the pods bound to it: a pod asking for a sysctl the node does not allow
 * ({@link NodeAgent#sysctls}) is failed with reason SysctlForbidden and never started, one the node allows runs; a
 * pod whose requests do not fit beside those admitted before it is failed with reason OutOfcpu; one whose node selector
 * the node does not match (NodeAffinity), whose host port another pod holds (NodePorts) or that does not tolerate
 * the node's NoExecute taint (TaintToleration) is failed likewise. A pod asking for an AppArmor profile on a host
 * that cannot enforce AppArmor is failed with reason AppArmor; one asking for a user namespace, which the node's
 * runtime cannot give, stays Pending with FailedCreatePodSandBox events.
 */
class PodAdmissionTest {

    private static final String NODE = "sysctl-node";

    @TempDir
    Path dir;

    private static Pod pod(String name, String sysctl) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withNodeName(NODE)
                .withNewSecurityContext().withSysctls(new Sysctl(sysctl, "1024")).endSecurityContext()
                .addNewContainer().withName("app").withImage("busybox").endContainer().endSpec().build();
    }

    @Test
    void aPodWithASysctlTheNodeDoesNotAllowIsRejectedAndNeverStarted() throws Exception {
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient client = api.newKubernetesClient()) {
            client.namespaces().withName("default").edit(n -> {
                n.getMetadata().getLabels().put("pod-security.kubernetes.io/enforce", "privileged");
                return n;
            });
            Pod forbidden = client.pods().inNamespace("default").resource(pod("queues", "kernel.msgmax")).create();
            Pod allowed = client.pods().inNamespace("default").resource(pod("shm", "kernel.shm_rmid_forced")).create();
            Pod extra = client.pods().inNamespace("default").resource(pod("backlog", "net.core.somaxconn")).create();
            SimulatedRuntime runtime = new SimulatedRuntime(Clock.systemUTC(), 7);
            NodeAgent agent = startAgent(client, runtime, "100.64.98.0/24", Map.of(),
                    a -> a.sysctls(SysctlAllowlist.allowing(List.of("net.core.somaxconn"))));
            try {
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    Pod p = client.pods().inNamespace("default").withName("queues").get();
                    assertThat(p.getStatus().getPhase()).isEqualTo("Failed");
                    assertThat(p.getStatus().getReason()).isEqualTo("SysctlForbidden");
                    assertThat(p.getStatus().getMessage())
                            .isEqualTo("Pod was rejected: forbidden sysctl: \"kernel.msgmax\" not allowlisted");
                });
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertThat(client.pods().inNamespace("default").withName("shm").get().getStatus().getPhase())
                            .isEqualTo("Running");
                    assertThat(client.pods().inNamespace("default").withName("backlog").get().getStatus()
                            .getPhase()).isEqualTo("Running");
                });
                assertThat(runtime.listSandboxes(KajiLabels.forPod(ref(forbidden)))).isEmpty();
                assertThat(runtime.listSandboxes(KajiLabels.forPod(ref(allowed)))).hasSize(1);
                assertThat(runtime.listSandboxes(KajiLabels.forPod(ref(extra)))).hasSize(1);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events()
                        .inNamespace("default").list().getItems()).anySatisfy(e -> {
                            assertThat(e.getInvolvedObject().getName()).isEqualTo("queues");
                            assertThat(e.getReason()).isEqualTo("SysctlForbidden");
                            assertThat(e.getType()).isEqualTo("Warning");
                        }));
            } finally {
                agent.close();
            }
        }
    }

    @Test
    void aPodThatDoesNotFitBesideTheAdmittedOnesIsRejectedOutOfCpu() throws Exception {
        long cpuMillis = Runtime.getRuntime().availableProcessors() * 1000L;
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient client = api.newKubernetesClient()) {
            SimulatedRuntime runtime = new SimulatedRuntime(Clock.systemUTC(), 7);
            NodeAgent agent = startAgent(client, runtime, "100.64.97.0/24", Map.of(), a -> a);
            try {
                String sixty = (cpuMillis * 6 / 10) + "m";
                client.pods().inNamespace("default").resource(cpuPod("first", sixty)).create();
                await().atMost(Duration.ofSeconds(20)).until(() -> "Running".equals(
                        client.pods().inNamespace("default").withName("first").get().getStatus().getPhase()));
                Pod second = client.pods().inNamespace("default").resource(cpuPod("second", sixty)).create();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    Pod p = client.pods().inNamespace("default").withName("second").get();
                    assertThat(p.getStatus().getPhase()).isEqualTo("Failed");
                    assertThat(p.getStatus().getReason()).isEqualTo("OutOfcpu");
                    assertThat(p.getStatus().getMessage()).isEqualTo("Pod was rejected: Node didn't have enough"
                            + " resource: cpu, requested: " + cpuMillis * 6 / 10 + ", used: " + cpuMillis * 6 / 10
                            + ", capacity: " + cpuMillis);
                });
                assertThat(runtime.listSandboxes(KajiLabels.forPod(ref(second)))).isEmpty();
                // Once the first pod is gone, the same request fits.
                client.pods().inNamespace("default").withName("first").withGracePeriod(0).delete();
                await().atMost(Duration.ofSeconds(20)).until(
                        () -> client.pods().inNamespace("default").withName("first").get() == null);
                client.pods().inNamespace("default").resource(cpuPod("third", sixty)).create();
                await().atMost(Duration.ofSeconds(20)).until(() -> "Running".equals(
                        client.pods().inNamespace("default").withName("third").get().getStatus().getPhase()));
            } finally {
                agent.close();
            }
        }
    }

    @Test
    void aPodTheNodeDoesNotMatchWhoseHostPortIsTakenOrThatDoesNotTolerateANoExecuteTaintIsRejected()
            throws Exception {
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient client = api.newKubernetesClient()) {
            client.namespaces().withName("default").edit(n -> {
                n.getMetadata().getLabels().put("pod-security.kubernetes.io/enforce", "privileged");
                return n;
            });
            SimulatedRuntime runtime = new SimulatedRuntime(Clock.systemUTC(), 7);
            NodeAgent agent = startAgent(client, runtime, "100.64.99.0/24", Map.of("disk", "ssd"), a -> a);
            try {
                client.pods().inNamespace("default").resource(plain("ssd").editSpec()
                        .addToNodeSelector("disk", "ssd").endSpec().build()).create();
                client.pods().inNamespace("default").resource(plain("gpu").editSpec()
                        .addToNodeSelector("accelerator", "gpu").endSpec().build()).create();
                client.pods().inNamespace("default").resource(plain("port-a").editSpec().editFirstContainer()
                        .addNewPort().withContainerPort(80).withHostPort(8080).endPort().endContainer().endSpec()
                        .build()).create();
                await().atMost(Duration.ofSeconds(20)).until(() -> "Running".equals(phase(client, "port-a"))
                        && "Running".equals(phase(client, "ssd")));
                client.pods().inNamespace("default").resource(plain("port-b").editSpec().editFirstContainer()
                        .addNewPort().withContainerPort(81).withHostPort(8080).withHostIP("127.0.0.1").endPort()
                        .endContainer().endSpec().build()).create();
                client.pods().inNamespace("default").resource(plain("port-udp").editSpec().editFirstContainer()
                        .addNewPort().withContainerPort(80).withHostPort(8080).withProtocol("UDP").endPort()
                        .endContainer().endSpec().build()).create();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertRejected(client, "gpu", "NodeAffinity",
                            "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector");
                    assertRejected(client, "port-b", "NodePorts",
                            "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports");
                    assertThat(phase(client, "port-udp")).as("another protocol").isEqualTo("Running");
                });

                client.nodes().withName(NODE).edit(n -> {
                    n.getSpec().setTaints(List.of(new io.fabric8.kubernetes.api.model.Taint("NoExecute", "drain",
                            null, "now")));
                    return n;
                });
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    var taints = client.nodes().withName(NODE).get().getSpec().getTaints();
                    return taints != null && !taints.isEmpty();
                });
                Thread.sleep(500); // the agent's watch of its Node
                client.pods().inNamespace("default").resource(plain("untolerating").build()).create();
                client.pods().inNamespace("default").resource(plain("tolerating").editSpec().addNewToleration()
                        .withKey("drain").withOperator("Exists").withEffect("NoExecute").endToleration().endSpec()
                        .build()).create();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertRejected(client, "untolerating", "TaintToleration",
                            "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate");
                    assertThat(phase(client, "tolerating")).isEqualTo("Running");
                });
            } finally {
                agent.close();
            }
        }
    }

    @Test
    void aPodAskingForAppArmorIsRejectedWhereTheHostCannotEnforceIt() throws Exception {
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient client = api.newKubernetesClient()) {
            SimulatedRuntime runtime = new SimulatedRuntime(Clock.systemUTC(), 7);
            NodeAgent agent = startAgent(client, runtime, "100.64.96.0/24", Map.of(),
                    a -> a.appArmorHost(java.util.Optional.of("AppArmor is not enabled on the host")));
            try {
                Pod confined = client.pods().inNamespace("default").resource(plain("confined").editSpec()
                        .editFirstContainer().withNewSecurityContext().withNewAppArmorProfile()
                        .withType("RuntimeDefault").endAppArmorProfile().endSecurityContext().endContainer().endSpec()
                        .build()).create();
                client.pods().inNamespace("default").resource(plain("no-profile").build()).create();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertRejected(client, "confined",
                        "AppArmor", "Cannot enforce AppArmor: AppArmor is not enabled on the host"));
                await().atMost(Duration.ofSeconds(20)).until(() -> "Running".equals(phase(client, "no-profile")));
                assertThat(runtime.listSandboxes(KajiLabels.forPod(ref(confined)))).isEmpty();
            } finally {
                agent.close();
            }
        }
    }

    @Test
    void aPodInAUserNamespaceStaysPendingWithTheSandboxFailureInItsEvents() throws Exception {
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient client = api.newKubernetesClient()) {
            SimulatedRuntime runtime = new SimulatedRuntime(Clock.systemUTC(), 7);
            NodeAgent agent = startAgent(client, runtime, "100.64.95.0/24", Map.of(), a -> a);
            try {
                Pod userns = client.pods().inNamespace("default").resource(plain("userns").editSpec()
                        .withHostUsers(false).endSpec().build()).create();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    Pod p = client.pods().inNamespace("default").withName("userns").get();
                    assertThat(p.getStatus().getPhase()).isEqualTo("Pending");
                    assertThat(p.getStatus().getContainerStatuses()).singleElement().satisfies(cs -> assertThat(
                            cs.getState().getWaiting().getReason()).isEqualTo("ContainerCreating"));
                    assertThat(p.getStatus().getConditions()).anySatisfy(c -> {
                        assertThat(c.getType()).isEqualTo("PodReadyToStartContainers");
                        assertThat(c.getStatus()).isEqualTo("False");
                    });
                });
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events()
                        .inNamespace("default").list().getItems()).anySatisfy(e -> {
                            assertThat(e.getInvolvedObject().getName()).isEqualTo("userns");
                            assertThat(e.getReason()).isEqualTo("FailedCreatePodSandBox");
                            assertThat(e.getType()).isEqualTo("Warning");
                            assertThat(e.getMessage()).startsWith("Failed to create pod sandbox: RuntimeClass "
                                    + "handler \"\" does not support user namespaces");
                        }));
                assertThat(runtime.listSandboxes(KajiLabels.forPod(ref(userns))))
                        .as("never run in the host's user namespace instead").isEmpty();
                // The same node runs the pod without it.
                client.pods().inNamespace("default").resource(plain("host-users").build()).create();
                await().atMost(Duration.ofSeconds(20)).until(() -> "Running".equals(phase(client, "host-users")));
            } finally {
                agent.close();
            }
        }
    }

    /**
     * An agent of node {@link #NODE} on {@code runtime}, customized and started; its Node gets {@code podCidr} (as the
     * node IPAM controller would give it) and {@code labels}.
     */
    private NodeAgent startAgent(KubernetesClient client, SimulatedRuntime runtime, String podCidr,
                                 Map<String, String> labels, java.util.function.UnaryOperator<NodeAgent> customize) {
        AgentConfig config = AgentConfig.defaults(NODE, "v1.34.0-kaji-test", new PodLogs(dir.resolve("pods")),
                dir.resolve("ipam"), dir.resolve("cni")).withBridgeName(null).withKubeletPort(0);
        NodeAgent agent = customize.apply(new NodeAgent(client, runtime, NodeAgent.probing(runtime,
                Clock.systemUTC()), config, HostInfo.detect()));
        agent.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.nodes().withName(NODE).get() != null);
        client.nodes().withName(NODE).edit(n -> {
            n.getSpec().setPodCIDR(podCidr);
            n.getMetadata().getLabels().putAll(labels);
            return n;
        });
        return agent;
    }

    private static PodBuilder plain(String name) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withNodeName(NODE)
                .addNewContainer().withName("app").withImage("busybox").endContainer().endSpec();
    }

    private static String phase(KubernetesClient client, String name) {
        Pod p = client.pods().inNamespace("default").withName(name).get();
        return p == null || p.getStatus() == null ? null : p.getStatus().getPhase();
    }

    private static void assertRejected(KubernetesClient client, String name, String reason, String message) {
        Pod p = client.pods().inNamespace("default").withName(name).get();
        assertThat(p.getStatus().getPhase()).as(name).isEqualTo("Failed");
        assertThat(p.getStatus().getReason()).as(name).isEqualTo(reason);
        assertThat(p.getStatus().getMessage()).as(name).isEqualTo("Pod was rejected: " + message);
    }

    private static Pod cpuPod(String name, String cpu) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withNodeName(NODE)
                .addNewContainer().withName("app").withImage("busybox").withNewResources()
                .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity(cpu)).endResources().endContainer()
                .endSpec().build();
    }

    private static PodRef ref(Pod p) {
        return new PodRef("default", p.getMetadata().getName(), p.getMetadata().getUid());
    }
}
