package io.kaji.node.logs;

import java.time.Instant;

/**
 * One line of a CRI container log file: {@code <RFC3339Nano time> <stdout|stderr> <F|P> <text>}.
 *
 * @param partial true for tag {@code P}: the runtime split a long line, or the stream closed before a newline;
 *                the next line of the same stream continues it
 * @param text    the content without the trailing newline
 */
public record CriLogLine(Instant time, Stream stream, boolean partial, String text) {

    /** The container output stream a line came from. */
    public enum Stream { STDOUT, STDERR }
}
