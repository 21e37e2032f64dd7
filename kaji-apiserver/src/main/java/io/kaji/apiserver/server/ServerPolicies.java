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
 */
public record ServerPolicies(AdmissionOptions admission, EncryptionOptions encryption, AuditOptions audit) {

    public ServerPolicies {
        Objects.requireNonNull(admission, "admission");
        Objects.requireNonNull(encryption, "encryption");
        Objects.requireNonNull(audit, "audit");
    }

    /**
     * Kaji's defaults: every admission plugin (baseline Pod Security enforced, restricted warned), Secrets encrypted
     * with AES-GCM, an audit log in {@code <data-dir>/logs/audit.log}.
     */
    public static ServerPolicies defaults() {
        return new ServerPolicies(AdmissionOptions.defaults(), EncryptionOptions.defaults(), AuditOptions.defaults());
    }

    public ServerPolicies withAdmission(AdmissionOptions options) {
        return new ServerPolicies(options, encryption, audit);
    }

    public ServerPolicies withEncryption(EncryptionOptions options) {
        return new ServerPolicies(admission, options, audit);
    }

    public ServerPolicies withAudit(AuditOptions options) {
        return new ServerPolicies(admission, encryption, options);
    }
}
