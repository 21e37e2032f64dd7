package io.kaji.cli.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void awaitQuietEndsAtTheFirstQuietIntervalOrAtTheCap() throws Exception {
        // More cores than the machine has can never be busy: quiet after the first interval.
        CpuMeter.Quiet quiet = CpuMeter.awaitQuiet(100, Duration.ofMillis(20), Duration.ofSeconds(5));
        assertThat(quiet.quiet()).isTrue();
        assertThat(quiet.waited()).isLessThan(Duration.ofSeconds(1));
        assertThat(quiet.describe()).matches("quiet after \\d+\\.\\d s \\(\\d+\\.\\d\\d cores busy\\)");
        // No machine is ever busy for less than no cores: the cap ends it.
        CpuMeter.Quiet never = CpuMeter.awaitQuiet(0, Duration.ofMillis(20), Duration.ofMillis(100));
        assertThat(never.quiet()).isFalse();
        assertThat(never.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(100));
        assertThat(never.describe()).startsWith("still ");
    }

    @Test
    void readsThisMachineAndThisProcess() {
        CpuMeter meter = new CpuMeter(Map.of("self", ProcessHandle.current().pid(), "none", Long.MAX_VALUE));
        CpuMeter.Snapshot s = meter.take();
        assertThat(s.machineTotal()).isGreaterThan(s.machineBusy()).isPositive();
        assertThat(s.processes().get("self")).isPositive();
        assertThat(s.processes().get("none")).isEqualTo(-1L);
    }

    @Test
    void countsOnlyTheJitCompilerThreads(@TempDir Path dir) throws IOException {
        Path c2 = task(dir, "11", "C2 CompilerThre", 70, 5);
        Path c1 = task(dir, "12", "C1 CompilerThre", 20, 1);
        Path worker = task(dir, "13", "pod-worker-3", 900, 100);

        assertThat(CpuMeter.compilerTicks(c2)).isEqualTo(75);
        assertThat(CpuMeter.compilerTicks(c1)).isEqualTo(21);
        assertThat(CpuMeter.compilerTicks(worker)).isZero();
        assertThat(CpuMeter.compilerTicks(dir.resolve("14"))).as("a thread that ended").isZero();
    }

    @Test
    void readsTheCompilerTimeOfThisJvm() throws IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            assertThat(tasks.map(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip();
                } catch (IOException e) {
                    return "";
                }
            }).filter(CpuMeter::isCompilerThread)).isNotEmpty();
        }
        long self = ProcessHandle.current().pid();
        assertThat(CpuMeter.compilerMillis(self)).isNotNegative();
        assertThat(CpuMeter.compilerMillis(self, Long.MAX_VALUE)).isEqualTo(-1);
    }

    /** A fake /proc/PID/task/TID with a name and utime/stime (fields 14 and 15 of its stat line). */
    private static Path task(Path dir, String tid, String comm, long utime, long stime) throws IOException {
        Path t = Files.createDirectories(dir.resolve(tid));
        Files.writeString(t.resolve("comm"), comm + "\n");
        Files.writeString(t.resolve("stat"), tid + " (" + comm + ") S 1 1 1 0 -1 4194624 0 0 0 0 " + utime + " "
                + stime + " 0 0 20 0 1 0 100 0 0\n");
        return t;
    }
}
