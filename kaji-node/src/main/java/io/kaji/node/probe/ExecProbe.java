package io.kaji.node.probe;

import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ExecResult;
import io.kaji.node.runtime.RuntimeCallException;
import java.time.Duration;
import java.util.List;

/**
 * An exec probe: the command runs in the container through the CRI's ExecSync with the probe's timeout. Exit code
 * 0 passes; anything else fails with the command's output (stdout then stderr) as the message, as the kubelet
 * reports it. A command still running at the timeout fails with "command timed out"; a runtime that cannot run the
 * command at all (container gone, no such binary in some runtimes) is an error whose result is discarded.
 */
public final class ExecProbe {

    private final ContainerRuntime runtime;

    public ExecProbe(ContainerRuntime runtime) {
        this.runtime = runtime;
    }

    public ProbeOutcome run(String containerId, List<String> command, Duration timeout) {
        if (command == null || command.isEmpty()) {
            return ProbeOutcome.error("exec probe without a command");
        }
        ExecResult r;
        try {
            r = runtime.execSync(containerId, command, timeout);
        } catch (RuntimeCallException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("DEADLINE_EXCEEDED") || m.contains("timeout") && m.contains("exceeded")) {
                return ProbeOutcome.failure("command " + quoted(command) + " timed out");
            }
            return ProbeOutcome.error(m);
        }
        String output = r.stdoutText() + r.stderrText();
        return r.exitCode() == 0 ? ProbeOutcome.success(output) : ProbeOutcome.failure(output);
    }

    private static String quoted(List<String> command) {
        return "\"" + String.join(" ", command).replace("\"", "\\\"") + "\"";
    }
}
