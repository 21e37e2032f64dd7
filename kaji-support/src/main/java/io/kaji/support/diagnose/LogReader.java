package io.kaji.support.diagnose;

import java.util.List;

/** Reads the tail of a container's log, for the analyzers that quote it. */
public interface LogReader {

    /**
     * The last {@code lines} lines of a container's log, or of its previous instance when {@code previous} (the
     * one that crashed); empty when there is none or it cannot be read.
     */
    List<String> tail(String namespace, String pod, String container, boolean previous, int lines);

    /** A reader that never has logs (offline analysis, or {@code --no-logs}). */
    LogReader NONE = (ns, pod, container, previous, lines) -> List.of();
}
