package io.kaji.apiserver.server;

import io.kaji.apiserver.admission.AdmissionOptions;
import io.kaji.apiserver.audit.AuditOptions;
import io.kaji.apiserver.encryption.EncryptionOptions;
import java.util.Objects;

/**
 * What the API server enforces and records beyond authentication and authorization.
 *
 * @param admission  which admission plugins run, and their settings
 * @param encryption how resources (Secrets by default) are encrypted at rest
 * @param audit      where the audit log goes and which policy decides what it records
 * @param maxRequestsInflight API Priority and Fairness: non-exempt requests executing at once (0 turns flow
 *                   control off); see {@link io.kaji.apiserver.flowcontrol.FlowControl}
 */
public record ServerPolicies(AdmissionOptions admission, EncryptionOptions encryption, AuditOptions audit,
                             int maxRequestsInflight) {

    /** Kaji's default number of flow-control seats (Kubernetes: 600, for machines with many more cores). */
    public static final int DEFAULT_MAX_REQUESTS_INFLIGHT = 64;

    public ServerPolicies {
        if (maxRequestsInflight < 0) {
            throw new IllegalArgumentException("max requests in flight must be >= 0, got " + maxRequestsInflight);
        }
        Objects.requireNonNull(admission, "admission");
        Objects.requireNonNull(encryption, "encryption");
        Objects.requireNonNull(audit, "audit");
    }

    /**
     * Kaji's defaults: every admission plugin (baseline Pod Security enforced, restricted warned), Secrets encrypted
     * with AES-GCM, an audit log in {@code <data-dir>/logs/audit.log}.
     */
    public static ServerPolicies defaults() {
        return new ServerPolicies(AdmissionOptions.defaults(), EncryptionOptions.defaults(), AuditOptions.defaults(),
                DEFAULT_MAX_REQUESTS_INFLIGHT);
    }

    public ServerPolicies withAdmission(AdmissionOptions options) {
        return new ServerPolicies(options, encryption, audit, maxRequestsInflight);
    }

    public ServerPolicies withEncryption(EncryptionOptions options) {
        return new ServerPolicies(admission, options, audit, maxRequestsInflight);
    }

    public ServerPolicies withAudit(AuditOptions options) {
        return new ServerPolicies(admission, encryption, options, maxRequestsInflight);
    }

    /** With {@code seats} flow-control seats (0: no flow control). */
    public ServerPolicies withMaxRequestsInflight(int seats) {
        return new ServerPolicies(admission, encryption, audit, seats);
    }
}
