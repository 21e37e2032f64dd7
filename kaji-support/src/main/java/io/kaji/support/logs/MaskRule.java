package io.kaji.support.logs;

/**
 * The kinds of variable text that {@link Masker} replaces with the wildcard {@code <*>} before a line is
 * clustered. Every rule describes a shape of text that is a parameter in logs in general (not in one
 * particular log), so one set of rules serves every source.
 */
public enum MaskRule {
    /** IPv4 addresses (optionally with {@code :port} or {@code /prefix}) and IPv6 addresses. */
    IP,
    /** UUIDs in the 8-4-4-4-12 hexadecimal form. */
    UUID,
    /** Hexadecimal numbers: {@code 0x1f}, and runs of at least 6 hex digits containing a decimal digit. */
    HEX,
    /** Decimal numbers, signed or not, with an optional fraction or exponent, and sizes such as {@code 12KB}. */
    NUMBER,
    /** Durations: {@code 15ms}, {@code 1.5s}, {@code 3m20s}, {@code 1h2m}. */
    DURATION,
    /** Dates and times inside a message: {@code 2015-10-18}, {@code 18:01:47,978}, {@code Sat Jun 18}. */
    TIMESTAMP,
    /** Absolute file paths ({@code /var/log/x}) and URLs ({@code https://host/path}). */
    PATH,
    /** Text between double quotes, kept as one token ({@code "GET /x HTTP/1.1"} becomes {@code "<*>"}). */
    QUOTED,
    /**
     * Kubernetes generated object names: a pod of a Deployment ({@code web-7d4b9c6f5-x2x9k}), of a Job or
     * a DaemonSet ({@code kube-proxy-x7k2p}), a ReplicaSet ({@code web-7d4b9c6f5}) or a StatefulSet
     * ({@code db-0}): the random suffixes use Kubernetes' vowel-free alphabet.
     */
    K8S_NAME,
    /**
     * Identifiers that contain a decimal digit and no other rule claimed ({@code blk_-1608}, {@code
     * container_1445_0001}, {@code node-12}): in logs, a token with a digit in it is almost always a value.
     */
    DIGIT_ID
}
