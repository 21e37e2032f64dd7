package io.kaji.node.logs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Copies one CRI container log file to a client as the kubelet's {@code containerLogs} endpoint does: the CRI
 * prefix stripped, partial ({@code P}) pieces joined per stream, optionally each line prefixed with its time
 * ({@code timestamps}), the last {@code tailLines} lines, lines at or after {@code since}, at most
 * {@code limitBytes} bytes, and with {@code follow} new lines as the runtime appends them until the writer is
 * done; a follow goes on in the new file when the log is rotated. Lines not in the CRI format are skipped.
 * Blocking; one instance per request, not thread-safe.
 */
public final class ContainerLogStreamer {

    /** Go's {@code 2006-01-02T15:04:05.000000000Z07:00}, the kubelet's output format for {@code timestamps}. */
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSXXX").withZone(ZoneOffset.UTC);
    private static final int CHUNK = 64 * 1024;

    /**
     * What to send.
     *
     * @param follow     keep sending lines the runtime appends
     * @param tailLines  only the last lines of the file; negative for all
     * @param limitBytes stop after this many bytes; negative for no limit
     * @param since      only lines at or after this time; null for all
     * @param timestamps prefix each line with its RFC 3339 time (nanoseconds) and a space
     */
    public record Options(boolean follow, int tailLines, long limitBytes, Instant since, boolean timestamps) {
        public static final Options ALL = new Options(false, -1, -1, null, false);
    }

    private final Options options;
    private final OutputStream out;
    private final Map<CriLogLine.Stream, Pending> pending = new EnumMap<>(CriLogLine.Stream.class);
    private final ByteArrayOutputStream carry = new ByteArrayOutputStream();
    private ArrayDeque<LogEntry> tail;
    private long remaining;
    private long written;

    /** The file being read: the log, or after a rotation the new log. */
    private FileChannel channel;
    private Object fileKey;

    private ContainerLogStreamer(Options options, OutputStream out) {
        this.options = options;
        this.out = out;
        this.remaining = options.limitBytes() < 0 ? Long.MAX_VALUE : options.limitBytes();
        this.tail = options.tailLines() >= 0 ? new ArrayDeque<>() : null;
    }

    /**
     * Copies {@code file} to {@code out}. With {@code follow}, after the end of the file it polls every
     * {@code poll} for more and returns once {@code writerDone} says the container attempt will write no more
     * and everything it wrote was sent. Returns the number of bytes written.
     *
     * @throws IOException          if the file cannot be read or {@code out} fails (the client went away)
     * @throws InterruptedException if interrupted while following
     */
    public static long copy(Path file, Options options, OutputStream out, BooleanSupplier writerDone, Duration poll)
            throws IOException, InterruptedException {
        ContainerLogStreamer s = new ContainerLogStreamer(options, out);
        s.channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            s.fileKey = fileKey(file);
            s.run(file, writerDone, poll);
        } finally {
            s.channel.close();
        }
        out.flush();
        return s.written;
    }

    /** The identity of the file {@code path} names now (its inode), or null if there is none. */
    private static Object fileKey(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Whether {@code file} now names another file than the one being read: the log was rotated
     * ({@link ContainerLogRotator}) and the runtime writes into the new one.
     */
    private boolean rotated(Path file) throws IOException {
        Object now = fileKey(file);
        return now != null && fileKey != null && !now.equals(fileKey);
    }

    private void run(Path file, BooleanSupplier writerDone, Duration poll)
            throws IOException, InterruptedException {
        FileChannel ch = channel;
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        if (!readAvailable(ch, buf)) {
            out.flush();
            return;
        }
        if (!options.follow()) {
            finishPending();
        }
        if (tail != null) {
            ArrayDeque<LogEntry> last = tail;
            tail = null;
            for (LogEntry e : last) {
                if (!emit(e)) {
                    return;
                }
            }
        }
        out.flush();
        if (!options.follow()) {
            return;
        }
        while (remaining > 0) {
            // Ask before reading: whatever the writer wrote before it was done is then read below.
            boolean done = writerDone.getAsBoolean();
            if (!readAvailable(ch, buf)) {
                return;
            }
            out.flush();
            if (done) {
                finishPending();
                out.flush();
                return;
            }
            if (rotated(file)) {
                // A write the runtime had in flight when it switched files lands in the old one: read it first.
                Thread.sleep(poll.toMillis());
                if (!readAvailable(ch, buf)) {
                    return;
                }
                FileChannel next = FileChannel.open(file, StandardOpenOption.READ);
                fileKey = fileKey(file);
                ch.close();
                channel = next;
                ch = next;
                continue;
            }
            Thread.sleep(poll.toMillis());
        }
    }

    /** Reads to the current end of the file; false once the byte limit is reached. */
    private boolean readAvailable(FileChannel ch, ByteBuffer buf) throws IOException {
        while (true) {
            buf.clear();
            int n = ch.read(buf);
            if (n <= 0) {
                return remaining > 0;
            }
            byte[] a = buf.array();
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (a[i] == '\n') {
                    carry.write(a, start, i - start);
                    String raw = carry.toString(StandardCharsets.UTF_8);
                    carry.reset();
                    start = i + 1;
                    if (!line(raw)) {
                        return false;
                    }
                }
            }
            carry.write(a, start, n - start);
        }
    }

    /** One raw CRI line; false once the byte limit is reached. */
    private boolean line(String raw) throws IOException {
        var parsed = CriLogParser.parse(raw);
        if (parsed.isEmpty()) {
            return true;
        }
        CriLogLine l = parsed.get();
        Pending p = pending.computeIfAbsent(l.stream(), s -> new Pending(l.time(), l.stream(), new StringBuilder()));
        p.text.append(l.text());
        if (l.partial()) {
            return true;
        }
        pending.remove(l.stream());
        return offer(new LogEntry(p.time, l.stream(), p.text.toString(), true));
    }

    /** Pieces whose newline never came (the container ended mid-line) go out without one. */
    private void finishPending() throws IOException {
        var rest = pending.values().stream().sorted((a, b) -> a.time.compareTo(b.time)).toList();
        pending.clear();
        for (Pending p : rest) {
            if (!offer(new LogEntry(p.time, p.stream, p.text.toString(), false))) {
                return;
            }
        }
    }

    private boolean offer(LogEntry e) throws IOException {
        if (tail != null) {
            if (options.tailLines() > 0) {
                tail.addLast(e);
                if (tail.size() > options.tailLines()) {
                    tail.removeFirst();
                }
            }
            return true;
        }
        return emit(e);
    }

    /** Writes one entry (if not before {@code since}); false once the byte limit is reached. */
    private boolean emit(LogEntry e) throws IOException {
        if (options.since() != null && e.time().isBefore(options.since())) {
            return true;
        }
        StringBuilder sb = new StringBuilder();
        if (options.timestamps()) {
            sb.append(TIMESTAMP.format(e.time())).append(' ');
        }
        sb.append(e.text());
        if (e.complete()) {
            sb.append('\n');
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        int n = (int) Math.min(bytes.length, remaining);
        out.write(bytes, 0, n);
        written += n;
        remaining -= n;
        return remaining > 0;
    }

    private record Pending(Instant time, CriLogLine.Stream stream, StringBuilder text) {
    }
}
