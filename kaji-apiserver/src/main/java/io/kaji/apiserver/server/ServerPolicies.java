package io.kaji.apiserver.server;

import io.kaji.apiserver.admission.AdmissionOptions;
import io.kaji.apiserver.encryption.EncryptionOptions;
import java.util.Objects;

/**
 * What the API server enforces and records beyond authentication and authorization.
 *
 * @param admission  which admission plugins run, and their settings
 * @param encryption how resources (Secrets by default) are encrypted at rest
 */
public record ServerPolicies(AdmissionOptions admission, EncryptionOptions encryption) {

    public ServerPolicies {
        Objects.requireNonNull(admission, "admission");
        Objects.requireNonNull(encryption, "encryption");
    }

    /**
     * Kaji's defaults: every admission plugin (baseline Pod Security enforced, restricted warned), Secrets encrypted
     * with AES-GCM.
     */
    public static ServerPolicies defaults() {
        return new ServerPolicies(AdmissionOptions.defaults(), EncryptionOptions.defaults());
    }

    public ServerPolicies withAdmission(AdmissionOptions options) {
        return new ServerPolicies(options, encryption);
    }

    public ServerPolicies withEncryption(EncryptionOptions options) {
        return new ServerPolicies(admission, options);
    }
}
