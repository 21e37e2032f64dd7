package io.kaji.node.volume;

/** A pod volume cannot be set up; the message is the kubelet's FailedMount text. */
public final class VolumeError extends Exception {
    public VolumeError(String message) {
        super(message);
    }
}
