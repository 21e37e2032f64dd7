package io.kaji.node;

import io.kaji.node.containerd.ContainerdConfig;
import io.kaji.node.image.PauseImage;
import io.kaji.node.runtime.PodLogs;
import java.nio.file.Path;

/**
 * Where one node keeps its files under its data dir: {@code containerd/} (the private containerd's root, state,
 * sockets and CNI config), {@code pods/} (container logs), {@code images/} (the compiled pause binary and image
 * tarballs), {@code ipam/} (host-local allocations). A value; thread-safe.
 */
public record NodeLayout(Path dataDir) {

    public NodeLayout {
        dataDir = dataDir.toAbsolutePath().normalize();
    }

    /** {@code ~/.kaji/node}, the default data dir of the local node. */
    public static NodeLayout defaultLayout() {
        return new NodeLayout(Path.of(System.getProperty("user.home"), ".kaji", "node"));
    }

    /** The private containerd's configuration with the Debian binaries and Kaji's pause image. */
    public ContainerdConfig containerd() {
        return ContainerdConfig.defaults(dataDir.resolve("containerd"), PauseImage.NAME);
    }

    /** The CRI socket of the node's own containerd. */
    public Path criSocket() {
        return containerd().socket();
    }

    public PodLogs podLogs() {
        return new PodLogs(dataDir.resolve("pods"));
    }

    public Path imageCache() {
        return dataDir.resolve("images");
    }

    public Path ipamDir() {
        return dataDir.resolve("ipam");
    }
}
