package io.kaji.node.probe;

import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ExecResult;
import io.kaji.node.runtime.RuntimeCallException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Runs a container's lifecycle hook (postStart or preStop) as the kubelet does: {@code exec} in the container
 * (fails on a non-zero exit), {@code httpGet} to the pod (fails only when no answer comes: the status code is not
 * looked at), or {@code sleep} (never fails). Blocks for at most {@code limit}; an exec or GET still running then
 * is a failure, a sleep is cut short. Failure messages are the kubelet's, for the FailedPostStartHook and
 * FailedPreStopHook events. Thread-safe.
 */
public final class HookRunner {

    private final ContainerRuntime runtime;
    private final HttpGetProbe http = new HttpGetProbe(HttpGetProbe.HOOK_USER_AGENT);

    public HookRunner(ContainerRuntime runtime) {
        this.runtime = runtime;
    }

    /** Null if the hook succeeded, else why it failed. */
    public String run(LifecycleHandler hook, Pod pod, ProbeTarget target, Duration limit) {
        String name = target.container().getName();
        if (hook.getExec() != null) {
            List<String> command = hook.getExec().getCommand() == null ? List.of() : hook.getExec().getCommand();
            String error;
            String output = "";
            try {
                ExecResult r = runtime.execSync(target.containerId(), command, limit);
                output = r.stdoutText() + r.stderrText();
                if (r.exitCode() == 0) {
                    return null;
                }
                error = "command '" + String.join(" ", command) + "' exited with " + r.exitCode() + ": "
                        + r.stderrText();
            } catch (RuntimeCallException e) {
                error = e.getMessage();
            }
            return "Exec lifecycle hook ([" + String.join(" ", command) + "]" + ") for Container \"" + name
                    + "\" in Pod \"" + podName(pod) + "\" failed - error: " + error + ", message: \""
                    + output.replace("\"", "\\\"").replace("\n", "\\n") + "\"";
        }
        if (hook.getHttpGet() != null) {
            var a = hook.getHttpGet();
            try {
                int port = ContainerPorts.resolve(a.getPort(), target.container());
                String host = a.getHost() == null || a.getHost().isEmpty() ? target.podIp() : a.getHost();
                http.get(a.getScheme(), host, port, a.getPath(), a.getHttpHeaders(), limit);
                return null;
            } catch (IOException | IllegalArgumentException e) {
                return "HTTP lifecycle hook (" + (a.getPath() == null ? "" : a.getPath()) + ") for Container \"" + name
                        + "\" in Pod \"" + podName(pod) + "\" failed - error: " + e.getMessage();
            }
        }
        if (hook.getSleep() != null) {
            long seconds = hook.getSleep().getSeconds() == null ? 0 : hook.getSleep().getSeconds();
            Duration d = Duration.ofSeconds(Math.max(0, seconds));
            try {
                Thread.sleep(d.compareTo(limit) < 0 ? d : limit);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
        return "Cannot run handler: a lifecycle hook needs exec, httpGet or sleep (tcpSocket is not supported)";
    }

    /** The kubelet's {@code format.Pod}: {@code name_namespace(uid)}. */
    static String podName(Pod pod) {
        return pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid()
                + ")";
    }
}
