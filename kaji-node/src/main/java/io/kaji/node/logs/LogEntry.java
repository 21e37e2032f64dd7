package io.kaji.node.logs;

import java.time.Instant;

/**
 * One logical line of container output, partial pieces joined: what {@code kubectl logs} prints.
 *
 * @param time     the time of the line's first piece
 * @param complete false if the stream ended before a newline (the runtime's final {@code P} line)
 */
public record LogEntry(Instant time, CriLogLine.Stream stream, String text, boolean complete) {
}
