package io.kaji.node.imagegc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** How full the file system holding the runtime's images is: the host's ({@link #at}) or a test's figures. */
@FunctionalInterface
public interface ImageFilesystem {

    /**
     * One measurement.
     *
     * @param capacityBytes  the file system's size
     * @param availableBytes the bytes unprivileged users may still write (statfs f_bavail, as cAdvisor reports it)
     */
    record Usage(long capacityBytes, long availableBytes) {

        /** Used percentage as the kubelet computes it: 100 − available·100/capacity, in whole percent. */
        public int usagePercent() {
            return 100 - (int) (Math.min(availableBytes, capacityBytes) * 100 / capacityBytes);
        }

        /** The bytes to free to bring usage down to {@code lowPercent}: capacity·(100−low)/100 − available. */
        public long bytesToReach(int lowPercent) {
            return capacityBytes * (100 - lowPercent) / 100 - Math.min(availableBytes, capacityBytes);
        }
    }

    /** Measures now; blocking. @throws UncheckedIOException when the file system cannot be read */
    Usage usage();

    /**
     * The file system holding {@code dir} (containerd's root), measured with statfs each time. A directory that
     * does not exist yet is measured at its nearest existing parent.
     */
    static ImageFilesystem at(Path dir) {
        return () -> {
            Path existing = dir.toAbsolutePath();
            while (existing.getParent() != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            try {
                FileStore store = Files.getFileStore(existing);
                return new Usage(store.getTotalSpace(), store.getUsableSpace());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot stat the image file system at " + dir, e);
            }
        };
    }
}
