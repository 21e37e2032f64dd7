package io.kaji.node.image;

import io.kaji.node.host.HostCommand;
import io.kaji.node.runtime.ContainerRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kaji's sandbox ("pause") image: a small static C program (resource {@code pause.c}) compiled with gcc at first
 * use and cached under a directory of the caller's choice, keyed by the source's digest so a changed source is
 * rebuilt. Blocking; safe to call from several threads (compilation goes to a temporary file and is moved in).
 */
public final class PauseImage {

    /** The full name of the pause image, the containerd {@code sandbox_image}. */
    public static final String NAME = "docker.io/kaji/pause:1.0";

    private static final Logger log = LoggerFactory.getLogger(PauseImage.class);
    private static final String SOURCE = "pause.c";

    private PauseImage() {
    }

    /** The pause binary under {@code cacheDir}, compiled now if it is missing or stale. */
    public static Path binary(Path cacheDir) {
        byte[] source = source();
        String key = OciImageLayout.sha256(source).substring("sha256:".length(), "sha256:".length() + 12);
        Path binary = cacheDir.resolve("pause-" + key);
        if (Files.isExecutable(binary)) {
            return binary;
        }
        try {
            Files.createDirectories(cacheDir);
            Path src = Files.createTempFile(cacheDir, "pause-", ".c");
            Path out = Files.createTempFile(cacheDir, "pause-", ".bin");
            try {
                Files.write(src, source);
                long began = System.nanoTime();
                HostCommand.run(List.of("gcc", "-static", "-Os", "-s", "-Wall", "-o", out.toString(), src.toString()),
                        Duration.ofMinutes(2)).orThrow();
                Files.move(out, binary, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                log.info("compiled pause binary={} in {}ms", binary, (System.nanoTime() - began) / 1_000_000);
            } finally {
                Files.deleteIfExists(src);
                Files.deleteIfExists(out);
            }
            return binary;
        } catch (IOException e) {
            throw new UncheckedIOException("build pause binary in " + cacheDir + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("build pause binary in " + cacheDir + " (is gcc with static libc "
                    + "installed?): " + e.getMessage(), e.getCause());
        }
    }

    /**
     * Makes sure the runtime holds the pause image (its sandbox image), building and importing it if not, so that
     * containerd never tries to pull it. Returns true if it had to be imported. Blocking.
     */
    public static boolean ensureImported(Path cacheDir, ImageImporter importer, ContainerRuntime runtime) {
        if (runtime.imageStatus(NAME).isPresent()) {
            return false;
        }
        Path tarball = cacheDir.resolve("pause.tar");
        OciImageLayout.write(image(binary(cacheDir)), tarball);
        importer.importTarball(tarball);
        return true;
    }

    /** The pause image around {@code binary}: {@code /pause} as the entrypoint. */
    public static OciImage image(Path binary) {
        try {
            return new OciImage(NAME, List.of("/pause"), List.of(), List.of(OciImage.DEFAULT_PATH), "/",
                    List.of(new ImageFile.Regular("/pause", 0755, Files.readAllBytes(binary))));
        } catch (IOException e) {
            throw new UncheckedIOException("read pause binary " + binary, e);
        }
    }

    static byte[] source() {
        try (InputStream in = PauseImage.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + SOURCE + " is missing from kaji-node");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("read resource " + SOURCE, e);
        }
    }
}
