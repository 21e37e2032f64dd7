package io.kaji.node.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start failures with stand-in binaries; the real containerd is in CriContainerRuntimeIntegrationTest. */
class ContainerdSupervisorTest {

    @TempDir
    Path dir;

    @Test
    void aContainerdThatExitsAtOnceFailsTheStartWithItsExitCode() throws IOException {
        Path fake = script("echo 'bad config' >&2; exit 3");
        try (ContainerdSupervisor s = supervisor(fake, Duration.ofSeconds(10))) {
            assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class)
                    .hasMessage("containerd for " + dir.resolve("data") + " exited with code 3 (see "
                            + dir.resolve("data/containerd.log") + ")");
            assertThat(s.health().ready()).isFalse();
            assertThat(s.health().reason()).isEqualTo("ContainerdNotAnswering");
            assertThat(Files.readString(dir.resolve("data/containerd.log"))).contains("bad config");
        }
    }

    @Test
    void aContainerdThatNeverAnswersIsKilledAfterTheStartTimeout() throws IOException {
        Path pidFile = dir.resolve("fake.pid");
        Path fake = script("echo $$ > " + pidFile + "; exec sleep 60");
        try (ContainerdSupervisor s = supervisor(fake, Duration.ofMillis(700))) {
            List<RuntimeHealth> seen = new CopyOnWriteArrayList<>();
            s.addListener(seen::add);
            assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageEndingWith("did not answer within PT0.7S");
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(seen).extracting(RuntimeHealth::reason)
                    .containsExactly("ContainerdStarting", "ContainerdNotAnswering");
        }
    }

    @Test
    void startWritesTheConfigAndRemovesStaleSockets() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        for (String stale : List.of("containerd.sock", "containerd.sock.ttrpc", "debug.sock")) {
            Files.writeString(data.resolve(stale), "stale");
        }
        Path fake = script("exit 1");
        try (ContainerdSupervisor s = supervisor(fake, Duration.ofSeconds(5))) {
            assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class);
            assertThat(Files.readString(data.resolve("containerd.toml"))).isEqualTo(s.config().toml());
            assertThat(data.resolve("containerd.sock")).doesNotExist();
            assertThat(data.resolve("containerd.sock.ttrpc")).doesNotExist();
            assertThat(data.resolve("debug.sock")).doesNotExist();
            assertThat(data.resolve("runc")).isDirectory();
            assertThat(data.resolve("cni")).isDirectory();
        }
    }

    @Test
    void stopWithoutStartLeavesTheSocketsOfAnotherContainerdAlone() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("containerd.sock"), "someone else's");
        try (ContainerdSupervisor s = supervisor(Path.of("/nonexistent/containerd"), Duration.ofSeconds(1))) {
            s.stop();
        }
        assertThat(data.resolve("containerd.sock")).exists();
    }

    @Test
    void healthBeforeStartSaysStopped() {
        try (ContainerdSupervisor s = supervisor(Path.of("/nonexistent/containerd"), Duration.ofSeconds(1))) {
            assertThat(s.health().ready()).isFalse();
            assertThat(s.health().reason()).isEqualTo("ContainerdStopped");
            assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot start /nonexistent/containerd");
        }
    }

    private ContainerdSupervisor supervisor(Path binary, Duration startTimeout) {
        ContainerdConfig config = new ContainerdConfig(dir.resolve("data"), "docker.io/kaji/pause:1.0",
                Path.of("/usr/lib/cni"), Path.of("/usr/sbin/runc"), binary);
        return new ContainerdSupervisor(config, Backoff.DEFAULT, startTimeout, Duration.ofSeconds(5),
                Clock.systemUTC(), null);
    }

    private Path script(String body) throws IOException {
        Path file = dir.resolve("fake-containerd");
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }
}
