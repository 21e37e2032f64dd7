package io.kaji.node.logs;

import java.time.Duration;
import java.util.Objects;

/**
 * When the agent rotates container logs, spelled as the kubelet's {@code --container-log-max-size},
 * {@code --container-log-max-files} and {@code --container-log-monitor-interval}. Immutable.
 *
 * @param maxSizeBytes a running container's log is rotated once it is at least this large
 * @param maxFiles     the files one container attempt keeps: its current log and up to {@code maxFiles - 1} rotated
 *                     ones (the oldest are deleted first)
 * @param period       how often the logs are looked at
 */
public record LogRotationPolicy(long maxSizeBytes, int maxFiles, Duration period) {

    /** The kubelet's {@code containerLogMaxSize}: 10Mi. */
    public static final long DEFAULT_MAX_SIZE = 10L * 1024 * 1024;
    /** The kubelet's {@code containerLogMaxFiles}. */
    public static final int DEFAULT_MAX_FILES = 5;
    /** The kubelet's {@code containerLogMonitorInterval}. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(10);
    /** The kubelet refuses a shorter monitor interval. */
    public static final Duration MIN_PERIOD = Duration.ofSeconds(3);

    /** @throws IllegalArgumentException naming the flag whose value is out of range */
    public LogRotationPolicy {
        Objects.requireNonNull(period, "period");
        if (maxSizeBytes <= 0) {
            throw new IllegalArgumentException("--container-log-max-size must be above 0 bytes, got " + maxSizeBytes);
        }
        if (maxFiles < 2) {
            throw new IllegalArgumentException("--container-log-max-files must be at least 2 (the current log and one "
                    + "rotated), got " + maxFiles);
        }
        if (period.compareTo(MIN_PERIOD) < 0) {
            throw new IllegalArgumentException("--container-log-monitor-interval must be at least 3s, got "
                    + period.toMillis() + "ms");
        }
    }

    /** The kubelet's defaults: 10Mi, 5 files, every 10 s. */
    public static LogRotationPolicy defaults() {
        return new LogRotationPolicy(DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES, DEFAULT_PERIOD);
    }
}
