package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.node.eviction.EvictionConfig;
import io.kaji.node.eviction.Threshold;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kaji agent --eviction-*}: the kubelet's flags, parsed into the agent's eviction settings. */
class AgentEvictionOptionsTest {

    @TempDir
    Path dir;

    private EvictionConfig parse(String... args) {
        AgentCommand a = new AgentCommand();
        CommandLine cl = new CommandLine(a);
        ConfigFile.install(cl, dir.resolve("absent-default.yaml"));
        cl.parseArgs(args);
        return a.nodeResources.evictionConfig();
    }

    @Test
    void defaultsAreTheKubelets() throws Exception {
        EvictionConfig c = parse();
        assertThat(c.thresholds()).extracting(Threshold::toString).containsExactly("memory.available<100Mi",
                "nodefs.available<10%", "nodefs.inodesFree<5%", "imagefs.available<15%");
        assertThat(c.pressureTransitionPeriod()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.monitoringInterval()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void flagsAsTheKubeletSpellsThem() throws Exception {
        EvictionConfig c = parse("--eviction-hard", "memory.available<1Gi,pid.available<1000",
                "--eviction-soft", "memory.available<2Gi", "--eviction-soft-grace-period", "memory.available=1m30s",
                "--eviction-pressure-transition-period", "30s", "--eviction-max-pod-grace-period", "20",
                "--eviction-monitoring-interval", "2s");
        assertThat(c.thresholds()).extracting(Threshold::toString)
                .containsExactly("memory.available<1Gi", "pid.available<1000", "memory.available<2Gi");
        assertThat(c.thresholds().get(2).gracePeriod()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.pressureTransitionPeriod()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.maxPodGracePeriod()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.monitoringInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.minimumReclaim()).as("none by default").isEmpty();
        assertThat(parse("--eviction-minimum-reclaim", "nodefs.available=500Mi").minimumReclaim())
                .containsEntry(io.kaji.node.eviction.Signal.NODEFS_AVAILABLE,
                        new EvictionConfig.Amount(500L << 20, 0));
        assertThatThrownBy(() -> parse("--eviction-minimum-reclaim", "nodefs.available<500Mi"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("expected signal=quantity");
    }

    @Test
    void aBadThresholdIsAUsageErrorNamingIt() {
        assertThatThrownBy(() -> parse("--eviction-hard", "memory.free<1Gi"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("unsupported eviction signal memory.free");
    }

    @Test
    void helpShowsTheDefaults() {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new AgentCommand());
        cl.usage(new PrintWriter(out));
        assertThat(out.toString()).contains("--eviction-hard").contains("available<15%); none turns hard eviction off.");
    }
}
