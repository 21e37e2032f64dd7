package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import io.kaji.node.containergc.ContainerGcPolicy;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxSpec;
import io.kaji.node.runtime.SimulatedRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent runs container garbage collection when asked to ({@link NodeAgent#containerGc}), once its pod workers
 * run: dead instances the workers leave (here: a pod that does not restart, found with three dead instances of its
 * container, as after an agent crash) go down to the newest and the policy's one dead instance before it.
 */
class AgentContainerGcWiringTest {

    private static final String NODE = "cgc-node";

    @TempDir
    Path dir;

    @Test
    void theAgentRemovesDeadInstancesBeyondThePolicyOncePodsAreSynced() throws Exception {
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient client = api.newKubernetesClient()) {
            Pod pod = client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata()
                    .withName("once").endMetadata().withNewSpec().withNodeName(NODE).withRestartPolicy("Never")
                    .addNewContainer().withName("app").withImage("busybox").endContainer().endSpec().build())
                    .create();
            PodLogs logs = new PodLogs(dir.resolve("pods"));
            SimulatedRuntime runtime = new SimulatedRuntime(Clock.systemUTC(), 7);
            PodRef ref = new PodRef("default", "once", pod.getMetadata().getUid());
            SandboxSpec sandbox = SandboxSpec.builder(ref).logDirectory(logs.podDirectory(ref)).build();
            String sandboxId = runtime.runSandbox(sandbox);
            for (int attempt = 0; attempt < 3; attempt++) {
                String id = runtime.createContainer(sandboxId, sandbox,
                        ContainerSpec.builder("app", "busybox").attempt(attempt).build());
                runtime.startContainer(id);
                runtime.stopContainer(id, Duration.ZERO);
            }

            AgentConfig config = AgentConfig.defaults(NODE, "v1.34.0-kaji-test", logs, dir.resolve("ipam"),
                    dir.resolve("cni")).withBridgeName(null).withKubeletPort(0);
            NodeAgent agent = new NodeAgent(client, runtime, NodeAgent.probing(runtime, Clock.systemUTC()), config,
                    HostInfo.detect()).containerGc(ContainerGcPolicy.defaults().withPeriod(Duration.ofMillis(200)));
            try {
                agent.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> client.nodes().withName(NODE).get() != null);
                client.nodes().withName(NODE).edit(n -> {
                    n.getSpec().setPodCIDR("100.64.99.0/24");
                    return n;
                });
                assertThat(agent.awaitPodsStarted(Duration.ofSeconds(20))).isTrue();
                assertThat(agent.containerGarbageCollector()).isNotNull();

                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                        runtime.listContainers(KajiLabels.forPod(ref))).extracting(ContainerInfo::attempt)
                        .containsExactlyInAnyOrder(1, 2));
                assertThat(runtime.listSandboxes(KajiLabels.forPod(ref))).hasSize(1);
            } finally {
                agent.close();
            }
        }
    }
}
