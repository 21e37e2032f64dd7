package io.kaji.support.assess;

import java.util.List;

/**
 * A check and what it found.
 *
 * @param check the check
 * @param status the combined status: the worst counting (not exempted) finding's, PASS when an automated check
 *               found nothing, MANUAL when a manual check found nothing
 * @param findings every finding, exempted ones included (marked)
 */
public record CheckResult(Check check, Status status, List<Finding> findings) {

    public CheckResult {
        findings = List.copyOf(findings);
    }

    /** Combines {@code findings} into a result for {@code check}. */
    public static CheckResult of(Check check, List<Finding> findings) {
        Status status = null;
        for (Finding f : findings) {
            if (f.counts() && (status == null || f.status().rank() > status.rank())) {
                status = f.status();
            }
        }
        if (status == null) {
            status = check.automated() ? Status.PASS : Status.MANUAL;
        }
        return new CheckResult(check, status, findings);
    }

    /** Counting findings with {@code status}. */
    public long count(Status s) {
        return findings.stream().filter(f -> f.counts() && f.status() == s).count();
    }

    /** Exempted findings. */
    public long exempted() {
        return findings.stream().filter(f -> !f.counts()).count();
    }
}
