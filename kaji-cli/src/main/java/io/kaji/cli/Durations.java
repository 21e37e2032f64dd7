package io.kaji.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one grammar of duration values on Kaji's command line: Go's ({@code 90s}, {@code 1h30m}, {@code 1.5s},
 * {@code 500ms}, as kubectl and kubeadm take them) plus {@code d} for days, and a bare number of seconds
 * ({@code 0}, {@code 30}). Negative values are refused.
 */
final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");
    private static final Pattern BARE = Pattern.compile("\\d+(?:\\.\\d+)?");

    /** What every error says is accepted. */
    static final String EXAMPLES = "a duration such as 500ms, 30s, 5m, 1h30m or 1d";

    private Durations() {
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException naming the value and the accepted forms
     */
    static Duration parse(String text) {
        String t = text == null ? "" : text.trim();
        if (BARE.matcher(t).matches()) {
            return nanos(new BigDecimal(t), 1_000_000_000L, text);
        }
        Matcher m = PART.matcher(t);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long unit = switch (m.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            total = total.plus(nanos(new BigDecimal(m.group(1)), unit, text));
            end = m.end();
        }
        if (t.isEmpty() || end != t.length()) {
            throw new IllegalArgumentException("\"" + text + "\" is not " + EXAMPLES);
        }
        return total;
    }

    private static Duration nanos(BigDecimal amount, long unitNanos, String text) {
        try {
            return Duration.ofNanos(amount.multiply(BigDecimal.valueOf(unitNanos)).longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("\"" + text + "\" is too long a duration");
        }
    }
}
