package io.kaji.scheduler.framework;

import java.util.List;

/**
 * The result of running one plugin at one extension point: a code, the reasons a user reads in
 * {@code kubectl describe pod}, and the plugin that decided. Expected outcomes (a node that does not fit) are
 * Status values, never exceptions; {@link Code#ERROR} is for surprises (a plugin bug, an API failure).
 *
 * @param code    what happened
 * @param reasons human-readable reasons, with Kubernetes' exact wording where Kubernetes has one; empty on success
 * @param plugin  the plugin that returned this status, or null when not yet attributed
 */
public record Status(Code code, List<String> reasons, String plugin) {

    /** Kubernetes' status codes, in the order the framework ranks their severity. */
    public enum Code {
        /** The plugin ran and the pod may proceed. */
        SUCCESS,
        /** The pod does not fit this node now, but preemption or a cluster change could make it fit. */
        UNSCHEDULABLE,
        /** The pod cannot fit this node and preempting pods on it will not help. */
        UNSCHEDULABLE_AND_UNRESOLVABLE,
        /** A Permit plugin asks the binding cycle to wait. */
        WAIT,
        /** The plugin does not apply to this pod; later calls of this plugin for the pod are skipped. */
        SKIP,
        /** An internal failure; the pod is retried with back-off. */
        ERROR
    }

    private static final Status SUCCESS = new Status(Code.SUCCESS, List.of(), null);
    private static final Status SKIP = new Status(Code.SKIP, List.of(), null);

    public Status {
        reasons = List.copyOf(reasons);
    }

    public static Status success() {
        return SUCCESS;
    }

    public static Status skip() {
        return SKIP;
    }

    public static Status unschedulable(String... reasons) {
        return new Status(Code.UNSCHEDULABLE, List.of(reasons), null);
    }

    public static Status unresolvable(String... reasons) {
        return new Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, List.of(reasons), null);
    }

    public static Status error(String reason) {
        return new Status(Code.ERROR, List.of(reason), null);
    }

    public static Status of(Code code, List<String> reasons) {
        return new Status(code, reasons, null);
    }

    /** This status attributed to {@code pluginName} (kept if already attributed). */
    public Status withPlugin(String pluginName) {
        return plugin != null || code == Code.SUCCESS ? this : new Status(code, reasons, pluginName);
    }

    public boolean isSuccess() {
        return code == Code.SUCCESS;
    }

    public boolean isSkip() {
        return code == Code.SKIP;
    }

    /** Unschedulable or unschedulable-and-unresolvable: the pod does not fit, nothing went wrong. */
    public boolean isRejected() {
        return code == Code.UNSCHEDULABLE || code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE;
    }

    /** The reasons joined for a log line or an error message. */
    public String message() {
        return String.join(", ", reasons);
    }
}
