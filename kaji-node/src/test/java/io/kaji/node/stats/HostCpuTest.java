package io.kaji.node.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostCpuTest {

    @Test
    void idleAndIowaitAreNotBusyAndGuestFieldsAreIgnored() {
        // user nice system idle iowait irq softirq steal guest guest_nice
        HostCpu cpu = HostCpu.parse("cpu  100 5 50 1000 20 3 2 1 40 0");
        assertThat(cpu.busyTicks()).isEqualTo(100 + 5 + 50 + 3 + 2 + 1);
        assertThat(cpu.totalTicks()).isEqualTo(161 + 1000 + 20);
    }

    @Test
    void theAggregateLineIsFoundAmongThePerCpuOnes() {
        assertThat(HostCpu.of(List.of("cpu0 1 1 1 1 1 1 1 1", "cpu  2 0 0 8 0 0 0 0", "intr 5")))
                .isEqualTo(new HostCpu(2, 10));
        assertThat(HostCpu.of(List.of("intr 5"))).isNull();
    }
}
