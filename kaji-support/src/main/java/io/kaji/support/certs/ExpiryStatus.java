package io.kaji.support.certs;

import java.time.Duration;
import java.time.Instant;

/**
 * How close a certificate is to the end of its validity, ordered from harmless to worst so that the worst of a
 * report is a plain maximum. {@link #INVALID} is a certificate that could not be read at all (malformed PEM or
 * DER): worse than expired, because nothing can be said about it.
 */
public enum ExpiryStatus {
    OK, WARNING, CRITICAL, EXPIRED, INVALID;

    /** The status of a certificate valid until {@code notAfter}, seen at {@code now}. */
    public static ExpiryStatus of(Instant notAfter, Instant now, Thresholds thresholds) {
        Duration left = Duration.between(now, notAfter);
        if (left.isNegative() || left.isZero()) {
            return EXPIRED;
        }
        if (left.compareTo(thresholds.critical()) < 0) {
            return CRITICAL;
        }
        if (left.compareTo(thresholds.warning()) < 0) {
            return WARNING;
        }
        return OK;
    }

    /**
     * The exit code of {@code kaji certs check-expiration} for this worst status, in the convention monitoring
     * plugins use: 0 OK, 1 WARNING, 2 CRITICAL (and EXPIRED, and unreadable certificates).
     */
    public int exitCode() {
        return switch (this) {
            case OK -> 0;
            case WARNING -> 1;
            default -> 2;
        };
    }
}
