package io.kaji.node.probe;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;

/** The three kinds of container probe, with the word the kubelet uses for each in events. */
public enum ProbeKind {
    LIVENESS("Liveness", "liveness"),
    READINESS("Readiness", "readiness"),
    STARTUP("Startup", "startup");

    private final String title;
    private final String word;

    ProbeKind(String title, String word) {
        this.title = title;
        this.word = word;
    }

    /** As in "Liveness probe failed: ...". */
    public String title() {
        return title;
    }

    /** As in "Container c failed liveness probe, will be restarted". */
    public String word() {
        return word;
    }

    /** The container's probe of this kind, or null. */
    public Probe of(Container c) {
        return switch (this) {
            case LIVENESS -> c.getLivenessProbe();
            case READINESS -> c.getReadinessProbe();
            case STARTUP -> c.getStartupProbe();
        };
    }

    /**
     * The result a container starts with before its first probe, as the kubelet sets it: not ready until a
     * readiness probe passes, alive until a liveness probe fails, and not yet started until a startup probe passes.
     */
    ProbeOutcome.Result initial() {
        return switch (this) {
            case LIVENESS -> ProbeOutcome.Result.SUCCESS;
            case READINESS -> ProbeOutcome.Result.FAILURE;
            case STARTUP -> ProbeOutcome.Result.UNKNOWN;
        };
    }
}
