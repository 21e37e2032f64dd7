package io.kaji.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code kaji down} removes: one node's chains (or all of Kaji's) and the jumps to them, nothing else. */
class KajiIptablesTest {

    private static final List<String> SAVED = List.of("*filter", ":INPUT ACCEPT [0:0]", ":DOCKER - [0:0]",
            ":KAJI-AB12-FIREWALL - [0:0]", ":KAJI-ZZ99-FIREWALL - [0:0]", "-A INPUT -j KAJI-AB12-FIREWALL",
            "-A INPUT -j KAJI-ZZ99-FIREWALL", "-A INPUT -j DOCKER", "-A KAJI-AB12-FIREWALL -j DROP", "COMMIT");

    @Test
    void oneNodesPrefixSelectsOnlyItsChainsAndTheJumpsToThem() {
        assertThat(Iptables.chains(SAVED, c -> c.startsWith("KAJI-AB12-"))).containsExactly("KAJI-AB12-FIREWALL");
        assertThat(Iptables.jumpsInto(SAVED, c -> c.startsWith("KAJI-AB12-")))
                .containsExactly("-A INPUT -j KAJI-AB12-FIREWALL");
        assertThat(Iptables.chains(SAVED, c -> c.startsWith(ChainNames.PREFIX)))
                .containsExactlyInAnyOrder("KAJI-AB12-FIREWALL", "KAJI-ZZ99-FIREWALL");
    }

    @Test
    void onlyKajisChainsMayBeRemoved() {
        assertThatThrownBy(() -> KajiIptables.removeWithPrefix("DOCKER")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only Kaji's chains");
    }
}
