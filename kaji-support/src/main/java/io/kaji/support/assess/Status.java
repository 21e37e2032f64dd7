package io.kaji.support.assess;

/**
 * The outcome of a check or of one finding. A check's status is its worst finding's, in the order
 * FAIL, ERROR, WARN, MANUAL, PASS, SKIPPED (see {@link CheckResult}).
 */
public enum Status {
    /** Evaluated and compliant. */
    PASS,
    /** Evaluated and not compliant. */
    FAIL,
    /** Evaluated; not a violation of the rule as written, but a weaker default worth changing. */
    WARN,
    /** Cannot be decided automatically here; the message is the question a person has to answer. */
    MANUAL,
    /** Could not be evaluated (a list was forbidden or failed, or the check broke on an object). */
    ERROR,
    /** Not applicable here (for example no objects of the kind the check looks at). */
    SKIPPED;

    /** Rank used to combine findings into a check status; higher wins. */
    int rank() {
        return switch (this) {
            case FAIL -> 5;
            case ERROR -> 4;
            case WARN -> 3;
            case MANUAL -> 2;
            case PASS -> 1;
            case SKIPPED -> 0;
        };
    }
}
