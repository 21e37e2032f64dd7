package io.kaji.support.diagnose;

/** How bad a diagnosed problem is, from a hint to an outage. Ordered: the worst is the maximum. */
public enum Severity {
    /** Worth knowing, nothing is broken (e.g. a cordoned node). */
    INFO,
    /** Degraded or about to break (a pod not ready, a certificate expiring, warnings piling up). */
    WARNING,
    /** Broken: a workload does not run or cannot be reached. */
    ERROR;
}
