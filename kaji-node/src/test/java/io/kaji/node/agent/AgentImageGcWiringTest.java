package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import io.kaji.node.imagegc.ImageFilesystem;
import io.kaji.node.imagegc.ImageGcPolicy;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.SimulatedRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent runs image garbage collection when asked to ({@link NodeAgent#imageGc}): at start, with the Node's
 * events going to the API. A full image file system with nothing to remove is the kubelet's FreeDiskSpaceFailed.
 */
class AgentImageGcWiringTest {

    @TempDir
    Path dir;

    @Test
    void theAgentCollectsAtStartAndWarnsOnTheNode() throws Exception {
        try (TestServer api = TestServer.start(dir.resolve("api"));
             KubernetesClient client = api.newKubernetesClient()) {
            AgentConfig config = AgentConfig.defaults("gc-node", "v1.34.0-kaji-test", new PodLogs(dir.resolve("pods")),
                    dir.resolve("ipam"), dir.resolve("cni")).withBridgeName(null).withKubeletPort(0);
            SimulatedRuntime runtime = new SimulatedRuntime(Clock.systemUTC(), 1);
            NodeAgent agent = new NodeAgent(client, runtime, NodeAgent.probing(runtime, Clock.systemUTC()), config,
                    HostInfo.detect())
                    .imageGc(ImageGcPolicy.defaults(), () -> new ImageFilesystem.Usage(1000, 50));
            try {
                assertThat(agent.imageGarbageCollector()).isNull();
                agent.start();
                assertThat(agent.imageGarbageCollector()).isNotNull();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(client.v1().events()
                        .inNamespace("default").list().getItems()).anySatisfy(e -> {
                            assertThat(e.getReason()).isEqualTo("FreeDiskSpaceFailed");
                            assertThat(e.getInvolvedObject().getName()).isEqualTo("gc-node");
                            assertThat(e.getSource().getComponent()).isEqualTo("kubelet");
                            assertThat(e.getMessage()).isEqualTo("Failed to garbage collect required amount of "
                                    + "images. Attempted to free 150 bytes, but only found 0 bytes eligible to free.");
                        }));
            } finally {
                agent.close();
            }
        }
    }
}
