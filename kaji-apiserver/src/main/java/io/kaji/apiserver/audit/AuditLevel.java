package io.kaji.apiserver.audit;

/** How much of a request the audit log records, from nothing to both bodies (audit.k8s.io/v1 Level). */
public enum AuditLevel {
    /** Not logged. */
    NONE("None"),
    /** Who, what, when and the result; no bodies. */
    METADATA("Metadata"),
    /** Metadata plus the request body. */
    REQUEST("Request"),
    /** Metadata plus the request and response bodies. */
    REQUEST_RESPONSE("RequestResponse");

    private final String text;

    AuditLevel(String text) {
        this.text = text;
    }

    /** The name in policies and events, e.g. {@code RequestResponse}. */
    public String text() {
        return text;
    }

    /** The level a policy names, or null. */
    public static AuditLevel parse(String text) {
        for (AuditLevel l : values()) {
            if (l.text.equals(text)) {
                return l;
            }
        }
        return null;
    }

    public boolean atLeast(AuditLevel other) {
        return compareTo(other) >= 0;
    }
}
