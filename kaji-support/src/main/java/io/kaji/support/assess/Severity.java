package io.kaji.support.assess;

import java.util.Locale;

/** How much a failed check matters; {@code --fail-on} compares against this order. */
public enum Severity {
    INFO, LOW, MEDIUM, HIGH, CRITICAL;

    /** Whether this severity is at least {@code threshold}. */
    public boolean atLeast(Severity threshold) {
        return compareTo(threshold) >= 0;
    }

    /** Parses {@code info|low|medium|high|critical}, any case; the error lists the accepted names. */
    public static Severity parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown severity \"" + text
                    + "\": use one of info, low, medium, high, critical");
        }
    }
}
