package io.kaji.node.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** {@code <n>.log}, or a rotated {@code <n>.log.<suffix>}. */
    private static final Pattern ATTEMPT_LOG = Pattern.compile("([0-9]{1,9})\\.log(\\..+)?");

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
     * The attempts of {@code container} with a current log file ({@code <n>.log}), ascending; empty when the
     * directory cannot be listed.
     */
    public List<Integer> attempts(PodRef pod, String container) {
        try {
            return attemptsWith(pod, container, false);
        } catch (UncheckedIOException e) {
            return List.of();
        }
    }

    /**
     * The attempt after the highest one with a log file (current or rotated) of {@code container} in the pod's
     * directory, 0 if there is none: where the kubelet takes a container's restart count from when the runtime no
     * longer has its earlier instances (a re-created sandbox, containerd's state lost).
     */
    public int nextAttempt(PodRef pod, String container) {
        List<Integer> all = attemptsWith(pod, container, true);
        return all.isEmpty() ? 0 : all.get(all.size() - 1) + 1;
    }

    /** The attempts with a {@code <n>.log} file, and with {@code rotated} also those with only {@code <n>.log.*}. */
    private List<Integer> attemptsWith(PodRef pod, String container, boolean rotated) {
        Path dir = podDirectory(pod).resolve(container);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Matcher m = ATTEMPT_LOG.matcher(p.getFileName().toString());
                if (m.matches() && (rotated || m.group(2) == null)) {
                    out.add(Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list logs of " + container + " in " + dir + ": " + e.getMessage(), e);
        }
        return List.copyOf(out);
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
