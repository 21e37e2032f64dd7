package io.kaji.node.runtime;

/**
 * Which standard streams an interactive exec or attach carries, as the CRI's {@code ExecRequest} and
 * {@code AttachRequest} name them. At least one of stdin, stdout and stderr is set; with {@code tty} stderr is off,
 * since a terminal merges it into stdout (the kubelet drops it the same way).
 */
public record StreamOptions(boolean stdin, boolean stdout, boolean stderr, boolean tty) {

    public StreamOptions {
        if (!stdin && !stdout && !stderr) {
            throw new IllegalArgumentException("you must specify at least 1 of stdin, stdout, stderr");
        }
        if (tty) {
            stderr = false;
        }
    }
}
