package io.kaji.apiserver.server;

import io.kaji.apiserver.admission.AdmissionOptions;
import java.util.Objects;

/**
 * What the API server enforces and records beyond authentication and authorization.
 *
 * @param admission which admission plugins run, and their settings
 */
public record ServerPolicies(AdmissionOptions admission) {

    public ServerPolicies {
        Objects.requireNonNull(admission, "admission");
    }

    /** Kaji's defaults: every admission plugin (baseline Pod Security enforced, restricted warned). */
    public static ServerPolicies defaults() {
        return new ServerPolicies(AdmissionOptions.defaults());
    }

    public ServerPolicies withAdmission(AdmissionOptions options) {
        return new ServerPolicies(options);
    }
}
