package io.kaji.node.stats;

import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kubelet's latency histograms that the agent's own work feeds, named, labelled and bucketed as the kubelet's
 * ({@code pkg/kubelet/metrics}), so that the kubelet dashboards and alerts (pod start duration, PLEG relist
 * duration) read a Kaji node unchanged:
 * <ul>
 *   <li>{@code kubelet_pod_worker_duration_seconds{operation_type}}: one pass of a pod worker (create: the first
 *   pass over a pod; update: the first after its spec changed; sync: the others; kill: a pod being deleted or
 *   gone);</li>
 *   <li>{@code kubelet_pod_start_duration_seconds}: from the agent first seeing a pod to the pass that found it
 *   running;</li>
 *   <li>{@code kubelet_pleg_relist_duration_seconds}, {@code kubelet_pleg_relist_interval_seconds} (between the
 *   starts of two relists) and {@code kubelet_pleg_last_seen_seconds}: the agent's container relist, the kubelet's
 *   PLEG;</li>
 *   <li>{@code kubelet_cgroup_manager_duration_seconds{operation_type=create|update|destroy}}: making a pod's
 *   cgroup, rewriting the Burstable level's weight, removing a pod's cgroup;</li>
 *   <li>{@code storage_operation_duration_seconds{volume_plugin,operation_name,status,migrated}}: setting up one
 *   volume of a pod ({@code volume_mount}), by the kubelet's plugin name ({@code kubernetes.io/configmap}, ...),
 *   {@code success} or {@code fail-unknown}.</li>
 * </ul>
 * Thread-safe.
 */
public final class KubeletLatencies {

    /** The kubelet's {@code podStartupDurationBuckets}, seconds. */
    static final double[] POD_START_BUCKETS = {0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300,
            360, 480, 600, 900, 1200, 1800, 2700, 3600};

    /** The kubelet's buckets of {@code storage_operation_duration_seconds}, seconds. */
    static final double[] STORAGE_OPERATION_BUCKETS = {.1, .25, .5, 1, 2.5, 5, 10, 15, 25, 50, 120, 300, 600};

    /** The kubelet's cgroup manager's operations. */
    public static final List<String> CGROUP_OPERATIONS = List.of("create", "update", "destroy");

    /** What a pod worker's pass was for: the kubelet's {@code SyncPodType} names. */
    public enum PodWorkerOperation {
        CREATE, UPDATE, SYNC, KILL;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<PodWorkerOperation, Histogram> podWorker = new EnumMap<>(PodWorkerOperation.class);
    private final Histogram podStart = new Histogram(POD_START_BUCKETS);
    private final Histogram relistDuration = new Histogram(Histogram.DEFAULT_BUCKETS);
    private final Histogram relistInterval = new Histogram(Histogram.DEFAULT_BUCKETS);
    /** The previous relist's start ({@link System#nanoTime()}); written by the relist thread only. */
    private volatile long lastRelistStart;
    private volatile boolean relisted;
    private volatile double relistLastSeen;
    private final Map<String, Histogram> cgroupManager = new LinkedHashMap<>();
    /** By the series' labels (rendered sorted by them). */
    private final Map<String, Histogram> storageOperations = new ConcurrentHashMap<>();

    public KubeletLatencies() {
        for (PodWorkerOperation op : PodWorkerOperation.values()) {
            podWorker.put(op, new Histogram(Histogram.DEFAULT_BUCKETS));
        }
        for (String op : CGROUP_OPERATIONS) {
            cgroupManager.put(op, new Histogram(Histogram.DEFAULT_BUCKETS));
        }
    }

    /** A cgroup manager operation ({@link #CGROUP_OPERATIONS}) took {@code seconds}; others are ignored. */
    public void cgroupManager(String operation, double seconds) {
        Histogram h = cgroupManager.get(operation);
        if (h != null) {
            h.observe(seconds);
        }
    }

    /**
     * A storage operation ({@code volume_mount}, ...) of volume plugin {@code plugin} ({@code kubernetes.io/secret},
     * ...) ended, successfully or not, after {@code seconds}.
     */
    public void storageOperation(String plugin, String operation, boolean ok, double seconds) {
        String labels = "migrated=\"false\",operation_name=\"" + operation + "\",status=\""
                + (ok ? "success" : "fail-unknown") + "\",volume_plugin=\"" + plugin + "\"";
        storageOperations.computeIfAbsent(labels, k -> new Histogram(STORAGE_OPERATION_BUCKETS)).observe(seconds);
    }

    /** A pod worker's pass of this kind took {@code seconds}. */
    public void podWorker(PodWorkerOperation op, double seconds) {
        podWorker.get(op).observe(seconds);
    }

    /** A pod was found running {@code seconds} after the agent first saw it. */
    public void podStarted(double seconds) {
        podStart.observe(seconds);
    }

    /**
     * A relist that started at {@code startNanos} ({@link System#nanoTime()}) has ended now, at {@code now}. Called
     * by the relist's one thread.
     */
    public void relisted(long startNanos, Instant now) {
        long end = System.nanoTime();
        if (relisted) {
            relistInterval.observe((startNanos - lastRelistStart) / 1e9);
        }
        lastRelistStart = startNanos;
        relistDuration.observe((end - startNanos) / 1e9);
        relistLastSeen = now.getEpochSecond() + now.getNano() / 1e9;
        relisted = true;
    }

    /** Appends the series in the Prometheus text format. */
    public void render(StringBuilder out) {
        ResourceStats.header(out, "kubelet_pod_worker_duration_seconds", "histogram",
                "[ALPHA] Duration in seconds to sync a single pod. Broken down by operation type: create, update, or"
                        + " sync");
        podWorker.forEach((op, h) -> h.snapshot().render(out, "kubelet_pod_worker_duration_seconds",
                "operation_type=\"" + op.label() + "\""));
        ResourceStats.header(out, "kubelet_pod_start_duration_seconds", "histogram",
                "[ALPHA] Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run");
        podStart.snapshot().render(out, "kubelet_pod_start_duration_seconds", "");
        ResourceStats.header(out, "kubelet_pleg_relist_duration_seconds", "histogram",
                "[ALPHA] Duration in seconds for relisting pods in PLEG.");
        relistDuration.snapshot().render(out, "kubelet_pleg_relist_duration_seconds", "");
        ResourceStats.header(out, "kubelet_pleg_relist_interval_seconds", "histogram",
                "[ALPHA] Interval in seconds between relisting in PLEG.");
        relistInterval.snapshot().render(out, "kubelet_pleg_relist_interval_seconds", "");
        ResourceStats.header(out, "kubelet_cgroup_manager_duration_seconds", "histogram",
                "[ALPHA] Duration in seconds for cgroup manager operations. Broken down by method.");
        cgroupManager.forEach((op, h) -> h.snapshot().render(out, "kubelet_cgroup_manager_duration_seconds",
                "operation_type=\"" + op + "\""));
        if (!storageOperations.isEmpty()) {
            ResourceStats.header(out, "storage_operation_duration_seconds", "histogram",
                    "[ALPHA] Storage operation duration");
            new TreeMap<>(storageOperations).forEach((labels, h) -> h.snapshot().render(out,
                    "storage_operation_duration_seconds", labels));
        }
        if (relisted) {
            ResourceStats.header(out, "kubelet_pleg_last_seen_seconds", "gauge",
                    "[ALPHA] Timestamp in seconds when PLEG was last seen active.");
            out.append("kubelet_pleg_last_seen_seconds ").append(String.format(Locale.ROOT, "%.3f", relistLastSeen))
                    .append('\n');
        }
    }
}
