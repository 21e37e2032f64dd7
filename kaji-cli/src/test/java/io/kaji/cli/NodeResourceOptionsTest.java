package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.node.NodeLayout;
import io.kaji.node.containergc.ContainerGcPolicy;
import io.kaji.node.logs.LogRotationPolicy;
import io.kaji.node.eviction.Threshold;
import io.kaji.node.imagegc.ImageGcPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The agent's eviction and garbage-collection flags, declared once ({@link NodeResourceOptions}) and taken by both
 * {@code kaji agent} and {@code kaji server}, whose in-process agent gets them; from the command line and from the
 * config file.
 */
class NodeResourceOptionsTest {

    private static final List<String> SHARED = List.of("--system-reserved", "--kube-reserved", "--eviction-hard", "--eviction-soft",
            "--eviction-soft-grace-period", "--eviction-pressure-transition-period", "--eviction-max-pod-grace-period",
            "--eviction-monitoring-interval", "--image-gc-high-threshold", "--image-gc-low-threshold",
            "--image-minimum-gc-age", "--maximum-dead-containers-per-container", "--maximum-dead-containers",
            "--minimum-container-ttl-duration", "--container-log-max-size", "--container-log-max-files",
            "--container-log-monitor-interval", "--allowed-unsafe-sysctls");

    @TempDir
    Path dir;

    private ServerCommand server(String... args) {
        ServerCommand s = new ServerCommand();
        CommandLine cl = new CommandLine(s);
        ConfigFile.install(cl, dir.resolve("absent-default.yaml"));
        cl.parseArgs(args);
        return s;
    }

    private AgentCommand agent(String... args) {
        AgentCommand a = new AgentCommand();
        CommandLine cl = new CommandLine(a);
        ConfigFile.install(cl, dir.resolve("absent-default.yaml"));
        cl.parseArgs(args);
        return a;
    }

    private static String help(Object command) {
        StringWriter out = new StringWriter();
        new CommandLine(command).usage(new PrintWriter(out));
        return out.toString();
    }

    @Test
    void serverAndAgentHelpListTheSameFlags() {
        String server = help(new ServerCommand());
        String agent = help(new AgentCommand());
        for (String flag : SHARED) {
            assertThat(server).as("kaji server --help").contains(flag + "=");
            assertThat(agent).as("kaji agent --help").contains(flag + "=");
        }
        assertThat(server.replaceAll("\\s+", " ")).contains("Dead instances kept per container of a pod; the previous one is what 'kubectl "
                + "logs --previous' reads; -1: no limit (default: 1).");
    }

    @Test
    void containerGcDefaultsAreTheKubelets() {
        assertThat(agent().nodeResources.containerGcPolicy()).isEqualTo(ContainerGcPolicy.defaults());
        assertThat(server().agentOptions("n1", null).containerGc()).isEqualTo(new ContainerGcPolicy(Duration.ZERO,
                1, -1, Duration.ofMinutes(1)));
    }

    @Test
    void serverFlagsReachTheInProcessAgent() {
        LocalAgent.Options o = server("--maximum-dead-containers-per-container", "3",
                "--maximum-dead-containers", "50", "--minimum-container-ttl-duration", "1m30s",
                "--image-gc-high-threshold", "70", "--image-gc-low-threshold", "60", "--image-minimum-gc-age", "5m",
                "--eviction-hard", "memory.available<1Gi", "--eviction-monitoring-interval", "2s",
                "--system-reserved", "cpu=250m,memory=1Gi", "--kube-reserved", "ephemeral-storage=2Gi,pid=500")
                .agentOptions("n1", new NodeLayout(dir.resolve("node")));

        assertThat(o.nodeName()).isEqualTo("n1");
        assertThat(o.containerGc()).isEqualTo(new ContainerGcPolicy(Duration.ofSeconds(90), 3, 50,
                Duration.ofMinutes(1)));
        assertThat(o.imageGc()).isEqualTo(new ImageGcPolicy(70, 60, Duration.ofMinutes(5), Duration.ofMinutes(5)));
        assertThat(o.eviction().thresholds()).extracting(Threshold::toString).containsExactly("memory.available<1Gi");
        assertThat(o.eviction().monitoringInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.systemReserved()).isEqualTo(java.util.Map.of("cpu", 250L, "memory", 1L << 30));
        assertThat(o.kubeReserved()).isEqualTo(java.util.Map.of("ephemeral-storage", 2L << 30, "pid", 500L));
        assertThat(server().agentOptions("n1", null).systemReserved()).as("nothing reserved by default").isEmpty();
    }

