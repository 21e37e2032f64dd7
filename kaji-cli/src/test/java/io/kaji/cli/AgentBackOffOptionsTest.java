package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kaji agent --initial-backoff/--max-backoff}: the container restart back-off's two ends. */
class AgentBackOffOptionsTest {

    @TempDir
    Path dir;

    private AgentCommand parse(String... args) {
        AgentCommand a = new AgentCommand();
        CommandLine cl = new CommandLine(a);
        ConfigFile.install(cl, dir.resolve("absent-default.yaml"));
        cl.parseArgs(args);
        return a;
    }

    @Test
    void kubernetesDefaults() {
        AgentCommand a = parse();
        assertThat(a.initialBackOff).isEqualTo(Duration.ofSeconds(10));
        assertThat(a.maxBackOff).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void bothEndsAreTaken() {
        AgentCommand a = parse("--initial-backoff", "500ms", "--max-backoff", "1m");
        assertThat(a.initialBackOff).isEqualTo(Duration.ofMillis(500));
        assertThat(a.maxBackOff).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void anUnreadableValueNamesItsFlag() {
        assertThatThrownBy(() -> parse("--max-backoff", "five minutes"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--max-backoff")
                .hasMessageContaining("a duration such as");
    }

    @Test
    void aMaximumBelowTheInitialIsRefusedBeforeAnythingStarts() {
        AgentCommand a = parse("--initial-backoff", "20s", "--max-backoff", "10s", "--data-dir",
                dir.resolve("node").toString());
        a.spec = new CommandLine(a).getCommandSpec();
        assertThatThrownBy(a::call)
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--initial-backoff 20s and --max-backoff 10s");
    }
}
