package io.kaji.scheduler.plugins.nodeports;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodePortsTest {

    private static Pod withPort(String name, String ip, String protocol, int port) {
        return Fixtures.pod(name, null, null).editSpec().editFirstContainer().addNewPort().withContainerPort(80)
                .withHostIP(ip).withProtocol(protocol).withHostPort(port).endPort().endContainer().endSpec().build();
    }

    @ParameterizedTest(name = "wants {0}:{1}/{2} while 8080/TCP on 10.0.0.1 is used -> fits={3}")
    @CsvSource({
            "'', 8080, TCP, false",        // all addresses overlap with 10.0.0.1
            "10.0.0.1, 8080, TCP, false",
            "10.0.0.2, 8080, TCP, true",   // another address
            "10.0.0.1, 8080, UDP, true",   // another protocol
            "'', 9090, TCP, true"})
    void hostPortsMustBeFree(String ip, int port, String protocol, boolean fits) {
        NodeInfo node = NodeInfo.of(Fixtures.node("n1"), Fixtures.on(withPort("used", "10.0.0.1", "TCP", 8080), "n1"));
        Pod pod = withPort("p", ip, protocol, port);
        NodePorts plugin = new NodePorts();
        CycleState state = new CycleState(Snapshot.of(node));
        assertThat(plugin.preFilter(state, pod).isSuccess()).isTrue();
        Status s = plugin.filter(state, pod, node);
        assertThat(s.isSuccess()).isEqualTo(fits);
        if (!fits) {
            assertThat(s.reasons()).containsExactly("node(s) didn't have free ports for the requested pod ports");
        }
    }
}
