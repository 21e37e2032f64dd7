package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCommandTest {

    @Test
    void helpListsTheImageCommands() {
        KajiCommandTest.Run r = KajiCommandTest.run("image", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("import", "ls", "rm", "build-demo");
    }

    @Test
    void buildDemoWritesAnImageTarball(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("busybox.tar");
        KajiCommandTest.Run r = KajiCommandTest.run("image", "build-demo", "--output", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("wrote docker.io/kaji/busybox:1.35 to " + out).contains("manifest sha256:");
        assertThat(Files.size(out)).isGreaterThan(100_000);
    }

    @Test
    void importWithoutARunningNodeSaysWhichSocketIsMissing(@TempDir Path dir) {
        KajiCommandTest.Run r = KajiCommandTest.run("image", "import", dir.resolve("x.tar").toString(),
                "--data-dir", dir.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("kaji image import: no containerd socket at "
                + dir.resolve("containerd/containerd.sock") + " (is the node's agent running? pass --data-dir or "
                + "--socket)");
    }

    @Test
    void lsWithoutARunningNodeFailsTheSameWay(@TempDir Path dir) {
        KajiCommandTest.Run r = KajiCommandTest.run("image", "ls", "--socket", dir.resolve("none.sock").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("no containerd socket at " + dir.resolve("none.sock"));
    }

    @Test
    void aServersDataDirFindsItsNodesContainerd(@TempDir Path dir) throws Exception {
        // kaji up / kaji server keep their node below the data dir: D/node/containerd/containerd.sock.
        Path socket = dir.resolve("node/containerd/containerd.sock");
        Files.createDirectories(socket.getParent());
        Files.createFile(socket);
        ImageCommand.Target target = new ImageCommand.Target();
        target.dataDir = dir;
        assertThat(target.existingSocket()).isEqualTo(socket);

        // A node's own data dir wins when both exist.
        Path own = dir.resolve("containerd/containerd.sock");
        Files.createDirectories(own.getParent());
        Files.createFile(own);
        assertThat(target.existingSocket()).isEqualTo(own);
    }
}
