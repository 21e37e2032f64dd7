package io.kaji.support.diagnose;

import java.util.List;
import java.util.Objects;

/**
 * One problem found in a cluster: which object, what is wrong (symptom), why (probable cause with the evidence it
 * rests on) and what to do (fix). Everything is plain text meant for a person; the evidence quotes fields, events
 * and log lines as found.
 *
 * @param analyzer  the analyzer that found it ({@code Pod}, {@code Service}, ...)
 * @param severity  how bad it is
 * @param kind      the object's kind
 * @param namespace its namespace, null for cluster-scoped objects
 * @param name      its name
 * @param symptom   what is observed, e.g. {@code container app is in CrashLoopBackOff (restarted 5 times)}
 * @param cause     the probable cause, e.g. {@code the process exits with code 1: ...}
 * @param evidence  the facts the cause rests on (fields with values, events, log lines), in order of weight
 * @param fix       the suggested fix
 */
public record Diagnosis(String analyzer, Severity severity, String kind, String namespace, String name,
        String symptom, String cause, List<String> evidence, String fix) {

    public Diagnosis {
        Objects.requireNonNull(analyzer, "analyzer");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(symptom, "symptom");
        cause = cause == null ? "" : cause;
        fix = fix == null ? "" : fix;
        evidence = List.copyOf(evidence);
    }

    /** {@code Kind/namespace/name}, or {@code Kind/name} for cluster-scoped objects. */
    public String object() {
        return namespace == null ? kind + "/" + name : kind + "/" + namespace + "/" + name;
    }
}
