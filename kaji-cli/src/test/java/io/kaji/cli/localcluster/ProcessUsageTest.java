package io.kaji.cli.localcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessUsageTest {

    @Test
    void cpuTicksAreUtimePlusStimeEvenWithSpacesInTheName() {
        String stat = "4242 (java (kaji) x) S 1 4242 4242 0 -1 4194560 9000 0 12 0 731 95 0 0 20 0 40 0 123 456 789";
        assertThat(ProcessUsage.cpuTicks(stat)).isEqualTo(731 + 95);
    }

    @Test
    void statusFieldReadsKib() {
        assertThat(ProcessUsage.statusField(List.of("VmPeak:\t  500 kB", "VmRSS:\t  123456 kB"), "VmRSS:"))
                .isEqualTo(123456);
        assertThatThrownBy(() -> ProcessUsage.statusField(List.of("Name: x"), "VmRSS:"))
                .hasMessage("no VmRSS: line");
    }

    @Test
    void thisProcessUsesMemoryAndCpu() throws Exception {
        ProcessUsage u = ProcessUsage.of(ProcessHandle.current().pid());
        assertThat(u.rssKib()).isGreaterThan(10_000);
        assertThat(u.pssKib()).isGreaterThan(0).isLessThanOrEqualTo(u.rssKib());
        assertThat(u.cpuTicks()).isPositive();
    }
}
