package io.kaji.controllers.deployment;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.util.Collection;
import java.util.Optional;

/**
 * The arithmetic of a rolling update, as Kubernetes' deployment util defines it: how far a rollout may surge
 * above and dip below the desired replicas. Pure functions, so the bounds can be tested exhaustively.
 */
public final class RolloutMath {

    private RolloutMath() {
    }

    /** {@code spec.replicas}, defaulting to 1. */
    public static int replicas(Deployment d) {
        return Optional.ofNullable(d.getSpec().getReplicas()).orElse(1);
    }

    public static int replicas(ReplicaSet rs) {
        return rs == null ? 0 : Optional.ofNullable(rs.getSpec().getReplicas()).orElse(0);
    }

    public static int available(ReplicaSet rs) {
        return rs == null || rs.getStatus() == null ? 0 : Optional.ofNullable(rs.getStatus().getAvailableReplicas()).orElse(0);
    }

    public static int ready(ReplicaSet rs) {
        return rs == null || rs.getStatus() == null ? 0 : Optional.ofNullable(rs.getStatus().getReadyReplicas()).orElse(0);
    }

    public static int actual(ReplicaSet rs) {
        return rs == null || rs.getStatus() == null ? 0 : Optional.ofNullable(rs.getStatus().getReplicas()).orElse(0);
    }

    public static boolean isRollingUpdate(Deployment d) {
        return d.getSpec().getStrategy() == null || d.getSpec().getStrategy().getType() == null
                || "RollingUpdate".equals(d.getSpec().getStrategy().getType());
    }

    /** An int-or-percent of {@code total}, rounding percentages up or down. */
    static int resolve(IntOrString value, int total, boolean roundUp, int defaultPercent) {
        if (value == null) {
            double v = total * defaultPercent / 100.0;
            return (int) (roundUp ? Math.ceil(v) : Math.floor(v));
        }
        if (value.getIntVal() != null) {
            return value.getIntVal();
        }
        String s = value.getStrVal();
        if (s == null || !s.endsWith("%")) {
            throw new IllegalArgumentException("invalid value for IntOrString: \"" + s + "\" (expected an integer or a percentage)");
        }
        double v = total * Integer.parseInt(s.substring(0, s.length() - 1)) / 100.0;
        return (int) (roundUp ? Math.ceil(v) : Math.floor(v));
    }

    /** maxSurge as a count (percentages round up); 0 for Recreate. */
    public static int maxSurge(Deployment d) {
        if (!isRollingUpdate(d)) {
            return 0;
        }
        var ru = d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getRollingUpdate();
        int surge = resolve(ru == null ? null : ru.getMaxSurge(), replicas(d), true, 25);
        int unavailable = resolve(ru == null ? null : ru.getMaxUnavailable(), replicas(d), false, 25);
        if (surge == 0 && unavailable == 0) {
            return 0; // maxUnavailable becomes 1 instead
        }
        return surge;
    }

    /**
     * maxUnavailable as a count (percentages round down); never more than the replicas, and 1 when both bounds
     * would be 0 (a rollout must be able to make progress). 0 for Recreate.
     */
    public static int maxUnavailable(Deployment d) {
        if (!isRollingUpdate(d) || replicas(d) == 0) {
            return 0;
        }
        var ru = d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getRollingUpdate();
        int surge = resolve(ru == null ? null : ru.getMaxSurge(), replicas(d), true, 25);
        int unavailable = resolve(ru == null ? null : ru.getMaxUnavailable(), replicas(d), false, 25);
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        return Math.min(unavailable, replicas(d));
    }

    static int sumReplicas(Collection<ReplicaSet> sets) {
        return sets.stream().mapToInt(RolloutMath::replicas).sum();
    }

    static int sumAvailable(Collection<ReplicaSet> sets) {
        return sets.stream().mapToInt(RolloutMath::available).sum();
    }

    /**
     * How many replicas the new ReplicaSet may have now: up to the desired count, without the total of all
     * ReplicaSets exceeding replicas + maxSurge.
     */
    public static int newReplicaSetReplicas(Deployment d, Collection<ReplicaSet> all, ReplicaSet newRs) {
        if (!isRollingUpdate(d)) {
            return replicas(d);
        }
        int current = sumReplicas(all);
        int maxTotal = replicas(d) + maxSurge(d);
        if (current >= maxTotal) {
            return replicas(newRs);
        }
        int scaleUp = Math.min(maxTotal - current, replicas(d) - replicas(newRs));
        return replicas(newRs) + Math.max(0, scaleUp);
    }

    /**
     * How many old replicas may be removed now without the available pods dropping below
     * replicas - maxUnavailable, counting the new ReplicaSet's not-yet-available pods as unavailable.
     */
    public static int maxScaledDown(Deployment d, Collection<ReplicaSet> all, ReplicaSet newRs) {
        int minAvailable = replicas(d) - maxUnavailable(d);
        int newUnavailable = replicas(newRs) - available(newRs);
        return sumReplicas(all) - minAvailable - newUnavailable;
    }
}
