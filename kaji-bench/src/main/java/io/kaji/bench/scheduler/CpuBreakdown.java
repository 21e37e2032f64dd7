package io.kaji.bench.scheduler;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where this JVM's CPU went between {@link #start()} and {@link #roles()}, by the role of each thread: the
 * scheduling cycle (the thread {@code kaji-scheduler}), the scheduler's binding and event threads, the API server
 * (its request handlers run on virtual threads, so their CPU is their carriers', {@code ForkJoinPool-1-worker-*};
 * Netty, the store, the audit writer), and the clients (fabric8's HTTP and JSON threads: the scheduler's
 * informers and the benchmark's own watch). What no live Java thread accounts for (GC, JIT, threads that ended)
 * is the process CPU minus the rest. A load-independent figure on a shared machine: CPU seconds, not wall time.
 */
final class CpuBreakdown {

    static final String SCHEDULING_CYCLE = "scheduling cycle";
    static final String SCHEDULER_OTHER = "scheduler binding and events";
    static final String API_SERVER = "API server";
    static final String CLIENTS = "clients (HTTP, JSON, informers)";
    static final String OTHER = "GC, JIT and other";

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> startCpu = new HashMap<>();
    private final long startProcessCpu;

    private CpuBreakdown() {
        for (long id : threads.getAllThreadIds()) {
            long cpu = threads.getThreadCpuTime(id);
            if (cpu >= 0) {
                startCpu.put(id, cpu);
            }
        }
        startProcessCpu = processCpu();
    }

    /** Starts counting now. */
    static CpuBreakdown start() {
        return new CpuBreakdown();
    }

    /** The role a thread's CPU is charged to, by its name. */
    static String roleOf(String thread) {
        if (thread.equals("kaji-scheduler")) {
            return SCHEDULING_CYCLE;
        }
        if (thread.startsWith("kaji-scheduler-") || thread.startsWith("kaji-events-")) {
            return SCHEDULER_OTHER;
        }
        if (thread.startsWith("ForkJoinPool-1-worker") || thread.startsWith("nioEventLoopGroup")
                || thread.startsWith("kaji-store") || thread.startsWith("kaji-sqlite") || thread.startsWith("audit-")
                || thread.startsWith("apiserver-")) {
            return API_SERVER;
        }
        return CLIENTS;
    }

    /** CPU seconds per role since {@link #start()}, in a fixed order; the last entry is the process total. */
    Map<String, Double> roles() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String r : new String[] {SCHEDULING_CYCLE, SCHEDULER_OTHER, API_SERVER, CLIENTS, OTHER}) {
            out.put(r, 0.0);
        }
        double accounted = 0;
        for (long id : threads.getAllThreadIds()) {
            long cpu = threads.getThreadCpuTime(id);
            var info = threads.getThreadInfo(id);
            if (cpu < 0 || info == null) {
                continue;
            }
            double seconds = (cpu - startCpu.getOrDefault(id, 0L)) / 1e9;
            out.merge(roleOf(info.getThreadName()), seconds, Double::sum);
            accounted += seconds;
        }
        double total = (processCpu() - startProcessCpu) / 1e9;
        out.put(OTHER, Math.max(0, total - accounted));
        out.put("total", total);
        return out;
    }

    private static long processCpu() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }
}
