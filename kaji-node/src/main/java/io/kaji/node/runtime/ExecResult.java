package io.kaji.node.runtime;

import java.nio.charset.StandardCharsets;

/** The outcome of {@link ContainerRuntime#execSync}. */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr) {

    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }
}
