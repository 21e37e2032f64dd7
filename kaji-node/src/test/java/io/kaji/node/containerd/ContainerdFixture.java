package io.kaji.node.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kaji.node.cni.BridgeNetwork;
import io.kaji.node.cri.CriConnection;
import io.kaji.node.host.HostCommand;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.ImageImporter;
import io.kaji.node.image.OciImageLayout;
import io.kaji.node.image.PauseImage;
import io.kaji.node.runtime.CriContainerRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, supervised containerd for integration tests: a temporary data dir, the pause and busybox images
 * imported, a CNI bridge on a pod CIDR inside 100.64.0.0/10. {@link #close()} stops containerd, kills the shims
 * and containers, unmounts, deletes the bridge, restores iptables and ip_forward, and removes the data dir.
 *
 * <p>Skipped (JUnit assumption) unless running as root with containerd, runc, ctr and the CNI plugins installed.
 */
public final class ContainerdFixture implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ContainerdFixture.class);

    public final Path dataDir;
    public final ContainerdConfig config;
    public final ContainerdSupervisor supervisor;
    public final CriConnection cri;
    public final CriContainerRuntime runtime;
    public final BridgeNetwork network;
    private long startMillis;
    private final HostNetworkState hostState;
    private boolean pauseImported;

    private ContainerdFixture(String bridge, String podCidr) throws IOException {
        hostState = HostNetworkState.capture();
        dataDir = Files.createTempDirectory("kaji-node-it-");
        config = ContainerdConfig.defaults(dataDir.resolve("containerd"), PauseImage.NAME);
        network = new BridgeNetwork("kaji-it", bridge, podCidr, dataDir.resolve("ipam"));
        network.writeTo(config.cniConfDir());
        // As the agent (kaji-cli's LocalAgent) does: the supervisor probes over the runtime's own connection.
        cri = CriConnection.open(config.socket());
        supervisor = new ContainerdSupervisor(config, new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2),
                Duration.ofMinutes(1)), Duration.ofSeconds(30), Duration.ofSeconds(1), Clock.systemUTC(), null, cri);
        supervisor.addListener(h -> cri.resetConnectBackoff());
        runtime = new CriContainerRuntime(cri);
    }

    /** Starts containerd and imports the pause and busybox images. */
    public static ContainerdFixture start(String bridge, String podCidr) throws IOException {
        assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false), "needs root");
        for (String binary : List.of("/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc", "/usr/lib/cni/bridge",
                "/usr/bin/gcc", BusyboxImage.HOST_BUSYBOX.toString())) {
            assumeTrue(Files.isExecutable(Path.of(binary)), "needs " + binary);
        }
        assertThat(podCidr).as("tests use 100.64.0.0/10 only").startsWith("100.");
        ContainerdFixture f = new ContainerdFixture(bridge, podCidr);
        try {
            long began = System.nanoTime();
            f.supervisor.start();
            f.startMillis = (System.nanoTime() - began) / 1_000_000;
            f.importImages();
        } catch (RuntimeException | Error e) {
            f.close();
            throw e;
        }
        return f;
    }

    private void importImages() {
        Path images = dataDir.resolve("images");
        ImageImporter importer = ImageImporter.forSocket(config.socket());
        long began = System.nanoTime();
        pauseImported = PauseImage.ensureImported(images, importer, runtime);
        long pauseDone = System.nanoTime();
        importImage(BusyboxImage.image(BusyboxImage.NAME, BusyboxImage.HOST_BUSYBOX));
        log.info("timing: pause image compiled+imported {} ms, busybox image built+imported {} ms",
                (pauseDone - began) / 1_000_000, (System.nanoTime() - pauseDone) / 1_000_000);
    }

    /** Writes {@code image} as an OCI tarball under this node's data dir and imports it into its containerd. */
    public void importImage(io.kaji.node.image.OciImage image) {
        Path tar = dataDir.resolve("images").resolve(image.name().replaceAll("[^A-Za-z0-9._-]", "_") + ".tar");
        try {
            java.nio.file.Files.createDirectories(tar.getParent());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        OciImageLayout.write(image, tar);
        ImageImporter.forSocket(config.socket()).importTarball(tar);
    }

    /** How long containerd took from start until the CRI answered. */
    public long startMillis() {
        return startMillis;
    }

    /** Whether {@link PauseImage#ensureImported} had to import the pause image at start-up. */
    public boolean pauseImported() {
        return pauseImported;
    }

    @Override
    public void close() {
        try {
            supervisor.close();
        } finally {
            cri.close();
            new ContainerdResidue(config).remove();
            HostCommand.run(List.of("ip", "link", "del", network.bridge()), Duration.ofSeconds(10));
            hostState.restore();
            List<String> left = hostState.changes();
            if (!left.isEmpty()) {
                log.warn("iptables changes left after restore: {}", left);
            }
            deleteTree(dataDir);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("delete " + dir, e);
        }
    }
}
