package io.kaji.node.stats;

import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file system's figures as statfs(2) gives them and the kubelet reports them (the Summary API's {@code FsStats},
 * the eviction manager's nodefs and imagefs signals): capacity, bytes available to unprivileged users
 * ({@code f_bavail}), bytes in use (capacity less free blocks), and inodes in all and free (-1 where unknown).
 */
public record FsUsage(long capacityBytes, long availableBytes, long usedBytes, long inodes, long inodesFree) {

    private static final Logger log = LoggerFactory.getLogger(FsUsage.class);

    /** Inodes in use, or -1 where unknown. */
    public long inodesUsed() {
        return inodes < 0 || inodesFree < 0 ? -1 : inodes - inodesFree;
    }

    /**
     * Measures the file system holding {@code dir} (or its nearest existing ancestor); null when there is none or it
     * cannot be read. Inode counts need coreutils' {@code stat} (the JDK does not expose them): a process per call.
     */
    public static FsUsage of(Path dir) {
        FsUsage space = space(dir);
        if (space == null) {
            return null;
        }
        Path existing = existing(dir);
        long inodes = -1;
        long inodesFree = -1;
        HostCommand.Result r = HostCommand.run(List.of("stat", "-f", "-c", "%c %d", existing.toString()),
                Duration.ofSeconds(5));
        if (r.ok()) {
            String[] f = r.stdout().strip().split("\\s+");
            try {
                long total = Long.parseLong(f[0]);
                long free = Long.parseLong(f[1]);
                if (total > 0) {
                    inodes = total;
                    inodesFree = free;
                }
            } catch (RuntimeException e) {
                log.debug("stat -f {}: unexpected output {}", existing, r.stdout());
            }
        }
        return new FsUsage(space.capacityBytes(), space.availableBytes(), space.usedBytes(), inodes, inodesFree);
    }

    /**
     * The space figures of the file system holding {@code dir} without its inode counts (-1), which would cost a
     * process: for the many small file systems of pod volumes (tmpfs) measured at every sample. Null as {@link #of}.
     */
    public static FsUsage space(Path dir) {
        Path existing = existing(dir);
        if (existing == null) {
            return null;
        }
        try {
            FileStore store = Files.getFileStore(existing);
            long capacity = store.getTotalSpace();
            return new FsUsage(capacity, store.getUsableSpace(), capacity - store.getUnallocatedSpace(), -1, -1);
        } catch (IOException e) {
            log.debug("cannot stat the file system of {}: {}", dir, e.toString());
            return null;
        }
    }

    /** {@code dir}, or its nearest ancestor that exists; null when none does. */
    public static Path existing(Path dir) {
        if (dir == null) {
            return null;
        }
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p;
    }
}
