package io.kaji.node.eviction;

/**
 * The node conditions driven by eviction signals, with the kubelet's reasons and messages for both states, and the
 * taint the node lifecycle controller puts on a node while the condition is True (TaintNodesByCondition).
 */
public enum PressureCondition {
    MEMORY("MemoryPressure", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available",
            "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
            "node.kubernetes.io/memory-pressure"),
    DISK("DiskPressure", "KubeletHasDiskPressure", "kubelet has disk pressure",
            "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "node.kubernetes.io/disk-pressure"),
    PID("PIDPressure", "KubeletHasInsufficientPID", "kubelet has insufficient PID available",
            "KubeletHasSufficientPID", "kubelet has sufficient PID available", "node.kubernetes.io/pid-pressure");

    private final String type;
    private final String trueReason;
    private final String trueMessage;
    private final String falseReason;
    private final String falseMessage;
    private final String taint;

    PressureCondition(String type, String trueReason, String trueMessage, String falseReason, String falseMessage,
                      String taint) {
        this.type = type;
        this.trueReason = trueReason;
        this.trueMessage = trueMessage;
        this.falseReason = falseReason;
        this.falseMessage = falseMessage;
        this.taint = taint;
    }

    /** The condition type in node status, e.g. {@code MemoryPressure}. */
    public String type() {
        return type;
    }

    /** The reason for the given status. */
    public String reason(boolean pressure) {
        return pressure ? trueReason : falseReason;
    }

    /** The message for the given status. */
    public String message(boolean pressure) {
        return pressure ? trueMessage : falseMessage;
    }

    /** The NoSchedule taint key for this condition being True. */
    public String taint() {
        return taint;
    }
}
