package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.kaji.node.logs.CriLogReader;
import io.kaji.node.logs.LogEntry;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.ContainerStatus;
import io.kaji.node.volume.PodVolumes;
import io.kaji.node.volume.VolumeError;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A terminated container's message, as the kubelet makes it: what the container wrote to its
 * {@code terminationMessagePath} (the last {@value #MAX_BYTES} bytes), or — with {@code terminationMessagePolicy:
 * FallbackToLogsOnError}, a non-zero exit and nothing written — the last {@value #LOG_LINES} lines of its log, at
 * most {@value #LOG_BYTES} bytes; appended to the runtime's own message after ": ".
 */
final class TerminationMessages {

    /** The kubelet's MaxContainerTerminationMessageLength. */
    static final int MAX_BYTES = 4096;
    /** The kubelet's MaxContainerTerminationMessageLogLines and MaxContainerTerminationMessageLogLength. */
    static final int LOG_LINES = 80;
    static final int LOG_BYTES = 2048;

    private TerminationMessages() {
    }

    /** The path inside the container where {@code c} writes its message, or null for none. */
    static String path(Container c) {
        String p = c.getTerminationMessagePath();
        return p == null || p.isEmpty() ? null : p;
    }

    /**
     * {@code mounts} and, as the kubelet gives each start of a container with a {@code terminationMessagePath} (unless
     * a volume is mounted there), a fresh file for attempt {@code attempt} (written by {@code volumes}), where the
     * container may leave why it ended.
     */
    static List<ContainerSpec.Mount> withLogFile(PodVolumes volumes, String uid, Container c, int attempt,
                                                 List<ContainerSpec.Mount> mounts) throws VolumeError {
        String messagePath = path(c);
        if (messagePath == null || mounts.stream().anyMatch(m -> m.containerPath().equals(messagePath))) {
            return mounts;
        }
        List<ContainerSpec.Mount> out = new ArrayList<>(mounts);
        out.add(new ContainerSpec.Mount(volumes.terminationLog(uid, c.getName(), attempt, true).toString(),
                messagePath, false));
        return out;
    }

    /** {@code exited}'s status with its termination message; {@code file} is what was mounted at the path. */
    static ContainerStatus withMessage(Container c, ContainerStatus exited, Path file) {
        String written = file == null ? "" : tail(file);
        boolean fallback = "FallbackToLogsOnError".equals(c.getTerminationMessagePolicy()) && exited.exitCode() != 0
                && !"ContainerCannotRun".equals(exited.reason());
        String message = written.isEmpty() && fallback && exited.logPath() != null ? lastLogText(exited.logPath())
                : written;
        if (message.isEmpty()) {
            return exited;
        }
        String runtime = exited.message() == null ? "" : exited.message();
        return exited.withMessage(runtime.isEmpty() ? message : runtime + ": " + message);
    }

    /** The last {@link #MAX_BYTES} bytes of {@code file}; "" if it is missing or empty. */
    static String tail(Path file) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            byte[] b = new byte[(int) Math.min(length, MAX_BYTES)];
            f.seek(length - b.length);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        } catch (java.io.FileNotFoundException e) {
            return "";
        } catch (IOException e) {
            return "Error on reading termination log " + file + ": " + e.getMessage();
        }
    }

    /** The text of the log's last {@link #LOG_LINES} lines, cut after {@link #LOG_BYTES} bytes. */
    static String lastLogText(Path log) {
        if (!Files.exists(log)) {
            return "";
        }
        List<LogEntry> entries;
        try {
            entries = CriLogReader.read(log, new CriLogReader.Options(null, LOG_LINES));
        } catch (UncheckedIOException e) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (LogEntry e : entries) {
            b.append(e.text());
            if (e.complete()) {
                b.append('\n');
            }
        }
        byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
        return bytes.length <= LOG_BYTES ? b.toString() : new String(bytes, 0, LOG_BYTES, StandardCharsets.UTF_8);
    }
}
