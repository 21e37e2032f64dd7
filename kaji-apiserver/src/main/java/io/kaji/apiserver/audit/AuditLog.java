package io.kaji.apiserver.audit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log file: lines handed over by {@link #offer} without blocking (a bounded queue; when it is full the
 * line is dropped and counted, so a slow disk never delays a request), written by one background thread, rotated
 * by size like kube-apiserver's (lumberjack) log: the full file is renamed {@code audit-<UTC time>.log} and a new
 * one started; at most {@code maxBackups} old files are kept, none older than {@code maxAge}. A null path writes to
 * standard output. Thread-safe.
 */
public final class AuditLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    /** Lines waiting for the writer; beyond this, events are dropped. */
    public static final int QUEUE_CAPACITY = 10_000;
    private static final DateTimeFormatter BACKUP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSS")
            .withZone(ZoneOffset.UTC);
    private static final byte[] STOP = new byte[0];

    private final Path path;
    private final long maxBytes;
    private final int maxBackups;
    private final Duration maxAge;
    private final Clock clock;
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Thread writer;
    private OutputStream out;
    private long size;

    /**
     * Opens (appends to) the log and starts its writer thread.
     *
     * @param path       the file, or null for standard output
     * @param maxBytes   rotate before a line would make the file larger than this; 0 never rotates
     * @param maxBackups old files kept; 0 keeps all
     * @param maxAge     old files deleted once older; zero keeps them regardless of age
     */
    public AuditLog(Path path, long maxBytes, int maxBackups, Duration maxAge, Clock clock) {
        this.path = path;
        this.maxBytes = maxBytes;
        this.maxBackups = maxBackups;
        this.maxAge = maxAge;
        this.clock = clock;
        try {
            open();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("open the audit log " + path + ": " + e.getMessage(), e);
        }
        this.writer = Thread.ofPlatform().name("audit-log-writer").daemon(true).start(this::run);
    }

    private void open() throws IOException {
        if (path == null) {
            out = new BufferedOutputStream(System.out, 64 * 1024);
            return;
        }
        Files.createDirectories(path.toAbsolutePath().getParent());
        out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE), 64 * 1024);
        size = Files.size(path);
        try {
            Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: permissions are the platform's.
        }
    }

    /** Queues one line (without its newline); false when the queue was full and the line was dropped. */
    public boolean offer(byte[] line) {
        if (queue.offer(line)) {
            return true;
        }
        dropped.incrementAndGet();
        return false;
    }

    /** Lines written so far. */
    public long written() {
        return written.get();
    }

    /** Lines dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Lines lost to write errors. */
    public long failed() {
        return failed.get();
    }

    private void run() {
        List<byte[]> batch = new ArrayList<>();
        while (true) {
            try {
                byte[] first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1000);
                boolean stop = false;
                for (byte[] line : batch) {
                    if (line == STOP) {
                        stop = true;
                    } else {
                        write(line);
                    }
                }
                batch.clear();
                flush();
                if (stop) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void write(byte[] line) {
        try {
            if (path != null && maxBytes > 0 && size > 0 && size + line.length + 1 > maxBytes) {
                rotate();
            }
            out.write(line);
            out.write('\n');
            size += line.length + 1;
            written.incrementAndGet();
        } catch (IOException e) {
            failed.incrementAndGet();
            LOG.warn("audit log {}: write failed: {}", path, e.getMessage());
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            LOG.warn("audit log {}: flush failed: {}", path, e.getMessage());
        }
    }

    private void rotate() throws IOException {
        out.close();
        Files.move(path, backupName(clock.instant()));
        open();
        prune();
    }

    /**
     * {@code audit.log} becomes {@code audit-2026-11-26T01-02-03.456.log}, as lumberjack names backups. Names only
     * grow: several rotations in one millisecond take the next free milliseconds, and a later rotation never takes
     * a name freed by pruning that sorts before the newest backup (pruning, which deletes by name order, would then
     * delete the wrong file).
     */
    Path backupName(Instant at) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        Instant t = lastBackup != null && !at.isAfter(lastBackup) ? lastBackup.plusMillis(1) : at;
        Path candidate = path.resolveSibling(base + "-" + BACKUP_TIME.format(t) + ext);
        while (Files.exists(candidate)) {
            t = t.plusMillis(1);
            candidate = path.resolveSibling(base + "-" + BACKUP_TIME.format(t) + ext);
        }
        lastBackup = t.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        return candidate;
    }

    /** The time in the newest backup's name, so that names keep growing. */
    private Instant lastBackup;

    /** The rotated files of this log, newest first (their names sort by time). */
    public List<Path> backups() throws IOException {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        try (Stream<Path> files = Files.list(path.toAbsolutePath().getParent())) {
            return files.filter(f -> {
                String n = f.getFileName().toString();
                return n.startsWith(base + "-") && n.endsWith(ext) && !n.equals(name);
            }).sorted(java.util.Comparator.comparing((Path f) -> f.getFileName().toString()).reversed()).toList();
        }
    }

    private void prune() throws IOException {
        List<Path> old = backups();
        Instant cutoff = maxAge.isZero() ? null : clock.instant().minus(maxAge);
        for (int i = 0; i < old.size(); i++) {
            Path f = old.get(i);
            boolean tooMany = maxBackups > 0 && i >= maxBackups;
            boolean tooOld = cutoff != null && Files.getLastModifiedTime(f).toInstant().isBefore(cutoff);
            if (tooMany || tooOld) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        try {
            queue.put(STOP);
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (path != null) {
                out.close();
            } else {
                out.flush();
            }
        } catch (IOException e) {
            LOG.warn("audit log {}: close failed: {}", path, e.getMessage());
        }
    }
}
