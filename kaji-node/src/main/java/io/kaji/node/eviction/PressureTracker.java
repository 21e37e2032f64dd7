package io.kaji.node.eviction;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which thresholds are met, since when, and which pressure conditions hold — the kubelet eviction manager's
 * bookkeeping between passes:
 * <ul>
 *   <li>a threshold is met when its signal's availability is below it; it is actionable (pods may be evicted for
 *       it) once it has been met for its grace period (at once for a hard threshold);</li>
 *   <li>a condition is True as soon as any threshold on its signals is met (soft ones too, before their grace
 *       period), and stays True until none has been met for the pressure transition period.</li>
 * </ul>
 * Not thread-safe; the eviction manager calls it from its one thread.
 */
final class PressureTracker {

    /** What one pass concluded. */
    record Outcome(Set<PressureCondition> conditions, List<Threshold> met, List<Threshold> actionable) {
    }

    private final List<Threshold> thresholds;
    private final Duration transitionPeriod;
    private final Map<Threshold, Instant> firstObserved = new HashMap<>();
    private final Map<PressureCondition, Instant> lastObserved = new EnumMap<>(PressureCondition.class);

    PressureTracker(List<Threshold> thresholds, Duration transitionPeriod) {
        this.thresholds = List.copyOf(thresholds);
        this.transitionPeriod = transitionPeriod;
    }

    /** Records one set of observations taken at {@code now}. A signal missing from them counts as not met. */
    Outcome update(Map<Signal, Observation> observations, Instant now) {
        List<Threshold> met = new ArrayList<>();
        for (Threshold t : thresholds) {
            if (t.met(observations.get(t.signal()))) {
                met.add(t);
                firstObserved.putIfAbsent(t, now);
                lastObserved.put(t.signal().condition(), now);
            } else {
                firstObserved.remove(t);
            }
        }
        Set<PressureCondition> conditions = EnumSet.noneOf(PressureCondition.class);
        lastObserved.forEach((c, at) -> {
            if (Duration.between(at, now).compareTo(transitionPeriod) < 0) {
                conditions.add(c);
            }
        });
        List<Threshold> actionable = met.stream()
                .filter(t -> Duration.between(firstObserved.get(t), now).compareTo(t.gracePeriod()) >= 0)
                .toList();
        return new Outcome(conditions, met, actionable);
    }
}
