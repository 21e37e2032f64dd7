package io.kaji.cli.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuMeterTest {

    @Test
    void reportSplitsTheMachinesBusyTimeAmongTheNamedProcessesAndTheRest() {
        Map<String, Long> before = new LinkedHashMap<>();
        before.put("server", 1_000L);
        before.put("agent", 500L);
        before.put("gone", -1L);
        Map<String, Long> after = new LinkedHashMap<>();
        after.put("server", 1_300L);
        after.put("agent", 600L);
        after.put("gone", -1L);
        // 10 s on 2 cores: 2,000 ticks in all, 1,600 busy; the server used 3 s, the agent 1 s.
        var from = new CpuMeter.Snapshot(0, 10_000, 20_000, before);
        var to = new CpuMeter.Snapshot(10_000_000_000L, 11_600, 22_000, after);

        String line = CpuMeter.report(from, to, 2, 100, "pod");

        assertThat(line).startsWith("10.0 s wall on 2 cores: machine busy 16.0 core-s (80 %)")
                .contains("; server 3.0 (30 ms/pod)", "; agent 1.0 (10 ms/pod)", "; gone n/a")
                .contains("rest (shims, runc, CNI plugins, anything else) 12.0 (120 ms/pod)")
                .endsWith("busy per pod 160 ms");
    }

    @Test
    void readsThisMachineAndThisProcess() {
        CpuMeter meter = new CpuMeter(Map.of("self", ProcessHandle.current().pid(), "none", Long.MAX_VALUE));
        CpuMeter.Snapshot s = meter.take();
        assertThat(s.machineTotal()).isGreaterThan(s.machineBusy()).isPositive();
        assertThat(s.processes().get("self")).isPositive();
        assertThat(s.processes().get("none")).isEqualTo(-1L);
    }
}
