package io.kaji.node.cni;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PodRoutesTest {

    private static Node node(String name, String podCidr, String ip) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withPodCIDR(podCidr).endSpec();
        if (ip != null) {
            b.withNewStatus().addNewAddress().withType("Hostname").withAddress(name).endAddress()
                    .addNewAddress().withType("InternalIP").withAddress(ip).endAddress().endStatus();
        }
        return b.build();
    }

    @Test
    void routesToOtherMachinesNodesViaTheirAddressAndUnreachableForTheRest() {
        List<PodRoutes.Route> routes = PodRoutes.desired(List.of(
                node("c", "100.64.42.0/24", "192.0.2.30"),
                node("a", "100.64.40.0/24", "192.0.2.10"),
                node("b", "100.64.41.0/24", "192.0.2.20"),
                node("d", null, "192.0.2.40"),
                node("e", "100.64.44.0/24", null),
                node("f", "100.64.45.0/24", "192.0.2.10")),
                "a", "100.64.40.0/21", Set.of("127.0.0.1", "192.0.2.10"));
        assertThat(routes).containsExactly(
                new PodRoutes.Route("100.64.40.0/21", null),
                new PodRoutes.Route("100.64.41.0/24", "192.0.2.20"),
                new PodRoutes.Route("100.64.42.0/24", "192.0.2.30"));
        // d has no podCIDR yet, e no address yet, f runs on this machine (its bridge's connected route reaches it).
    }

    @Test
    void badPodCidrsAreSkipped() {
        assertThat(PodRoutes.desired(List.of(node("x", "garbage", "192.0.2.50")), "a", "100.64.40.0/21", Set.of()))
                .containsExactly(new PodRoutes.Route("100.64.40.0/21", null));
    }

    @Test
    void parsesIpJsonOutput() {
        var routes = PodRoutes.parse("[{\"type\":\"unreachable\",\"dst\":\"100.64.40.0/21\",\"protocol\":\"75\","
                + "\"flags\":[]},{\"dst\":\"100.64.41.0/24\",\"gateway\":\"192.0.2.20\",\"dev\":\"eth0\","
                + "\"protocol\":\"75\",\"flags\":[]},{\"dst\":\"100.64.47.7\",\"gateway\":\"192.0.2.21\"}]");
        assertThat(routes).containsOnlyKeys("100.64.40.0/21", "100.64.41.0/24", "100.64.47.7/32");
        assertThat(routes.get("100.64.40.0/21").unreachable()).isTrue();
        assertThat(routes.get("100.64.41.0/24").gateway()).isEqualTo("192.0.2.20");
        assertThat(PodRoutes.parse("")).isEmpty();
    }

    @Test
    void cidrContainment() {
        assertThat(BridgeNetwork.contains("100.64.40.0/21", "100.64.47.0/24")).isTrue();
        assertThat(BridgeNetwork.contains("100.64.40.0/21", "100.64.48.0/24")).isFalse();
        assertThat(BridgeNetwork.contains("100.64.40.0/21", "100.64.40.0/16")).isFalse();
        assertThat(BridgeNetwork.contains("100.64.40.0/21", "100.64.41.9")).isTrue();
        assertThat(BridgeNetwork.normalize("100.64.40.0/21")).isEqualTo("100.64.40.0/21");
    }
}
