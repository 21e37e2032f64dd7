package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.node.containerd.RuntimeHealth;
import io.kaji.node.runtime.PodLogs;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The agent endpoint's port: configured in AgentConfig, reported in the Node's daemonEndpoints. */
class KubeletPortTest {

    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void theNodeReportsTheActualPort() {
        AgentConfig config = AgentConfig.defaults("n1", "v0.1.0", new PodLogs(Path.of("/tmp/x")), Path.of("/tmp/i"),
                Path.of("/tmp/c"));
        assertThat(config.kubeletPort()).isEqualTo(10250);
        assertThat(config.withKubeletPort(0).kubeletPort()).isZero();
        assertThat(config.withKubeletPort(0).withBridgeName("b").kubeletPort()).isZero();
        HostInfo host = new HostInfo(2, 4L << 30, "192.0.2.2", "h1", "6.1.0", "Debian GNU/Linux 12 (bookworm)");
        NodeStatusReporter r = new NodeStatusReporter(null, config, host,
                () -> new RuntimeHealth(true, "ContainerdReady", "ok", T, 0), () -> "containerd://1.6.20", () -> true);
        assertThat(r.status(T).getDaemonEndpoints().getKubeletEndpoint().getPort()).isEqualTo(10250);
        r.kubeletPort(41234);
        assertThat(r.status(T).getDaemonEndpoints().getKubeletEndpoint().getPort()).isEqualTo(41234);
    }

    @Test
    void aPortOutOfRangeIsRefused() {
        AgentConfig config = AgentConfig.defaults("n1", "v0.1.0", new PodLogs(Path.of("/tmp/x")), Path.of("/tmp/i"),
                Path.of("/tmp/c"));
        assertThatThrownBy(() -> config.withKubeletPort(70000)).hasMessageContaining("kubeletPort 70000");
    }
}
