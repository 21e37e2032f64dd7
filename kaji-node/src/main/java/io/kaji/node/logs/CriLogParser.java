package io.kaji.node.logs;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Parses the lines containerd writes to container log files. Timestamps are RFC 3339 with 0 to 9 fraction digits
 * (Go's RFC3339Nano trims trailing zeros) and a {@code Z} or numeric offset. Stateless; thread-safe.
 */
public final class CriLogParser {

    private CriLogParser() {
    }

    /** The parsed line, or empty if {@code line} is not in the CRI format (a corrupt or foreign line). */
    public static Optional<CriLogLine> parse(String line) {
        int first = line.indexOf(' ');
        if (first < 0) {
            return Optional.empty();
        }
        int second = line.indexOf(' ', first + 1);
        if (second < 0) {
            return Optional.empty();
        }
        int third = line.indexOf(' ', second + 1);
        // "<time> <stream> <tag>" with an empty text may lack the last space.
        String tag = third < 0 ? line.substring(second + 1) : line.substring(second + 1, third);
        String text = third < 0 ? "" : line.substring(third + 1);
        CriLogLine.Stream stream = switch (line.substring(first + 1, second)) {
            case "stdout" -> CriLogLine.Stream.STDOUT;
            case "stderr" -> CriLogLine.Stream.STDERR;
            default -> null;
        };
        if (stream == null) {
            return Optional.empty();
        }
        boolean partial;
        if (tag.equals("P")) {
            partial = true;
        } else if (tag.equals("F")) {
            partial = false;
        } else {
            return Optional.empty();
        }
        Instant time;
        try {
            time = OffsetDateTime.parse(line.substring(0, first), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
        return Optional.of(new CriLogLine(time, stream, partial, text));
    }
}
