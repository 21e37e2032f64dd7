package io.kaji.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.store.sqlite.SqliteStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KajiCommandTest {

    record Run(int exitCode, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = KajiCommand.commandLine(args.length > 0 ? args[0] : null); // as main builds it
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Usage: kaji", "version", "store", "bench");
    }

    @Test
    void versionPrintsVersionCommitAndJdk() {
        Run r = run("version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).containsPattern("Kaji version: \\d+\\.\\d+\\.\\d+")
                .contains("Git commit:", "JDK:", System.getProperty("java.runtime.version"));
    }

    @Test
    void subcommandsPrintTheVersionToo() {
        for (String[] args : new String[][] {{"agent", "--version"}, {"server", "--version"},
                {"store", "backup", "--version"}}) {
            Run r = run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isZero();
            assertThat(r.out()).as(String.join(" ", args)).containsPattern("Kaji version: \\d+\\.\\d+\\.\\d+");
        }
    }

    @Test
    void aRoleGetsOnlyItsOwnSubcommandWithItsConfigFile() {
        CommandLine agent = KajiCommand.commandLine("agent");
        assertThat(agent.getSubcommands()).containsOnlyKeys("agent");
        assertThat(agent.getSubcommands().get("agent").getDefaultValueProvider()).isNotNull();
        assertThat(KajiCommand.commandLine("server").getSubcommands().get("server").getDefaultValueProvider())
                .isNotNull();
        CommandLine all = KajiCommand.commandLine("--help");
        assertThat(all.getSubcommands()).hasSize(KajiCommand.subcommands().length).containsKeys("agent", "server");
        assertThat(all.getSubcommands().get("agent").getDefaultValueProvider()).isNotNull();
        assertThat(KajiCommand.commandLine("agnet").getSubcommands()).hasSize(KajiCommand.subcommands().length);
    }

    @Test
    void aRolesHelpIsItsOwn() {
        Run r = run("agent", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Usage: kaji agent", "--server");
    }

    @Test
    void everyCommandsHelpFormatsWithoutWarnings() {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.util.List<String> rendered = new java.util.ArrayList<>();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(
                    KajiCommand.commandLine()));
            while (!todo.isEmpty()) {
                CommandLine c = todo.pop();
                String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
                assertThat(usage).as(c.getCommandSpec().qualifiedName()).doesNotContain("%n");
                rendered.add(c.getCommandSpec().qualifiedName());
                todo.addAll(c.getSubcommands().values());
            }
        } finally {
            System.setErr(err);
        }
        // picocli warns on stderr when a description is not a valid format string (e.g. a bare "90%")
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
        assertThat(rendered).contains("kaji agent", "kaji server", "kaji bench footprint");
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        Run r = run("frobnicate");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Unmatched argument at index 0: 'frobnicate'");
    }

    @Test
    void migrateRejectsABadStoreWithOneActionableLine() {
        Run r = run("store", "migrate", "--from", "mysql:x", "--to", "sqlite:/tmp/nowhere");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow())
                .contains("--from", "unknown kind \"mysql\"", "expected sqlite:<directory> or etcd:<url>");
    }

    @Test
    void migrateCopiesOneSqliteStoreIntoAnother(@TempDir Path from, @TempDir Path to) {
        try (SqliteStore s = SqliteStore.open(from)) {
            for (int i = 0; i < 10; i++) {
                s.create("/registry/namespaces/ns" + i, ("{\"i\":" + i + "}").getBytes(UTF_8));
            }
        }
        Run r = run("store", "migrate", "--from", "sqlite:" + from, "--to", "sqlite:" + to);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Copied 10 keys");
        try (SqliteStore t = SqliteStore.open(to)) {
            assertThat(t.get("/registry/namespaces/ns3").orElseThrow().valueAsString()).isEqualTo("{\"i\":3}");
        }
        Run again = run("store", "migrate", "--from", "sqlite:" + from, "--to", "sqlite:" + to);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err().lines().reduce((a, b) -> b).orElseThrow())
                .startsWith("kaji store migrate: the target store already holds keys under / (for example");
    }
}
