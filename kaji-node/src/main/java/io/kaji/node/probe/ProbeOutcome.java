package io.kaji.node.probe;

/**
 * What one run of a probe handler found.
 *
 * @param result  the kubelet's four results: {@code SUCCESS}; {@code WARNING} (counts as success, e.g. an HTTP
 *                redirect to another host that was not followed); {@code FAILURE}; {@code UNKNOWN} (the probe could
 *                not be run at all, e.g. the runtime refused the exec: its result is thrown away)
 * @param output  what the handler saw: command output, the HTTP failure, the connection error; the text after
 *                "Liveness probe failed: " in the event
 */
public record ProbeOutcome(Result result, String output) {

    /** The result of one probe run. */
    public enum Result { SUCCESS, WARNING, FAILURE, UNKNOWN }

    public static ProbeOutcome success(String output) {
        return new ProbeOutcome(Result.SUCCESS, output);
    }

    public static ProbeOutcome warning(String output) {
        return new ProbeOutcome(Result.WARNING, output);
    }

    public static ProbeOutcome failure(String output) {
        return new ProbeOutcome(Result.FAILURE, output);
    }

    public static ProbeOutcome error(String output) {
        return new ProbeOutcome(Result.UNKNOWN, output);
    }

    /** Success or warning. */
    public boolean passed() {
        return result == Result.SUCCESS || result == Result.WARNING;
    }
}
