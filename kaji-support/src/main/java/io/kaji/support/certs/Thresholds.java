package io.kaji.support.certs;

import java.time.Duration;

/**
 * When a certificate stops being {@link ExpiryStatus#OK}: {@code warning} before its end it is WARNING,
 * {@code critical} before its end it is CRITICAL.
 */
public record Thresholds(Duration warning, Duration critical) {

    /** 30 days and 7 days, the usual alerting thresholds for certificate expiry. */
    public static final Thresholds DEFAULT = new Thresholds(Duration.ofDays(30), Duration.ofDays(7));

    public Thresholds {
        if (warning.isNegative() || critical.isNegative()) {
            throw new IllegalArgumentException("expiry thresholds must not be negative");
        }
        if (critical.compareTo(warning) > 0) {
            throw new IllegalArgumentException("the critical threshold (" + critical.toDays()
                    + " days) must not be longer than the warning threshold (" + warning.toDays() + " days)");
        }
    }
}
