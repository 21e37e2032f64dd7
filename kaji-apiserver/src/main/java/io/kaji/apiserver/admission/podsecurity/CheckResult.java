package io.kaji.apiserver.admission.podsecurity;

/**
 * What one check found wrong with a pod: a short reason ({@code privileged}) and the detail naming the offending
 * containers or fields ({@code container "c" must not set securityContext.privileged=true}), which may be empty.
 * A check that finds nothing wrong returns null.
 */
public record CheckResult(String reason, String detail) {
}
