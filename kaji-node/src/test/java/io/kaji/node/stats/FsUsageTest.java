package io.kaji.node.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** statfs figures of a real file system: the test's temporary directory. */
class FsUsageTest {

    @TempDir
    Path dir;

    @Test
    void measuresTheFileSystemHoldingADirectory() {
        FsUsage fs = FsUsage.of(dir);
        assertThat(fs).isNotNull();
        assertThat(fs.capacityBytes()).isPositive();
        assertThat(fs.availableBytes()).isBetween(0L, fs.capacityBytes());
        assertThat(fs.usedBytes()).isBetween(0L, fs.capacityBytes());
        assertThat(fs.inodes()).as("coreutils' stat -f reads the inode counts").isPositive();
        assertThat(fs.inodesFree()).isBetween(0L, fs.inodes());
        assertThat(fs.inodesUsed()).isEqualTo(fs.inodes() - fs.inodesFree());
    }

    @Test
    void aDirectoryNotYetMadeIsMeasuredOnItsNearestAncestor() {
        FsUsage fs = FsUsage.of(dir.resolve("not/yet"));
        assertThat(fs).isNotNull();
        assertThat(fs.capacityBytes()).isEqualTo(FsUsage.of(dir).capacityBytes());
        assertThat(FsUsage.of(null)).isNull();
    }

    @Test
    void unknownInodesGiveUnknownInodesUsed() {
        assertThat(new FsUsage(10, 5, 5, -1, -1).inodesUsed()).isEqualTo(-1);
    }
}
