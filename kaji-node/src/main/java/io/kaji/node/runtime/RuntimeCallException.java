package io.kaji.node.runtime;

/**
 * A runtime call that failed. The message names the operation and the object, then the runtime's status code and
 * message ({@code create container default/web/app: NOT_FOUND: ...}).
 */
public final class RuntimeCallException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The gRPC status code names the CRI uses; {@code UNAVAILABLE} means the runtime did not answer. */
    private final String code;

    public RuntimeCallException(String operation, String code, String message, Throwable cause) {
        super(operation + ": " + code + (message == null || message.isEmpty() ? "" : ": " + message), cause);
        this.code = code;
    }

    /** The gRPC status code name, e.g. {@code NOT_FOUND}, {@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}. */
    public String code() {
        return code;
    }

    public boolean notFound() {
        return "NOT_FOUND".equals(code);
    }

    public boolean unavailable() {
        return "UNAVAILABLE".equals(code);
    }
}
