package io.kaji.node.containergc;

import java.time.Duration;
import java.util.Objects;

/**
 * Which dead containers the container garbage collector keeps, spelled as the kubelet's flags
 * {@code --minimum-container-ttl-duration}, {@code --maximum-dead-containers-per-container} and
 * {@code --maximum-dead-containers} (the kubelet's {@code ContainerGCPolicy}). Immutable.
 *
 * @param minAge             a dead container created less than this long ago is never removed (0: no limit)
 * @param maxPerPodContainer dead instances kept per container of a pod (pod uid and container name); below zero for
 *                           no limit. The default 1 keeps the previous instance, whose log
 *                           {@code kubectl logs --previous} reads
 * @param maxContainers      dead containers kept on the whole node; below zero for no limit. When exceeded, every
 *                           container of a pod keeps an equal share (at least one) and then the oldest go first
 * @param period             how often the collector runs on its own (the kubelet: every minute)
 */
public record ContainerGcPolicy(Duration minAge, int maxPerPodContainer, int maxContainers, Duration period) {

    /** The kubelet's {@code --minimum-container-ttl-duration}. */
    public static final Duration DEFAULT_MIN_AGE = Duration.ZERO;
    /** The kubelet's {@code --maximum-dead-containers-per-container}. */
    public static final int DEFAULT_MAX_PER_POD_CONTAINER = 1;
    /** The kubelet's {@code --maximum-dead-containers}: no node-wide limit. */
    public static final int DEFAULT_MAX_CONTAINERS = -1;
    /** The kubelet's ContainerGCPeriod. */
    public static final Duration DEFAULT_PERIOD = Duration.ofMinutes(1);

    /** @throws IllegalArgumentException naming the flag, when the minimum age is negative or the period not positive */
    public ContainerGcPolicy {
        Objects.requireNonNull(minAge, "minAge");
        Objects.requireNonNull(period, "period");
        if (minAge.isNegative()) {
            throw new IllegalArgumentException("--minimum-container-ttl-duration " + minAge
                    + " must not be negative: give 0 to remove dead containers at any age");
        }
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("container GC period " + period + " must be positive");
        }
    }

    /** The kubelet's defaults: any age, one dead instance per container, no node-wide limit, every minute. */
    public static ContainerGcPolicy defaults() {
        return new ContainerGcPolicy(DEFAULT_MIN_AGE, DEFAULT_MAX_PER_POD_CONTAINER, DEFAULT_MAX_CONTAINERS,
                DEFAULT_PERIOD);
    }

    /** This policy with other limits (the period stays). */
    public ContainerGcPolicy with(Duration age, int perPodContainer, int total) {
        return new ContainerGcPolicy(age, perPodContainer, total, period);
    }

    /** This policy run every {@code p} instead. */
    public ContainerGcPolicy withPeriod(Duration p) {
        return new ContainerGcPolicy(minAge, maxPerPodContainer, maxContainers, p);
    }
}
