package io.kaji.netpol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CidrsTest {

    @Test
    void parsesAddressesAndBlocksClearingHostBits() {
        assertThat(Cidrs.parse("10.1.2.3").toString()).isEqualTo("10.1.2.3");
        assertThat(Cidrs.parse("10.1.2.3/24").toString()).isEqualTo("10.1.2.0/24");
        assertThat(Cidrs.parse("0.0.0.0/0").size()).isEqualTo(1L << 32);
        assertThat(Cidrs.isIpv4("fd00::1")).isFalse();
        assertThat(Cidrs.isIpv4("10.1.2.256")).isFalse();
        assertThatThrownBy(() -> Cidrs.parse("10.0.0.0/33")).hasMessageContaining("10.0.0.0/33");
    }

    @Test
    void subtractsExceptsIntoAlignedBlocks() {
        var block = Cidrs.parse("10.0.0.0/24");
        assertThat(Cidrs.subtract(block, List.of(Cidrs.parse("10.0.0.128/25"))).toString())
                .isEqualTo("[10.0.0.0/25]");
        assertThat(Cidrs.subtract(block, List.of(Cidrs.parse("10.0.0.16/28"))).toString())
                .isEqualTo("[10.0.0.0/28, 10.0.0.32/27, 10.0.0.64/26, 10.0.0.128/25]");
        assertThat(Cidrs.subtract(block, List.of(Cidrs.parse("10.0.0.0/16")))).isEmpty();
        assertThat(Cidrs.subtract(block, List.of(Cidrs.parse("192.168.0.0/16")))).containsExactly(block);
    }

    @Test
    void subtractionCoversExactlyTheRemainingAddresses() {
        var block = Cidrs.parse("100.64.0.0/20");
        var except = List.of(Cidrs.parse("100.64.3.7"), Cidrs.parse("100.64.8.0/22"), Cidrs.parse("100.64.8.0/24"));
        var parts = Cidrs.subtract(block, except);
        for (long ip = block.base(); ip <= block.last(); ip++) {
            long a = ip;
            boolean excluded = except.stream().anyMatch(e -> e.contains(a));
            assertThat(parts.stream().filter(b -> b.contains(a)).count()).isEqualTo(excluded ? 0 : 1);
        }
    }
}
