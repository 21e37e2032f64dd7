package io.kaji.node.volume;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mount-point check a memory-backed volume makes before mounting its tmpfs. */
class MountPointTest {

    @TempDir
    Path dir;

    @Test
    void aMountPointHasAnotherDeviceThanItsParentAndAPlainDirectoryDoesNot() throws Exception {
        Path plain = Files.createDirectories(dir.resolve("plain"));
        assertThat(PodVolumes.mounted(plain)).isFalse();
        // /proc is a mount point on every Linux machine, and mountinfo agrees.
        assertThat(PodVolumes.mounted(Path.of("/proc"))).isTrue();
        assertThat(PodVolumes.mountsUnder(Path.of("/proc"))).contains("/proc");
    }
}
