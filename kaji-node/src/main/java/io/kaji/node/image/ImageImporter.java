package io.kaji.node.image;

import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports an image tarball (OCI layout or docker save) into a containerd's {@code k8s.io} namespace, the one the
 * CRI sees, with {@code ctr images import}; the image is unpacked for the overlayfs snapshotter so the first
 * container does not wait for it. No registry is contacted. Blocking; thread-safe.
 */
public final class ImageImporter {

    /** containerd's namespace for CRI images. */
    public static final String CRI_NAMESPACE = "k8s.io";
    private static final Logger log = LoggerFactory.getLogger(ImageImporter.class);

    private final Path socket;
    private final Path ctr;

    /** An importer talking to the containerd at {@code socket} through {@code ctr}. */
    public ImageImporter(Path socket, Path ctr) {
        this.socket = socket;
        this.ctr = ctr;
    }

    public static ImageImporter forSocket(Path socket) {
        return new ImageImporter(socket, Path.of("/usr/bin/ctr"));
    }

    /**
     * Imports {@code tarball}; returns ctr's report (one line per image).
     *
     * @throws IllegalArgumentException if the file does not exist
     * @throws UncheckedIOException naming the file and ctr's error if the import fails
     */
    public String importTarball(Path tarball) {
        if (!Files.isRegularFile(tarball)) {
            throw new IllegalArgumentException("import image " + tarball + ": no such file");
        }
        long began = System.nanoTime();
        HostCommand.Result r = HostCommand.run(List.of(ctr.toString(), "--address", socket.toString(), "-n",
                CRI_NAMESPACE, "images", "import", "--snapshotter", "overlayfs", tarball.toString()),
                Duration.ofMinutes(5));
        if (!r.ok()) {
            throw new UncheckedIOException(new IOException("import image " + tarball + " into "
                    + socket + ": " + (r.stderr().isBlank() ? "exit code " + r.exitCode() : r.stderr().strip())));
        }
        log.info("imported image file={} socket={} in {}ms", tarball, socket, (System.nanoTime() - began) / 1_000_000);
        return r.stdout().strip();
    }
}
