package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The YAML config file as picocli defaults for kaji server and kaji agent. */
class ConfigFileTest {

    @TempDir
    Path dir;

    /** Parses {@code args} for {@code command} with the config provider installed (no default file). */
    private <T> T parse(T command, String... args) {
        CommandLine cl = new CommandLine(command);
        ConfigFile.install(cl, dir.resolve("absent-default.yaml"));
        cl.parseArgs(args);
        return command;
    }

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void keysAreLongOptionNamesListsAreYamlListsFlagsAreBooleans() throws Exception {
        Path f = write("""
                data-dir: /srv/kaji
                https-port: 7443
                store: etcd
                etcd-endpoints: [http://127.0.0.1:2379, http://127.0.0.1:2380]
                disable-agent: true
                cluster-cidr: 10.88.0.0/16
                """);
        ServerCommand s = parse(new ServerCommand(), "--config", f.toString());
        assertThat(s.dataDir).isEqualTo(Path.of("/srv/kaji"));
        assertThat(s.httpsPort).isEqualTo(7443);
        assertThat(s.store).isEqualTo("etcd");
        assertThat(s.etcdEndpoints).containsExactly("http://127.0.0.1:2379", "http://127.0.0.1:2380");
        assertThat(s.disableAgent).isTrue();
        assertThat(s.clusterCidr).isEqualTo("10.88.0.0/16");
        assertThat(s.serviceCidr).as("not in the file: the option's default").isEqualTo("10.43.0.0/16");
    }

    @Test
    void theCommandLineWins() throws Exception {
        Path f = write("node-name: from-file\nport: 10251\nbridge: kaji9\n");
        AgentCommand a = parse(new AgentCommand(), "--config", f.toString(), "--node-name", "from-flag");
        assertThat(a.nodeName).isEqualTo("from-flag");
        assertThat(a.port).isEqualTo(10251);
        assertThat(a.bridge).isEqualTo("kaji9");
    }

    @Test
    void theDefaultFileIsReadWhenItExists() throws Exception {
        Path f = write("node-name: n7\n");
        AgentCommand a = new AgentCommand();
        CommandLine cl = new CommandLine(a);
        ConfigFile.install(cl, f);
        cl.parseArgs();
        assertThat(a.nodeName).isEqualTo("n7");
        assertThat(parse(new AgentCommand()).nodeName).as("no default file: no values").isNull();
    }

    @Test
    void anUnknownKeyIsOneErrorNamingIt() throws Exception {
        Path f = write("data-dir: /x\ndatadir: /y\n");
        assertThatThrownBy(() -> parse(new ServerCommand(), "--config", f.toString()))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("unknown key \"datadir\" for kaji server")
                .hasMessageContaining("known keys: ").hasMessageContaining("data-dir");
    }

    @Test
    void aListForASingleValueAndANonMappingAreRefused() throws Exception {
        Path list = write("node-name: [a, b]\n");
        assertThatThrownBy(() -> parse(new AgentCommand(), "--config", list.toString()))
                .hasMessageContaining("\"node-name\" takes one value, not a list");
        Path scalar = write("just text\n");
        assertThatThrownBy(() -> parse(new AgentCommand(), "--config", scalar.toString()))
                .hasMessageContaining("must be a mapping of option names to values");
    }

    @Test
    void throughTheKajiCommandAnUnknownKeyIsAUsageError() throws Exception {
        Path f = write("colour: blue\n");
        KajiCommandTest.Run r = KajiCommandTest.run("agent", "--config", f.toString(), "--kubeconfig", "/nonexistent");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().lines().toList()).first().asString().contains("unknown key \"colour\" for kaji agent");
        assertThat(List.of(r.err())).isNotEmpty();
    }
}
