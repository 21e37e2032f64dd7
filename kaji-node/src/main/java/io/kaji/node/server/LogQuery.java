package io.kaji.node.server;

import io.kaji.node.logs.ContainerLogStreamer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * The kubelet's {@code containerLogs} query parameters (the API's PodLogOptions): {@code follow}, {@code previous},
 * {@code tailLines}, {@code limitBytes}, {@code sinceSeconds}, {@code sinceTime} (RFC 3339) and
 * {@code timestamps}, validated as the API server validates PodLogOptions.
 */
public record LogQuery(boolean previous, ContainerLogStreamer.Options options) {

    /** Parses the query; throws {@link IllegalArgumentException} with a message for the client. */
    public static LogQuery parse(Map<String, String> query, Instant now) {
        boolean follow = bool(query, "follow");
        boolean previous = bool(query, "previous");
        boolean timestamps = bool(query, "timestamps");
        long tail = number(query, "tailLines", -1);
        if (query.containsKey("tailLines") && tail < 0) {
            throw new IllegalArgumentException("tailLines: Invalid value: " + tail
                    + ": must be greater than or equal to 0");
        }
        long limit = number(query, "limitBytes", -1);
        if (query.containsKey("limitBytes") && limit < 1) {
            throw new IllegalArgumentException("limitBytes: Invalid value: " + limit + ": must be greater than 0");
        }
        Instant since = null;
        if (query.containsKey("sinceSeconds") && query.containsKey("sinceTime")) {
            throw new IllegalArgumentException("at most one of sinceTime or sinceSeconds may be specified");
        }
        if (query.containsKey("sinceSeconds")) {
            long s = number(query, "sinceSeconds", 0);
            if (s < 1) {
                throw new IllegalArgumentException("sinceSeconds: Invalid value: " + s + ": must be greater than 0");
            }
            since = now.minusSeconds(s);
        } else if (query.containsKey("sinceTime")) {
            try {
                since = OffsetDateTime.parse(query.get("sinceTime"), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                        .toInstant();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("sinceTime: Invalid value: \"" + query.get("sinceTime")
                        + "\": not an RFC 3339 time");
            }
        }
        int tailLines = (int) Math.min(tail, Integer.MAX_VALUE);
        return new LogQuery(previous, new ContainerLogStreamer.Options(follow, tailLines, limit, since, timestamps));
    }

    private static boolean bool(Map<String, String> query, String name) {
        String v = query.get(name);
        if (v == null) {
            return false;
        }
        return switch (v) {
            case "", "true", "1", "True", "TRUE", "t", "T" -> true;
            case "false", "0", "False", "FALSE", "f", "F" -> false;
            default -> throw new IllegalArgumentException(name + ": Invalid value: \"" + v + "\": not a boolean");
        };
    }

    private static long number(Map<String, String> query, String name, long absent) {
        String v = query.get(name);
        if (v == null) {
            return absent;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": Invalid value: \"" + v + "\": not an integer");
        }
    }
}
