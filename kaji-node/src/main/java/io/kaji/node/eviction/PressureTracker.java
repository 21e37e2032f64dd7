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
 *   <li>a threshold met in the previous pass stays met until its signal's availability is back at the threshold
 *       plus the signal's minimum reclaim ({@code --eviction-minimum-reclaim}), so that eviction goes on until
 *       that margin is free;</li>
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
    private final EvictionConfig config;
    /** The thresholds met in the last pass. */
    private final Set<Threshold> metBefore = new java.util.HashSet<>();
    private final Map<Threshold, Instant> firstObserved = new HashMap<>();
    private final Map<PressureCondition, Instant> lastObserved = new EnumMap<>(PressureCondition.class);

    PressureTracker(List<Threshold> thresholds, Duration transitionPeriod) {
        this(new EvictionConfig(thresholds, transitionPeriod, Duration.ofSeconds(10), Duration.ZERO));
    }

    PressureTracker(EvictionConfig config) {
        this.config = config;
        this.thresholds = config.thresholds();
        this.transitionPeriod = config.pressureTransitionPeriod();
    }

    /** Whether {@code t} counts as met: below it, or met last time and not yet above it plus its minimum reclaim. */
    private boolean met(Threshold t, Observation o) {
        if (t.met(o)) {
            return true;
        }
        return metBefore.contains(t) && unresolved(config, t, o);
    }

    /** Whether {@code o} is below threshold {@code t} plus its signal's minimum reclaim. */
    static boolean unresolved(EvictionConfig config, Threshold t, Observation o) {
        return o != null && o.available() < t.quantity(o.capacity()) + config.minimumReclaim(t.signal(), o.capacity());
    }

    /** Records one set of observations taken at {@code now}. A signal missing from them counts as not met. */
    Outcome update(Map<Signal, Observation> observations, Instant now) {
        List<Threshold> met = new ArrayList<>();
        for (Threshold t : thresholds) {
            if (met(t, observations.get(t.signal()))) {
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
        metBefore.clear();
        metBefore.addAll(met);
        List<Threshold> actionable = met.stream()
                .filter(t -> Duration.between(firstObserved.get(t), now).compareTo(t.gracePeriod()) >= 0)
                .toList();
        return new Outcome(conditions, met, actionable);
    }
}
