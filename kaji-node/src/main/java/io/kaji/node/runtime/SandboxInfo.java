package io.kaji.node.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * A sandbox as the runtime reports it.
 *
 * @param pod   the pod, from Kaji's labels (null if the sandbox is not Kaji's)
 * @param ready whether the sandbox is running (CRI SANDBOX_READY)
 * @param ip    the pod IP, "" for none or host network (only filled by {@link ContainerRuntime#sandboxStatus})
 */
public record SandboxInfo(String id, PodRef pod, int attempt, boolean ready, Instant createdAt, String ip,
                          Map<String, String> labels) {
}
