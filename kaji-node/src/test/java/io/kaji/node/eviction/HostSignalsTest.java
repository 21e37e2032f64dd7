package io.kaji.node.eviction;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostSignalsTest {

    @TempDir
    Path dir;

    private Path proc() throws Exception {
        Path proc = Files.createDirectories(dir.resolve("proc/sys/kernel"));
        Files.writeString(dir.resolve("proc/meminfo"), """
                MemTotal:        1048576 kB
                MemFree:          262144 kB
                MemAvailable:     786432 kB
                Inactive(file):   131072 kB
                """);
        Files.writeString(proc.resolve("pid_max"), "32768\n");
        Files.writeString(proc.resolve("threads-max"), "20000\n");
        Files.writeString(dir.resolve("proc/loadavg"), "0.50 0.40 0.30 3/1500 4242\n");
        return dir.resolve("proc");
    }

    @Test
    void memoryFromTheRootCgroupV1WorkingSet() throws Exception {
        Path memory = Files.createDirectories(dir.resolve("cgroup/memory"));
        Files.writeString(memory.resolve("memory.usage_in_bytes"), String.valueOf(600L << 20));
        Files.writeString(memory.resolve("memory.stat"), "cache 1\ninactive_file 5\ntotal_inactive_file "
                + (100L << 20) + "\n");
        HostSignals s = new HostSignals(proc(), dir.resolve("cgroup"), null, null);
        // 1 GiB total, working set 600 - 100 MiB.
        assertThat(s.memory()).isEqualTo(new Observation((1024L - 500) << 20, 1024L << 20));
    }

    @Test
    void allocatableMemoryIsThePodsCgroupsLimitLessItsWorkingSet() throws Exception {
        Path v1 = Files.createDirectories(dir.resolve("cgroup/memory/kaji/n1"));
        Files.writeString(v1.resolve("memory.limit_in_bytes"), String.valueOf(800L << 20));
        Files.writeString(v1.resolve("memory.usage_in_bytes"), String.valueOf(500L << 20));
        Files.writeString(v1.resolve("memory.stat"), "total_inactive_file " + (100L << 20) + "\n");
        HostSignals s = new HostSignals(proc(), dir.resolve("cgroup"), null, null);
        assertThat(s.allocatableMemory()).as("no pods' cgroup given").isNull();
        s.podsCgroup("/kaji/n1");
        assertThat(s.allocatableMemory()).isEqualTo(new Observation((800L - 400) << 20, 800L << 20));
        assertThat(s.observe()).containsKey(Signal.ALLOCATABLE_MEMORY_AVAILABLE);

        Files.writeString(v1.resolve("memory.limit_in_bytes"), "9223372036854771712");
        assertThat(s.allocatableMemory()).as("not capped yet: nothing to observe").isNull();

        Path v2 = Files.createDirectories(dir.resolve("cgroup2/kaji/n2"));
        Files.writeString(v2.resolve("memory.max"), String.valueOf(1L << 30));
        Files.writeString(v2.resolve("memory.current"), String.valueOf(300L << 20));
        Files.writeString(v2.resolve("memory.stat"), "anon 1\ninactive_file " + (50L << 20) + "\n");
        HostSignals unified = new HostSignals(proc(), dir.resolve("cgroup2"), null, null).podsCgroup("/kaji/n2");
        assertThat(unified.allocatableMemory()).isEqualTo(new Observation((1024L - 250) << 20, 1L << 30));
        Files.writeString(v2.resolve("memory.max"), "max");
        assertThat(unified.allocatableMemory()).isNull();
    }

    @Test
    void theImageFileSystemIsTheNodesWhenBothDirectoriesShareOne() throws Exception {
        assertThat(new HostSignals(proc(), dir.resolve("cgroup"), dir.resolve("data/not-yet"), dir.resolve("images"))
                .imageFsIsNodeFs()).isTrue();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/dev/shm"))
                && !Files.getFileStore(Path.of("/dev/shm")).equals(Files.getFileStore(dir)));
        assertThat(new HostSignals(proc(), dir.resolve("cgroup"), dir, Path.of("/dev/shm")).imageFsIsNodeFs())
                .as("a tmpfs beside the disk").isFalse();
    }

    @Test
    void memoryFromMeminfoWithoutACgroupV1Root() throws Exception {
        HostSignals s = new HostSignals(proc(), dir.resolve("no-cgroup"), null, null);
        // working set = total - free - inactive(file) = 1024 - 256 - 128 MiB
        assertThat(s.memory()).isEqualTo(new Observation((256L + 128) << 20, 1024L << 20));
    }

    @Test
    void pidsAndFileSystems() throws Exception {
        HostSignals s = new HostSignals(proc(), dir.resolve("cgroup"), dir.resolve("data/not-yet-created"), dir);
        assertThat(s.pids()).isEqualTo(new Observation(20000 - 1500, 20000));
        Map<Signal, Observation> all = s.observe();
        assertThat(all).containsKeys(Signal.NODEFS_AVAILABLE, Signal.NODEFS_INODES_FREE, Signal.IMAGEFS_AVAILABLE,
                Signal.IMAGEFS_INODES_FREE, Signal.MEMORY_AVAILABLE, Signal.PID_AVAILABLE);
        Observation fs = all.get(Signal.NODEFS_AVAILABLE);
        assertThat(fs.capacity()).isEqualTo(Files.getFileStore(dir).getTotalSpace());
        assertThat(fs.available()).isPositive().isLessThanOrEqualTo(fs.capacity());
        assertThat(all.get(Signal.IMAGEFS_INODES_FREE).available()).isPositive();
    }
}
