package io.kaji.support.assess;

/**
 * One observation of a check about one object.
 *
 * @param status PASS, FAIL, WARN, MANUAL, ERROR or SKIPPED
 * @param kind the object's kind (see {@link ObjectRef#kind()})
 * @param namespace the object's namespace, null when cluster-scoped
 * @param name the object's name
 * @param container the container, or the RBAC rule, the finding is about; null when it is about the whole object
 * @param message what is wrong (or, for MANUAL, the question to answer), one sentence
 * @param evidence the field and its value, {@code spec.hostPID=true}; null when there is no single field
 * @param remediation what to do; the check's remediation unless the finding has a more specific one
 * @param exemption why this finding is exempted (from the exemptions file), null when it is not
 */
public record Finding(Status status, String kind, String namespace, String name, String container,
                      String message, String evidence, String remediation, String exemption) {

    /** A finding about {@code object}; the remediation is filled in from the check by the engine. */
    public static Finding of(Status status, ObjectRef object, String container, String message, String evidence) {
        return new Finding(status, object.kind(), object.namespace(), object.name(), container, message, evidence,
                null, null);
    }

    public static Finding fail(ObjectRef object, String container, String message, String evidence) {
        return of(Status.FAIL, object, container, message, evidence);
    }

    public static Finding warn(ObjectRef object, String container, String message, String evidence) {
        return of(Status.WARN, object, container, message, evidence);
    }

    public static Finding pass(ObjectRef object, String message, String evidence) {
        return of(Status.PASS, object, null, message, evidence);
    }

    /** A MANUAL finding: {@code question} is what a person has to check. */
    public static Finding manual(ObjectRef object, String question) {
        return of(Status.MANUAL, object, null, question, null);
    }

    public static Finding error(ObjectRef object, String message) {
        return of(Status.ERROR, object, null, message, null);
    }

    /** The object this finding is about. */
    public ObjectRef object() {
        return new ObjectRef(kind, namespace, name);
    }

    /** This finding with {@code text} as remediation, unless it already has one. */
    public Finding withDefaultRemediation(String text) {
        return remediation != null ? this
                : new Finding(status, kind, namespace, name, container, message, evidence, text, exemption);
    }

    /** This finding marked exempted for {@code reason}. */
    public Finding exempted(String reason) {
        return new Finding(status, kind, namespace, name, container, message, evidence, remediation, reason);
    }

    /** Whether the finding counts: it is not exempted. */
    public boolean counts() {
        return exemption == null;
    }
}
