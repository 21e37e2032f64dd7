package io.kaji.apiserver.admission;

/**
 * The validating phase: sees the final object, must not change it, allows or denies. Implementations are
 * thread-safe.
 */
public interface ValidatingPlugin extends AdmissionPlugin {

    Verdict validate(AdmissionAttributes attributes);
}
