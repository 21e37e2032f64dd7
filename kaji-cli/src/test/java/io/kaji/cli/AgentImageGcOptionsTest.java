package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.node.imagegc.ImageGcPolicy;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kaji agent --image-gc-*}: the kubelet's image garbage collection flags. */
class AgentImageGcOptionsTest {

    @TempDir
    Path dir;

    private ImageGcPolicy parse(String... args) {
        AgentCommand a = new AgentCommand();
        CommandLine cl = new CommandLine(a);
        ConfigFile.install(cl, dir.resolve("absent-default.yaml"));
        cl.parseArgs(args);
        return a.nodeResources.imageGcPolicy();
    }

    @Test
    void defaultsAreTheKubelets() throws Exception {
        assertThat(parse()).isEqualTo(new ImageGcPolicy(85, 80, Duration.ofMinutes(2), Duration.ofMinutes(5)));
    }

    @Test
    void flagsAsTheKubeletSpellsThem() throws Exception {
        assertThat(parse("--image-gc-high-threshold", "70", "--image-gc-low-threshold", "50",
                "--image-minimum-gc-age", "1m30s"))
                .isEqualTo(new ImageGcPolicy(70, 50, Duration.ofSeconds(90), Duration.ofMinutes(5)));
    }

    @Test
    void badValuesAreUsageErrorsNamingTheFlag() {
        assertThatThrownBy(() -> parse("--image-gc-high-threshold", "70", "--image-gc-low-threshold", "75"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--image-gc-low-threshold 75 is higher than --image-gc-high-threshold 70: give a low "
                        + "threshold at or below the high one");
        assertThatThrownBy(() -> parse("--image-minimum-gc-age", "soon"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--image-minimum-gc-age: \"soon\" is not " + Durations.EXAMPLES);
        assertThatThrownBy(() -> parse("--image-gc-high-threshold", "101"))
                .hasMessageStartingWith("--image-gc-high-threshold 101 is out of range");
    }
}
