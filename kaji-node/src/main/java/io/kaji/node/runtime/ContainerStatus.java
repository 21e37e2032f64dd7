package io.kaji.node.runtime;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * One container's status, the source of a Kubernetes containerStatus.
 *
 * @param startedAt  null until started
 * @param finishedAt null until exited
 * @param exitCode   meaningful once {@link ContainerState#EXITED}
 * @param reason     the runtime's reason once exited: {@code Completed}, {@code Error}, {@code OOMKilled}, ...
 * @param message    the runtime's message, often empty
 * @param logPath    the absolute log file of this attempt
 */
public record ContainerStatus(String id, String name, int attempt, ContainerState state, Instant createdAt,
                              Instant startedAt, Instant finishedAt, int exitCode, String reason, String message,
                              String image, String imageRef, Path logPath, Map<String, String> labels) {

    /** This status with another message. */
    public ContainerStatus withMessage(String m) {
        return new ContainerStatus(id, name, attempt, state, createdAt, startedAt, finishedAt, exitCode, reason, m, image,
                imageRef, logPath, labels);
    }

    /** Whether the kernel's OOM killer ended the container. */
    public boolean oomKilled() {
        return "OOMKilled".equals(reason);
    }
}
