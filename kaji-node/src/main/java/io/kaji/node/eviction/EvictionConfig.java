package io.kaji.node.eviction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The eviction manager's settings, spelled as the kubelet's flags: {@code --eviction-hard},
 * {@code --eviction-soft}, {@code --eviction-soft-grace-period}, {@code --eviction-pressure-transition-period},
 * {@code --eviction-max-pod-grace-period}, {@code --eviction-minimum-reclaim}, plus how often signals are sampled.
 * Immutable.
 *
 * @param thresholds               hard and soft thresholds (at most one of each kind per signal)
 * @param pressureTransitionPeriod how long a pressure condition stays True after its threshold was last met
 *                                 (kubelet: 5m), so the node does not flap between pressure and none
 * @param monitoringInterval       how often signals are sampled and at most one pod evicted (kubelet: 10s)
 * @param maxPodGracePeriod        the longest grace period a pod evicted by a soft threshold gets (kubelet: 0,
 *                                 meaning the pod's own terminationGracePeriodSeconds); hard evictions use 0
 * @param minimumReclaim           per signal, how much more than its threshold must be available again before a
 *                                 met threshold counts as resolved (kubelet: none), so that eviction frees a margin
 *                                 instead of stopping right at the line
 */
public record EvictionConfig(List<Threshold> thresholds, Duration pressureTransitionPeriod,
                             Duration monitoringInterval, Duration maxPodGracePeriod,
                             Map<Signal, Amount> minimumReclaim) {

    /**
     * An amount as a threshold or a minimum reclaim gives it: absolute (bytes or a count), or a fraction of the
     * signal's capacity.
     *
     * @param quantity the amount, or -1 when {@code fraction} applies
     * @param fraction the fraction of capacity (0.05 for 5%) when {@code quantity} is -1
     */
    public record Amount(long quantity, double fraction) {
        /** The amount for a signal of {@code capacity}. */
        public long of(long capacity) {
            return quantity >= 0 ? quantity : (long) (capacity * fraction);
        }
    }

    /** Settings without minimum reclaims. */
    public EvictionConfig(List<Threshold> thresholds, Duration pressureTransitionPeriod, Duration monitoringInterval,
                          Duration maxPodGracePeriod) {
        this(thresholds, pressureTransitionPeriod, monitoringInterval, maxPodGracePeriod, Map.of());
    }

    /** The kubelet's default {@code --eviction-hard} on Linux. */
    public static final String DEFAULT_HARD =
            "memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%";

    public EvictionConfig {
        thresholds = List.copyOf(thresholds);
        minimumReclaim = Map.copyOf(minimumReclaim);
        Objects.requireNonNull(pressureTransitionPeriod, "pressureTransitionPeriod");
        Objects.requireNonNull(monitoringInterval, "monitoringInterval");
        Objects.requireNonNull(maxPodGracePeriod, "maxPodGracePeriod");
        if (monitoringInterval.isNegative() || monitoringInterval.isZero()) {
            throw new IllegalArgumentException("eviction monitoring interval must be positive, not "
                    + monitoringInterval);
        }
    }

    /** The kubelet's defaults: {@value #DEFAULT_HARD}, no soft thresholds, 5 min transition, 10 s interval. */
    public static EvictionConfig defaults() {
        return new EvictionConfig(parseHard(DEFAULT_HARD), Duration.ofMinutes(5), Duration.ofSeconds(10),
                Duration.ZERO);
    }

    /**
     * Settings from the kubelet's flags. As in the kubelet, {@code hard} replaces the default thresholds entirely
     * (a signal it does not name has no hard threshold); null or blank keeps the defaults, and {@code "none"}
     * turns hard eviction off.
     *
     * @param hard        e.g. {@code memory.available<100Mi,nodefs.available<10%}
     * @param soft        e.g. {@code memory.available<1Gi}; null or blank for none
     * @param softGrace   e.g. {@code memory.available=1m30s}; one per soft threshold
     * @throws IllegalArgumentException with a message naming the offending entry
     */
    public static EvictionConfig parse(String hard, String soft, String softGrace, Duration transition,
                                       Duration interval, Duration maxPodGrace) {
        return parse(hard, soft, softGrace, null, transition, interval, maxPodGrace);
    }

    /**
     * As above, with {@code minimumReclaim} ({@code --eviction-minimum-reclaim}: {@code signal=quantity} or
     * {@code signal=percent%} entries, e.g. {@code memory.available=0Mi,nodefs.available=500Mi}; null or blank for
     * none).
     */
    public static EvictionConfig parse(String hard, String soft, String softGrace, String minimumReclaim,
                                       Duration transition, Duration interval, Duration maxPodGrace) {
        List<Threshold> all = new ArrayList<>();
        if (hard == null || hard.isBlank()) {
            all.addAll(parseHard(DEFAULT_HARD));
        } else if (!hard.strip().equals("none")) {
            all.addAll(parseHard(hard));
        }
        Map<Signal, Duration> graces = parseGracePeriods(softGrace);
        for (Threshold t : parseHard(soft)) {
            Duration g = graces.remove(t.signal());
            if (g == null) {
                throw new IllegalArgumentException("eviction-soft: no grace period for " + t.signal()
                        + " (add --eviction-soft-grace-period " + t.signal() + "=1m30s)");
            }
            all.add(new Threshold(t.signal(), t.quantity(), t.percentage(), g));
        }
        if (!graces.isEmpty()) {
            throw new IllegalArgumentException("eviction-soft-grace-period: " + graces.keySet()
                    + " has a grace period but no soft threshold");
        }
        return new EvictionConfig(all, transition, interval, maxPodGrace, parseMinimumReclaim(minimumReclaim));
    }

    /** {@code signal=quantity} or {@code signal=percent%} entries separated by commas; each signal at most once. */
    static Map<Signal, Amount> parseMinimumReclaim(String spec) {
        Map<Signal, Amount> out = new EnumMap<>(Signal.class);
        if (spec == null || spec.isBlank()) {
            return out;
        }
        for (String raw : spec.split(",")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("eviction minimum reclaim \"" + entry
                        + "\": expected signal=quantity, e.g. nodefs.available=500Mi");
            }
            String name = entry.substring(0, eq).strip();
            String value = entry.substring(eq + 1).strip();
            Signal signal = Signal.byName(name).orElseThrow(() -> new IllegalArgumentException(
                    "eviction minimum reclaim \"" + entry + "\": unsupported eviction signal " + name));
            Amount a = amount("eviction minimum reclaim \"" + entry + "\"", value, true);
            if (out.put(signal, a) != null) {
                throw new IllegalArgumentException("eviction minimum reclaim: " + signal + " is named twice");
            }
        }
        return out;
    }

    /**
     * {@code signal<quantity} entries separated by commas, as the hard thresholds (no grace period); each signal at
     * most once. A percentage must be in (0, 100].
     */
    public static List<Threshold> parseHard(String spec) {
        List<Threshold> out = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        Map<Signal, Threshold> seen = new EnumMap<>(Signal.class);
        for (String raw : spec.split(",")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            int lt = entry.indexOf('<');
            if (lt < 0) {
                throw new IllegalArgumentException("eviction threshold \"" + entry
                        + "\": expected signal<quantity, e.g. memory.available<100Mi (only < is supported)");
            }
            String name = entry.substring(0, lt).strip();
            String value = entry.substring(lt + 1).strip();
            Signal signal = Signal.byName(name).orElseThrow(() -> new IllegalArgumentException(
                    "eviction threshold \"" + entry + "\": unsupported eviction signal " + name + " (supported: "
                            + String.join(", ", java.util.Arrays.stream(Signal.values()).map(Signal::flagName)
                            .toList()) + ")"));
            Amount a = amount("eviction threshold \"" + entry + "\"", value, false);
            Threshold t = new Threshold(signal, a.quantity(), a.fraction(), Duration.ZERO);
            if (seen.put(signal, t) != null) {
                throw new IllegalArgumentException("eviction thresholds: " + signal + " is named twice");
            }
            out.add(t);
        }
        return out;
    }

    /**
     * {@code value} as a quantity ({@code 100Mi}, {@code 500}) or a percentage ({@code 10%}, above 0 — or from 0
     * when {@code zeroPercent} — and at most 100); errors start with {@code what}.
     */
    private static Amount amount(String what, String value, boolean zeroPercent) {
        if (!value.endsWith("%")) {
            try {
                return new Amount(Quantities.parse(value), 0);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + ": " + e.getMessage());
            }
        }
        double percent;
        try {
            percent = Double.parseDouble(value.substring(0, value.length() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": " + value + " is not a percentage");
        }
        if (zeroPercent ? percent < 0 || percent > 100 : !(percent > 0) || percent > 100) {
            throw new IllegalArgumentException(what + ": a percentage must be " + (zeroPercent
                    ? "between 0% and 100%" : "above 0% and at most 100%"));
        }
        return new Amount(-1, percent / 100);
    }

    /** {@code signal=duration} entries ({@code 1m30s}, {@code 90s}, {@code 2h}) separated by commas. */
    static Map<Signal, Duration> parseGracePeriods(String spec) {
        Map<Signal, Duration> out = new EnumMap<>(Signal.class);
        if (spec == null || spec.isBlank()) {
            return out;
        }
        for (String raw : spec.split(",")) {
            String entry = raw.strip();
            int eq = entry.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("eviction grace period \"" + entry
                        + "\": expected signal=duration, e.g. memory.available=1m30s");
            }
            String name = entry.substring(0, eq).strip();
            Signal signal = Signal.byName(name).orElseThrow(() -> new IllegalArgumentException(
                    "eviction grace period \"" + entry + "\": unsupported eviction signal " + name));
            Duration d = duration(entry.substring(eq + 1).strip());
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("eviction grace period \"" + entry + "\" must be positive");
            }
            out.put(signal, d);
        }
        return out;
    }

    /** A Go-style duration ({@code 5m}, {@code 1m30s}, {@code 500ms}, {@code 2h}). */
    public static Duration duration(String text) {
        String s = text.strip();
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        try {
            return goDuration(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration (e.g. 5m, 1m30s, 10s)");
        }
    }

    private static Duration goDuration(String s) {
        Duration total = Duration.ZERO;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|h|m|s)").matcher(s);
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw new NumberFormatException(s);
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            end = m.end();
        }
        if (end != s.length() || s.isEmpty()) {
            throw new NumberFormatException(s);
        }
        return total;
    }

    public EvictionConfig withPressureTransitionPeriod(Duration d) {
        return new EvictionConfig(thresholds, d, monitoringInterval, maxPodGracePeriod, minimumReclaim);
    }

    public EvictionConfig withMonitoringInterval(Duration d) {
        return new EvictionConfig(thresholds, pressureTransitionPeriod, d, maxPodGracePeriod, minimumReclaim);
    }

    /**
     * These settings with the kubelet's thresholds for node allocatable enforced on pods: a hard threshold on
     * allocatableMemory.available equal to each hard one on memory.available, with its minimum reclaim (its
     * addAllocatableThresholds). Unchanged where one on allocatableMemory.available is there already.
     */
    public EvictionConfig withAllocatableThresholds() {
        if (thresholds.stream().anyMatch(t -> t.signal() == Signal.ALLOCATABLE_MEMORY_AVAILABLE)) {
            return this;
        }
        List<Threshold> all = new ArrayList<>(thresholds);
        Map<Signal, Amount> reclaim = new java.util.HashMap<>(minimumReclaim);
        for (Threshold t : thresholds) {
            if (t.signal() == Signal.MEMORY_AVAILABLE && t.isHard()) {
                all.add(new Threshold(Signal.ALLOCATABLE_MEMORY_AVAILABLE, t.quantity(), t.percentage(),
                        Duration.ZERO));
                Amount m = minimumReclaim.get(Signal.MEMORY_AVAILABLE);
                if (m != null) {
                    reclaim.putIfAbsent(Signal.ALLOCATABLE_MEMORY_AVAILABLE, m);
                }
            }
        }
        return new EvictionConfig(all, pressureTransitionPeriod, monitoringInterval, maxPodGracePeriod, reclaim);
    }

    /** The minimum reclaim of {@code signal} for a capacity of {@code capacity}; 0 without one. */
    long minimumReclaim(Signal signal, long capacity) {
        Amount m = minimumReclaim.get(signal);
        return m == null ? 0 : m.of(capacity);
    }
}
