package io.kaji.support.logs;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises and removes the usual header of a raw log line, leaving the message that template mining
 * should see. Handled, in this order and each optional:
 *
 * <ol>
 *   <li>the CRI container log prefix {@code <RFC3339Nano> stdout|stderr F|P} (kubelet's files under
 *       /var/log/pods);
 *   <li>a klog header {@code I1125 19:26:23.123456   1234 file.go:42]};
 *   <li>a timestamp: ISO 8601 ({@code 2015-10-18 18:01:47,978}, {@code 2024-01-15T10:20:30.1Z}),
 *       bracketed ctime ({@code [Sun Dec 04 04:47:44 2005]}), syslog ({@code Jun 14 15:16:01}),
 *       {@code 17/06/09 20:10:40}, or compact {@code 081109 203615};
 *   <li>for syslog, the host and the program with its pid ({@code combo sshd(pam_unix)[19939]:});
 *   <li>a process id, a level ({@code INFO}, {@code [error]}, ...), a bracketed thread or context
 *       ({@code [main]}) when a logger name or a dash follows it, and a logger name ending with a colon
 *       ({@code org.x.Y:}), followed by {@code -}, or followed by a bracketed context.
 * </ol>
 * A line with none of these is returned unchanged. Immutable and thread-safe.
 */
public final class HeaderStripper {

    /**
     * A line split into its message and what was recognised of its header.
     *
     * @param message the message without header
     * @param level the level in upper case ({@code INFO}, {@code WARN}, ...), or null when none was seen
     * @param stream {@code stdout} or {@code stderr} from a CRI prefix, or null
     * @param partial true when a CRI prefix marked the line as a partial line ({@code P})
     */
    public record Stripped(String message, String level, String stream, boolean partial) {
    }

    private static final String MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
    private static final String DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
    private static final Pattern CRI = Pattern.compile(
            "^(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:\\d{2})) (stdout|stderr) ([FP]) ?");
    private static final Pattern KLOG = Pattern.compile(
            "^([IWEF])\\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d+\\s+\\d+ [^\\s\\]]+:\\d+\\] ?");
    private static final Pattern TIMESTAMP = Pattern.compile("^(?:"
            + "\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})?"
            + "|\\[" + DAY + " " + MONTH + " +\\d{1,2} \\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?: \\d{4})?\\]"
            + "|" + DAY + " " + MONTH + " +\\d{1,2} \\d{2}:\\d{2}:\\d{2}(?: \\d{4})?"
            + "|(?<syslog>" + MONTH + " +\\d{1,2} \\d{2}:\\d{2}:\\d{2})"
            + "|\\d{2,4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?"
            + "|\\d{6} \\d{6}"
            + ")\\s*");
    private static final Pattern SYSLOG_SOURCE = Pattern.compile("^\\S+ [\\w./()@-]+(?:\\[\\d+\\])?: ?");
    private static final Pattern PID = Pattern.compile("^\\d+\\s+");
    private static final Pattern LEVEL = Pattern.compile(
            "^(?:-\\s+)?\\[?(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|SEVERE|ALERT|EMERG"
                    + "|trace|debug|info|notice|warn|warning|error|err|fatal|critical|crit|severe|alert|emerg)\\]?:?\\s+");
    private static final Pattern LOGGER = Pattern.compile("^[A-Za-z_][\\w.$]*(?:\\[\\d+\\])?(?::\\s+|\\s+-\\s+|\\s+(?=\\[))");
    private static final Pattern DASH = Pattern.compile("^-\\s+");

    /** Strips the header of one line. */
    public Stripped strip(String line) {
        String rest = line;
        String stream = null;
        boolean partial = false;
        String level = null;
        Matcher m = CRI.matcher(rest);
        if (m.lookingAt()) {
            stream = m.group(2);
            partial = m.group(3).equals("P");
            rest = rest.substring(m.end());
        }
        m = KLOG.matcher(rest);
        if (m.lookingAt()) {
            level = switch (m.group(1)) {
                case "I" -> "INFO";
                case "W" -> "WARN";
                case "E" -> "ERROR";
                default -> "FATAL";
            };
            return new Stripped(rest.substring(m.end()), level, stream, partial);
        }
        m = TIMESTAMP.matcher(rest);
        if (!m.lookingAt()) {
            return new Stripped(rest, null, stream, partial);
        }
        boolean syslog = m.group("syslog") != null;
        rest = rest.substring(m.end());
        if (syslog) {
            m = SYSLOG_SOURCE.matcher(rest);
            if (m.lookingAt()) {
                rest = rest.substring(m.end());
            }
            return new Stripped(rest, null, stream, partial);
        }
        m = PID.matcher(rest);
        if (m.lookingAt()) {
            rest = rest.substring(m.end());
        }
        m = LEVEL.matcher(rest);
        if (m.lookingAt()) {
            level = normalizeLevel(m.group(1));
            rest = rest.substring(m.end());
        }
        String afterBracket = skipBracketed(rest);
        if (afterBracket != rest && (LOGGER.matcher(afterBracket).lookingAt() || DASH.matcher(afterBracket).lookingAt())) {
            rest = afterBracket; // a thread or context, followed by a logger name or a dash
        }
        m = LOGGER.matcher(rest);
        if (m.lookingAt() && level != null) {
            rest = skipBracketed(rest.substring(m.end()));
        }
        m = DASH.matcher(rest);
        if (m.lookingAt()) {
            rest = rest.substring(m.end());
        }
        return new Stripped(rest, level, stream, partial);
    }

    /** The message of a line, without header. */
    public String message(String line) {
        return strip(line).message();
    }

    private static String normalizeLevel(String level) {
        String l = level.toUpperCase(Locale.ROOT);
        return switch (l) {
            case "WARNING" -> "WARN";
            case "ERR" -> "ERROR";
            case "CRIT" -> "CRITICAL";
            default -> l;
        };
    }

    /** Skips one leading bracketed group (nesting allowed), like {@code [main]} or {@code [a[b]/c]}, and spaces. */
    private static String skipBracketed(String s) {
        if (s.isEmpty() || s.charAt(0) != '[') {
            return s;
        }
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']' && --depth == 0) {
                int j = i + 1;
                while (j < s.length() && s.charAt(j) == ' ') {
                    j++;
                }
                return s.substring(j);
            }
        }
        return s;
    }
}
