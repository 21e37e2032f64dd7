package io.kaji.node.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where container logs live, as the kubelet lays them out: one directory per pod,
 * {@code <root>/<namespace>_<name>_<uid>}, given to the sandbox as its log directory, and one file per container
 * attempt, {@code <container>/<attempt>.log}, relative to it. A restart is a new attempt and so a new file
 * (containerd reserves the name of each attempt). Log rotation renames a full log to
 * {@code <attempt>.log.<yyyyMMdd-HHmmss>} (older ones gzipped, {@code .gz}) and the runtime starts a new
 * {@code <attempt>.log}. Stateless; thread-safe.
 */
public record PodLogs(Path root) {

    /** The pod's log directory (absolute). */
    public Path podDirectory(PodRef pod) {
        return root.resolve(pod.namespace() + "_" + pod.name() + "_" + pod.uid()).toAbsolutePath();
    }

    /** The container log path relative to the pod's directory, as CRI {@code log_path} wants it. */
    public static String relativePath(String container, int attempt) {
        return container + "/" + attempt + ".log";
    }

    /** The absolute path of one attempt's log. */
    public Path file(PodRef pod, String container, int attempt) {
        return podDirectory(pod).resolve(relativePath(container, attempt));
    }

    /**
     * The attempt after the highest one with a log file (current or rotated) of {@code container} in the pod's
     * directory, 0 if there is none: where the kubelet takes a container's restart count from when the runtime no
     * longer has its earlier instances (a re-created sandbox, containerd's state lost).
     */
    public int nextAttempt(PodRef pod, String container) {
        Path dir = podDirectory(pod).resolve(container);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int max = -1;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                int dot = name.indexOf(".log");
                if (dot > 0 && (name.length() == dot + 4 || name.charAt(dot + 4) == '.')) {
                    try {
                        max = Math.max(max, Integer.parseInt(name.substring(0, dot)));
                    } catch (NumberFormatException e) {
                        // not an attempt's log
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list logs of " + container + " in " + dir + ": " + e.getMessage(), e);
        }
        return max + 1;
    }

    /**
     * Deletes one attempt's log and its rotated predecessors ({@code <attempt>.log.*}), as the kubelet's
     * removeContainer does. Missing files are fine.
     *
     * @return the bytes deleted
     * @throws IOException when a file exists but cannot be deleted (the others are still tried)
     */
    public long deleteAttempt(PodRef pod, String container, int attempt) throws IOException {
        Path file = file(pod, container, attempt);
        Path dir = file.getParent();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        String name = file.getFileName().toString();
        long bytes = 0;
        IOException failed = null;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> isLogOrRotated(p.getFileName().toString(), name)).toList()) {
                try {
                    long size = Files.size(p);
                    if (Files.deleteIfExists(p)) {
                        bytes += size;
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // gone meanwhile
                } catch (IOException e) {
                    failed = e;
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
        return bytes;
    }

    private static boolean isLogOrRotated(String candidate, String log) {
        return candidate.equals(log) || candidate.startsWith(log + ".");
    }

    /** Deletes the pod's log directory once the pod is gone. Blocking; missing is fine. */
    public void remove(PodRef pod) {
        Path dir = podDirectory(pod);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("remove logs of pod " + pod + " in " + dir + ": " + e.getMessage(), e);
        }
    }
}
