package io.kaji.apiserver.admission.podsecurity;

import java.util.Locale;

/** The three Pod Security Standards, from least to most strict. */
public enum Level {
    PRIVILEGED, BASELINE, RESTRICTED;

    /** The label value: {@code privileged}, {@code baseline} or {@code restricted}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The level named by a label value, or null if it names none. */
    public static Level parse(String value) {
        for (Level l : values()) {
            if (l.label().equals(value)) {
                return l;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return label();
    }
}
