package io.kaji.apiserver.admission;

/**
 * The mutating phase: may change {@link AdmissionAttributes#object()} in place (defaults, injected fields) and may
 * deny. Runs before every validating plugin. Implementations are thread-safe.
 */
public interface MutatingPlugin extends AdmissionPlugin {

    Verdict admit(AdmissionAttributes attributes);
}
