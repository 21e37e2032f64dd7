package io.kaji.node.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

class BridgeNetworkTest {

    private final BridgeNetwork net = new BridgeNetwork("n1-net", "kaji-n1", "100.64.7.0/24",
            Path.of("/var/lib/kaji/n1/ipam"));

    @Test
    void conflistHasBridgeWithHostLocalIpamPortmapAndFirewall() throws Exception {
        JsonNode c = new ObjectMapper().readTree(net.toConflist());
        assertThat(c.at("/cniVersion").asString()).isEqualTo("1.0.0");
        assertThat(c.at("/name").asString()).isEqualTo("n1-net");
        assertThat(c.at("/plugins")).hasSize(3);
        JsonNode bridge = c.at("/plugins/0");
        assertThat(bridge.at("/type").asString()).isEqualTo("bridge");
        assertThat(bridge.at("/bridge").asString()).isEqualTo("kaji-n1");
        assertThat(bridge.at("/isGateway").asBoolean()).isTrue();
        assertThat(bridge.at("/ipMasq").isBoolean()).isTrue();
        assertThat(bridge.at("/ipMasq").asBoolean()).isFalse();
        assertThat(bridge.at("/hairpinMode").asBoolean()).isTrue();
        assertThat(bridge.at("/ipam/type").asString()).isEqualTo("host-local");
        assertThat(bridge.at("/ipam/dataDir").asString()).isEqualTo("/var/lib/kaji/n1/ipam");
        assertThat(bridge.at("/ipam/ranges/0/0/subnet").asString()).isEqualTo("100.64.7.0/24");
        assertThat(bridge.at("/ipam/ranges/0/0/gateway").asString()).isEqualTo("100.64.7.1");
        assertThat(bridge.at("/ipam/routes/0/dst").asString()).isEqualTo("0.0.0.0/0");
        assertThat(c.at("/plugins/1/type").asString()).isEqualTo("portmap");
        assertThat(c.at("/plugins/1/capabilities/portMappings").asBoolean()).isTrue();
        assertThat(c.at("/plugins/2/type").asString()).isEqualTo("firewall");
    }

    @ParameterizedTest
    @CsvSource({"100.64.7.0/24,100.64.7.1", "100.64.0.0/16,100.64.0.1", "100.127.255.252/30,100.127.255.253"})
    void gatewayIsTheFirstAddress(String cidr, String gateway) {
        assertThat(new BridgeNetwork("n", "b", cidr, Path.of("/x")).gateway()).isEqualTo(gateway);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "100.64.7.1/24|host bits set", "100.64.7.0|look like", "100.64.7.0/31|/8 to /30",
            "100.64.700.0/24|not a valid address", "fd00::/64|IPv4"})
    void rejectsBadCidrsNamingThem(String cidr, String why) {
        assertThatThrownBy(() -> new BridgeNetwork("n", "b", cidr, Path.of("/x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(why).hasMessageContaining(cidr);
    }

    @Test
    void rejectsBridgeNamesLinuxRefuses() {
        assertThatThrownBy(() -> new BridgeNetwork("n", "a-bridge-name-too-long", "100.64.7.0/24", Path.of("/x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1-15 characters");
    }

    @Test
    void writesTheConflistAndIpamDir(@TempDir Path dir) throws Exception {
        BridgeNetwork n = new BridgeNetwork("n", "b", "100.64.7.0/24", dir.resolve("ipam"));
        Path file = n.writeTo(dir.resolve("cni"));
        assertThat(file.getFileName().toString()).isEqualTo(BridgeNetwork.FILE_NAME);
        assertThat(Files.readString(file)).isEqualTo(n.toConflist());
        assertThat(dir.resolve("ipam")).isDirectory();
        try (var files = Files.list(dir.resolve("cni"))) {
            assertThat(files).hasSize(1);
        }
    }
}
