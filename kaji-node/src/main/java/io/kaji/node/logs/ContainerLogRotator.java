package io.kaji.node.logs;

import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Container log rotation, as the kubelet's container log manager does it: every {@link LogRotationPolicy#period()}
 * each running container's log ({@code <attempt>.log}, {@link PodLogs}) that has reached
 * {@link LogRotationPolicy#maxSizeBytes()} is renamed to {@code <attempt>.log.<yyyyMMdd-HHmmss>} (UTC) and the
 * runtime is told to reopen it (CRI {@code ReopenContainerLog}), so the container writes on into a new, empty
 * file. Before that the older rotated files are gzipped ({@code .gz}; the newest rotated one stays plain, the
 * runtime may still be finishing a write to it) and the oldest deleted, so that an attempt keeps at most
 * {@link LogRotationPolicy#maxFiles()} files. {@code kubectl logs} reads the current file, as with the kubelet;
 * a follow that is reading when the file is rotated goes on in the new one ({@link ContainerLogStreamer}).
 *
 * <p>If the runtime cannot reopen the log, the rename is undone and the next round tries again. A log file that is
 * missing (a reopen that never happened, say after an agent crash) is reopened. One round at a time, on its own
 * thread; a container whose rotation fails is logged and does not stop the others.
 */
public final class ContainerLogRotator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ContainerLogRotator.class);
    /** The kubelet's suffix format (Go {@code 20060102-150405}). */
    static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    static final String GZ = ".gz";
    static final String TMP = ".tmp";

    private final String nodeName;
    private final ContainerRuntime runtime;
    private final PodLogs podLogs;
    private final LogRotationPolicy policy;
    private final Clock clock;
    private final ScheduledExecutorService timer;

    public ContainerLogRotator(String nodeName, ContainerRuntime runtime, PodLogs podLogs, LogRotationPolicy policy,
                               Clock clock) {
        this.nodeName = nodeName;
        this.runtime = runtime;
        this.podLogs = podLogs;
        this.policy = policy;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-log-rotation-" + nodeName).daemon(true).factory());
    }

    /** Rotates every period, the first time one period from now; returns at once. */
    public void start() {
        long ms = policy.period().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                rotateAll();
            } catch (RuntimeException e) {
                log.warn("node {}: container log rotation failed: {}", nodeName, e.getMessage());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
        log.info("node {}: container log rotation started (at {} bytes, {} files per container, every {})", nodeName,
                policy.maxSizeBytes(), policy.maxFiles(), policy.period());
    }

    /**
     * One round over the running containers.
     *
     * @return the logs rotated in this round (their new, rotated names)
     * @throws RuntimeException when the runtime cannot list its containers
     */
    public synchronized List<Path> rotateAll() {
        List<Path> rotated = new ArrayList<>();
        for (ContainerInfo c : runtime.listContainers(KajiLabels.managed())) {
            PodRef pod = KajiLabels.podOf(c.labels());
            if (c.state() != ContainerState.RUNNING || pod == null) {
                continue;
            }
            Path file = podLogs.file(pod, c.name(), c.attempt());
            try {
                Path r = rotateIfFull(c.id(), file);
                if (r != null) {
                    rotated.add(r);
                }
            } catch (IOException | RuntimeException e) {
                log.warn("node {}: cannot rotate log {} of container {} of pod {}: {}", nodeName, file,
                        c.id().substring(0, Math.min(12, c.id().length())), pod, e.getMessage());
            }
        }
        return rotated;
    }

    /** Rotates {@code file}, the log of running container {@code id}, if it is full; returns the rotated name. */
    Path rotateIfFull(String id, Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            // Renamed by a rotation whose reopen never happened: the runtime writes into the renamed file.
            runtime.reopenContainerLog(id);
            log.info("node {}: log {} of container {} was missing; reopened", nodeName, file, id);
            return null;
        }
        if (size < policy.maxSizeBytes()) {
            return null;
        }
        List<Path> older = tidy(file);
        for (Path p : older) {
            if (!p.getFileName().toString().endsWith(GZ)) {
                compress(p);
            }
        }
        Path target = file.resolveSibling(file.getFileName() + "." + STAMP.format(clock.instant()));
        if (Files.exists(target) || Files.exists(target.resolveSibling(target.getFileName() + GZ))) {
            return null; // rotated within this second already: next round
        }
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        try {
            runtime.reopenContainerLog(id);
        } catch (RuntimeException e) {
            // Put it back so that nothing is lost and the next round tries again.
            Files.move(target, file, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        log.debug("node {}: rotated log {} of container {} ({} bytes)", nodeName, target, id, size);
        return target;
    }

    /**
     * The rotated files of {@code file}, oldest first, after removing the leftovers of an interrupted compression
     * (a {@code .tmp}, or a plain file whose {@code .gz} is complete) and the oldest beyond {@code maxFiles - 2}
     * (the rotation about to happen adds one, the runtime's new file another).
     */
    List<Path> tidy(Path file) throws IOException {
        String prefix = file.getFileName() + ".";
        List<Path> rotated;
        try (Stream<Path> s = Files.list(file.getParent())) {
            rotated = new ArrayList<>(s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList());
        }
        for (var it = rotated.iterator(); it.hasNext(); ) {
            Path p = it.next();
            String name = p.getFileName().toString();
            if (name.endsWith(TMP) || (!name.endsWith(GZ) && rotated.contains(p.resolveSibling(name + GZ)))) {
                Files.deleteIfExists(p);
                it.remove();
            }
        }
        int excess = rotated.size() - Math.max(0, policy.maxFiles() - 2);
        for (int i = 0; i < excess; i++) {
            Files.deleteIfExists(rotated.get(0));
            rotated.remove(0);
        }
        return rotated;
    }

    /** Gzips {@code p} to {@code p.gz} (through {@code p.gz.tmp}) and deletes {@code p}. */
    static void compress(Path p) throws IOException {
        Path gz = p.resolveSibling(p.getFileName() + GZ);
        Path tmp = p.resolveSibling(gz.getFileName() + TMP);
        try (InputStream in = Files.newInputStream(p);
             OutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp), 64 * 1024)) {
            in.transferTo(out);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, gz, StandardCopyOption.ATOMIC_MOVE);
        Files.delete(p);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
