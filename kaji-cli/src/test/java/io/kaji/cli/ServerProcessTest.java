package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kaji up's background server bookkeeping and checks, without starting a cluster. */
class ServerProcessTest {

    @Test
    void theCommandIsThisJvmAndClassPathRunningKajiServerInItsOwnSession() {
        List<String> cmd = ServerProcess.command(List.of("--data-dir", "/d", "--https-port", "7443"));
        assertThat(cmd.getFirst()).isEqualTo("setsid");
        assertThat(cmd.get(1)).isEqualTo(ProcessHandle.current().info().command().orElseThrow());
        int cp = cmd.indexOf("-cp");
        assertThat(cmd.get(cp + 1)).isEqualTo(System.getProperty("java.class.path"));
        assertThat(cmd.subList(cp + 2, cmd.size()))
                .containsExactly(KajiCommand.class.getName(), "server", "--data-dir", "/d", "--https-port", "7443");
        assertThat(cmd).noneMatch(a -> a.startsWith("-agentlib:jdwp"));
    }

    @Test
    void aPidFileNamingAnotherProcessOrNoProcessIsNotARunningServer(@TempDir Path dir) throws Exception {
        ServerProcess server = new ServerProcess(new DataDir(dir));
        assertThat(server.running()).as("no pid file").isEmpty();
        Files.writeString(dir.resolve("server.pid"), ProcessHandle.current().pid() + "\n");
        assertThat(server.running()).as("a live JVM that is not kaji server (a reused pid)").isEmpty();
        Files.writeString(dir.resolve("server.pid"), "not a pid");
        assertThat(server.running()).isEmpty();
    }

    @Test
    void aSleepingKajiServerLookalikeIsRecognisedByItsCommandLine(@TempDir Path dir) throws Exception {
        // "sh -c 'sleep 30' <long class path> io.kaji.cli.KajiCommand server": the arguments identify a server,
        // also past the length where ProcessHandle.Info.arguments() gives up (a real class path is ~6 KB).
        String classPath = "/x/lib.jar:".repeat(1000);
        Process p = new ProcessBuilder("sh", "-c", "sleep 30", classPath, KajiCommand.class.getName(), "server")
                .start();
        try {
            Files.writeString(dir.resolve("server.pid"), p.pid() + "\n");
            assertThat(new ServerProcess(new DataDir(dir)).running()).map(ProcessHandle::pid).hasValue(p.pid());
        } finally {
            p.destroyForcibly().waitFor();
        }
        assertThat(new ServerProcess(new DataDir(dir)).running()).as("exited").isEmpty();
    }

    @Test
    void theLogTailIsTheLastLines(@TempDir Path dir) throws Exception {
        ServerProcess server = new ServerProcess(new DataDir(dir));
        assertThat(server.logTail(3)).isEmpty();
        Files.write(dir.resolve("server.log"), List.of("1", "2", "3", "4"));
        assertThat(server.logTail(3)).containsExactly("2", "3", "4");
    }

    @Test
    void missingPrerequisitesAreNamedAndABusyPortIsSeen(@TempDir Path dir) throws Exception {
        Path present = Files.createFile(dir.resolve("containerd"));
        assertThat(UpCommand.missingPrerequisites(List.of(present, dir.resolve("runc")), Files::exists, null, "iptables"))
                .containsExactly(dir.resolve("runc").toString(), "iptables");
        assertThat(UpCommand.onPath("sh")).isNull();
        assertThat(UpCommand.onPath("no-such-command-kaji")).isEqualTo("no-such-command-kaji");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(UpCommand.portInUse(s.getLocalPort())).isNotNull();
        }
    }
}
