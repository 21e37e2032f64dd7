package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.containerd.ContainerdResidue;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.ImageImporter;
import io.kaji.node.image.OciImageLayout;
import io.kaji.node.image.PauseImage;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxSpec;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kaji image rm} against a real containerd: an image goes with all its names (and says so), a missing one and
 * one that a container was created from are kept with one line each saying why, and {@code --force} removes the
 * latter.
 */
class ImageRmIntegrationTest {

    private static final String OTHER = "docker.io/kaji/rm-me:1";

    @Test
    void removesImagesAndKeepsThoseInUse(@TempDir Path dir) throws Exception {
        ContainerdResidue residue;
        try (ContainerdFixture node = ContainerdFixture.start("kajit15", "100.64.15.0/24")) {
            residue = new ContainerdResidue(node.config);
            String socket = node.config.socket().toString();
            Path tar = dir.resolve("other.tar");
            OciImageLayout.write(BusyboxImage.image(OTHER, BusyboxImage.HOST_BUSYBOX), tar);
            ImageImporter.forSocket(node.config.socket()).importTarball(tar);
            assertThat(KajiCommandTest.run("image", "ls", "--socket", socket).out()).contains(OTHER);

            // The same content under a second name is one image: the CRI removes it with every name it has.
            KajiCommandTest.Run removed = KajiCommandTest.run("image", "rm", "--socket", socket, OTHER);
            assertThat(removed.exitCode()).as(removed.err()).isZero();
            assertThat(removed.out().strip()).isEqualTo("removed " + OTHER + " (the same image was also "
                    + BusyboxImage.NAME + ": gone too)");
            assertThat(node.runtime.imageStatus(OTHER)).isEmpty();
            assertThat(node.runtime.imageStatus(BusyboxImage.NAME)).isEmpty();
            assertThat(KajiCommandTest.run("image", "ls", "--socket", socket).out()).doesNotContain(OTHER)
                    .doesNotContain(BusyboxImage.NAME);
            Path busybox = dir.resolve("busybox.tar");
            OciImageLayout.write(BusyboxImage.image(BusyboxImage.NAME, BusyboxImage.HOST_BUSYBOX), busybox);
            ImageImporter.forSocket(node.config.socket()).importTarball(busybox);

            KajiCommandTest.Run missing = KajiCommandTest.run("image", "rm", "--socket", socket, OTHER);
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.err().strip())
                    .isEqualTo("kaji image rm: " + OTHER + ": no such image (see 'kaji image ls')");

            // A container created from busybox keeps it, until --force.
            PodRef pod = new PodRef("kaji-it", "user", UUID.randomUUID().toString());
            SandboxSpec sandbox = SandboxSpec.builder(pod).logDirectory(dir.resolve("logs")).build();
            String sandboxId = node.runtime.runSandbox(sandbox);
            node.runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("main", BusyboxImage.NAME)
                    .command("sleep", "1000").build());
            KajiCommandTest.Run inUse = KajiCommandTest.run("image", "rm", "--socket", socket, BusyboxImage.NAME);
            assertThat(inUse.exitCode()).isEqualTo(1);
            assertThat(inUse.err().strip()).isEqualTo("kaji image rm: " + BusyboxImage.NAME
                    + ": in use by kaji-it/user container main; delete those pods first, or pass --force");
            assertThat(node.runtime.imageStatus(BusyboxImage.NAME)).isPresent();

            KajiCommandTest.Run pause = KajiCommandTest.run("image", "rm", "--socket", socket, PauseImage.NAME);
            assertThat(pause.exitCode()).isEqualTo(1);
            assertThat(pause.err().strip()).isEqualTo("kaji image rm: " + PauseImage.NAME + ": pinned (the pods' "
                    + "sandbox image: new pods could not start without it); pass --force to remove it anyway");
            assertThat(node.runtime.imageStatus(PauseImage.NAME)).isPresent();

            KajiCommandTest.Run forced = KajiCommandTest.run("image", "rm", "--force", "--socket", socket,
                    BusyboxImage.NAME);
            assertThat(forced.exitCode()).as(forced.err()).isZero();
            assertThat(node.runtime.imageStatus(BusyboxImage.NAME)).isEmpty();

            node.runtime.stopSandbox(sandboxId);
            node.runtime.removeSandbox(sandboxId);
        }
        assertThat(residue.shimPids()).as("shims left").isEmpty();
        assertThat(residue.mounts()).as("mounts left").isEmpty();
    }
}
