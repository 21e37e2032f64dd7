package io.kaji.netpol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyOptionsTest {

    @Test
    void defaults() {
        PolicyOptions o = PolicyOptions.defaults("n1", "N001", List.of("10.42.0.1", "192.168.5.0/24"));
        assertThat(o.minSyncPeriod()).isEqualTo(Duration.ofMillis(100));
        assertThat(o.resyncPeriod()).isEqualTo(Duration.ofSeconds(30));
        assertThat(new ChainNames(o.chainTag()).top()).isEqualTo("KAJI-N001-NP-FWD");
    }

    @Test
    void rejectsWhatWouldBreakChainNamesOrRules() {
        assertThatThrownBy(() -> PolicyOptions.defaults("n1", "n001", List.of()))
                .hasMessage("network policy: chainTag must be 4 characters [A-Z0-9], got \"n001\"");
        assertThatThrownBy(() -> PolicyOptions.defaults("n1", "N0010", List.of()))
                .hasMessageContaining("chainTag");
        assertThatThrownBy(() -> PolicyOptions.defaults("n1", "N001", List.of("node-1")))
                .hasMessage("network policy: node address \"node-1\" is not an IP address or CIDR");
        assertThat(PolicyOptions.defaults("n1", "N001", List.of("fd00::1", "10.0.0.1")).nodeAddresses())
                .as("IPv6 accepted (and ignored by the rules)").hasSize(2);
        assertThatThrownBy(() -> PolicyOptions.defaults(" ", "N001", List.of()))
                .hasMessage("network policy: nodeName is required");
        assertThatThrownBy(() -> new PolicyOptions("n1", "N001", List.of(), Duration.ZERO, Duration.ZERO))
                .hasMessage("network policy: resyncPeriod must be > 0");
    }

    @Test
    void everyChainNameIsOwnedAndFitsTheKernelLimit() {
        ChainNames names = new ChainNames("ZZ99");
        for (String c : List.of(names.top(), names.ingress("x"), names.egress("a much longer content string"))) {
            assertThat(c).startsWith("KAJI-ZZ99-NP").hasSizeLessThanOrEqualTo(ChainNames.MAX_LENGTH);
            assertThat(names.owns(c)).isTrue();
        }
        assertThat(names.ingress("x")).isNotEqualTo(names.ingress("y")).hasSize(28);
        assertThat(names.owns("KAJI-ZZ99-SVC-ABC")).as("the proxy's chains").isFalse();
    }
}
