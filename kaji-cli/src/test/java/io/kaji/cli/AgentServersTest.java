package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kaji agent --server}: one URL, several comma-separated, or a YAML list in the config file. */
class AgentServersTest {

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
    void oneUrlStaysOne() {
        assertThat(parse("--server", "https://10.0.0.1:6443").servers).containsExactly("https://10.0.0.1:6443");
    }

    @Test
    void commaSeparatedUrlsKeepTheirOrder() {
        assertThat(parse("--server", "https://b:6443,https://a:6443").servers)
                .containsExactly("https://b:6443", "https://a:6443");
    }

    @Test
    void aYamlListInTheConfigFile() throws Exception {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, "server:\n- https://10.0.0.1:6443\n- https://10.0.0.2:6443\n");
        assertThat(parse("--config", f.toString()).servers)
                .containsExactly("https://10.0.0.1:6443", "https://10.0.0.2:6443");
    }
}