    @Test
    void theConfigFileTakesTheSameKeysForBothCommands() throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, """
                maximum-dead-containers-per-container: 2
                maximum-dead-containers: 10
                minimum-container-ttl-duration: 30s
                image-gc-high-threshold: 90
                eviction-hard: nodefs.available<5%
                """);

        LocalAgent.Options o = server("--config", file.toString()).agentOptions("n1", null);
        assertThat(o.containerGc()).isEqualTo(new ContainerGcPolicy(Duration.ofSeconds(30), 2, 10,
                Duration.ofMinutes(1)));
        assertThat(o.imageGc().highThresholdPercent()).isEqualTo(90);
        assertThat(o.eviction().thresholds()).extracting(Threshold::toString).containsExactly("nodefs.available<5%");

        AgentCommand a = agent("--config", file.toString(), "--maximum-dead-containers", "4");
        // The command line wins over the file.
        assertThat(a.nodeResources.containerGcPolicy()).isEqualTo(new ContainerGcPolicy(Duration.ofSeconds(30), 2,
                4, Duration.ofMinutes(1)));
    }

    @Test
    void badValuesAreUsageErrorsNamingTheFlag() {
        assertThatThrownBy(() -> server("--minimum-container-ttl-duration", "-5s").agentOptions("n1", null))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--minimum-container-ttl-duration: \"-5s\" is not " + Durations.EXAMPLES);
        assertThatThrownBy(() -> server("--image-gc-high-threshold", "70", "--image-gc-low-threshold", "75")
                .nodeResources.check())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageStartingWith("--image-gc-low-threshold 75 is higher than --image-gc-high-threshold 70");
        assertThatThrownBy(() -> server("--system-reserved", "gpu=1").agentOptions("n1", null))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--system-reserved: unknown resource \"gpu\"; use cpu, memory, ephemeral-storage or pid");
        assertThatThrownBy(() -> agent("--kube-reserved", "memory=lots").nodeResources.check())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--kube-reserved: memory=lots is not a quantity (e.g. 200m, 1, 512Mi, 1Gi)");
        assertThatThrownBy(() -> server("--maximum-dead-containers", "many"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--maximum-dead-containers");
        assertThatThrownBy(() -> agent("--container-log-max-size", "big").nodeResources.check())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--container-log-max-size: \"big\" is not a size such as 10Mi, 500Ki or 1048576");
        assertThatThrownBy(() -> server("--container-log-max-files", "1").agentOptions("n1", null))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageStartingWith("--container-log-max-files must be at least 2");
        assertThatThrownBy(() -> agent("--container-log-monitor-interval", "1s").nodeResources.check())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageStartingWith("--container-log-monitor-interval must be at least 3s");
        assertThatThrownBy(() -> agent("--allowed-unsafe-sysctls", "vm.swappiness").nodeResources.check())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageStartingWith("--allowed-unsafe-sysctls: the sysctls [vm.swappiness] are not known to be"
                        + " namespaced");
    }

    @Test
    void unsafeSysctlsReachTheAgentOfBothCommands() {
        assertThat(server().agentOptions("n1", null).sysctls().toString())
                .isEqualTo(String.join(",", io.kaji.node.agent.SysctlAllowlist.SAFE));
        assertThat(server("--allowed-unsafe-sysctls", "kernel.msg*,net.core.somaxconn").agentOptions("n1", null)
                .sysctls().toString()).endsWith(",net.core.somaxconn,kernel.msg*");
        assertThat(agent("--allowed-unsafe-sysctls", "kernel.sem").nodeResources.sysctlAllowlist().toString())
                .endsWith(",kernel.sem");
    }

    @Test
    void logRotationDefaultsAreTheKubeletsAndFlagsTakeQuantities() {
        assertThat(server().agentOptions("n1", null).logRotation()).isEqualTo(LogRotationPolicy.defaults());
        assertThat(agent("--container-log-max-size", "500Ki", "--container-log-max-files", "3",
                "--container-log-monitor-interval", "5s").nodeResources.logRotationPolicy())
                .isEqualTo(new LogRotationPolicy(500 * 1024, 3, Duration.ofSeconds(5)));
    }
}
