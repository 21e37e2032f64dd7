package io.kaji.cli.localcluster;

import io.kaji.node.stats.HostCpu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where a benchmark's CPU went: the machine's busy time from /proc/stat and the CPU time of named processes over a
 * window, so that a throughput figure can be told apart as "the machine was full, and this is who used it" or "the
 * machine had room: something waited". Whatever the named processes do not account for (containerd's shims, runc
 * and the CNI plugins it runs, other users of the machine) is reported as the rest.
 */
public final class CpuMeter {

    /**
     * One reading.
     *
     * @param nanos        System.nanoTime() when taken
     * @param machineBusy  jiffies the machine's CPUs spent in user, nice, system, irq, softirq and steal
     * @param machineTotal the same plus idle and iowait
     * @param processes    CPU ticks (utime + stime) per name; -1 for a process that could not be read
     */
    public record Snapshot(long nanos, long machineBusy, long machineTotal, Map<String, Long> processes) {}

    private final Map<String, Long> pids;

    /** @param pids the processes to account for, by the name the report gives them (in this order) */
    public CpuMeter(Map<String, Long> pids) {
        this.pids = new LinkedHashMap<>(pids);
    }

    /** Reads the machine's and the processes' counters now. */
    public Snapshot take() {
        long[] machine = machine();
        Map<String, Long> ticks = new LinkedHashMap<>();
        pids.forEach((name, pid) -> ticks.put(name, ticks(pid)));
        return new Snapshot(System.nanoTime(), machine[0], machine[1], ticks);
    }

    /**
     * One line: wall time, the machine's busy core-seconds and share, each process' core-seconds and the rest; per
     * item of work ({@code items} > 0) the same in milliseconds of CPU per item.
     */
    public static String report(Snapshot from, Snapshot to, int cores, int items, String itemName) {
        double wall = (to.nanos() - from.nanos()) / 1e9;
        double busy = (to.machineBusy() - from.machineBusy()) / (double) ProcessUsage.TICKS_PER_SECOND;
        double total = (to.machineTotal() - from.machineTotal()) / (double) ProcessUsage.TICKS_PER_SECOND;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "%.1f s wall on %d cores: machine busy %.1f core-s (%.0f %%)", wall, cores, busy,
                total <= 0 ? 0 : 100 * busy / total));
        double named = 0;
        for (var e : from.processes().entrySet()) {
            long a = e.getValue();
            long b = to.processes().getOrDefault(e.getKey(), -1L);
            if (a < 0 || b < 0) {
                line.append("; ").append(e.getKey()).append(" n/a");
                continue;
            }
            double s = (b - a) / (double) ProcessUsage.TICKS_PER_SECOND;
            named += s;
            line.append(String.format(Locale.ROOT, "; %s %.1f", e.getKey(), s));
            if (items > 0) {
                line.append(String.format(Locale.ROOT, " (%.0f ms/%s)", 1000 * s / items, itemName));
            }
        }
        double rest = Math.max(0, busy - named);
        line.append(String.format(Locale.ROOT, "; rest (shims, runc, CNI plugins, anything else) %.1f", rest));
        if (items > 0) {
            line.append(String.format(Locale.ROOT, " (%.0f ms/%s); busy per %s %.0f ms", 1000 * rest / items,
                    itemName, itemName, 1000 * busy / items));
        }
        return line.toString();
    }

    /**
     * How a wait for a quiet machine ended.
     *
     * @param waited    how long it took
     * @param lastCores the machine's busy cores in the last interval looked at
     * @param quiet     whether it went quiet (false: {@code max} passed first)
     */
    public record Quiet(Duration waited, double lastCores, boolean quiet) {
        /** "quiet after 3.2 s (0.12 cores busy)" or "still 0.80 cores busy after 30.0 s". */
        public String describe() {
            double s = waited.toMillis() / 1000.0;
            return quiet ? String.format(Locale.ROOT, "quiet after %.1f s (%.2f cores busy)", s, lastCores)
                    : String.format(Locale.ROOT, "still %.2f cores busy after %.1f s", lastCores, s);
        }
    }

    /**
     * Waits until the machine's CPUs were busy for less than {@code cores} over one {@code interval}, at most
     * {@code max}: so that a measurement does not pay for what an earlier phase left running (a deleted pod's network
     * namespace is torn down by the kernel after its sandbox is gone, containerd removes snapshots later).
     */
    public static Quiet awaitQuiet(double cores, Duration interval, Duration max) throws InterruptedException {
        long start = System.nanoTime();
        long[] before = machine();
        while (true) {
            Thread.sleep(interval.toMillis());
            long[] now = machine();
            double busySeconds = (now[0] - before[0]) / (double) ProcessUsage.TICKS_PER_SECOND;
            double last = busySeconds / (interval.toMillis() / 1000.0);
            before = now;
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            if (last < cores) {
                return new Quiet(waited, last, true);
            }
            if (waited.compareTo(max) >= 0) {
                return new Quiet(waited, last, false);
            }
        }
    }

    /**
     * {@link #awaitQuiet(double, Duration, Duration)} as the benchmarks use it before each measured phase: under 0.3
     * cores busy over a second (an idle cluster's server, agent and containerd use a few hundredths), at most 30 s.
     */
    public static Quiet awaitQuiet() throws InterruptedException {
        return awaitQuiet(0.3, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    /** [busy, total] jiffies from /proc/stat; zeros if unreadable (the share then reads 0 %). */
    static long[] machine() {
        try {
            HostCpu cpu = HostCpu.of(Files.readAllLines(Path.of("/proc/stat")));
            if (cpu != null) {
                return new long[] {cpu.busyTicks(), cpu.totalTicks()};
            }
        } catch (IOException | NumberFormatException e) {
            // reported as zero
        }
        return new long[] {0, 0};
    }

    /**
     * Milliseconds of CPU the JIT compiler threads of these JVMs have used so far (their threads named "C1
     * CompilerThread…" and "C2 CompilerThread…", read from /proc/PID/task), or -1 if a process cannot be read. A
     * HotSpot JVM on two cores runs one compiler thread of each kind for its whole life, so the sum only grows;
     * with more cores, extra compiler threads that exit take their time with them, and the figure is a lower bound.
     */
    public static long compilerMillis(long... pids) {
        long ticks = 0;
        for (long pid : pids) {
            Path tasks = Path.of("/proc", Long.toString(pid), "task");
            try (var dirs = Files.list(tasks)) {
                for (Path task : (Iterable<Path>) dirs::iterator) {
                    ticks += compilerTicks(task);
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                return -1;
            }
        }
        return ticks * 1000 / ProcessUsage.TICKS_PER_SECOND;
    }

    /** A thread's CPU ticks if it is a JIT compiler thread, else 0 (also when it ended while being read). */
    static long compilerTicks(Path task) {
        try {
            String comm = Files.readString(task.resolve("comm")).strip();
            if (!isCompilerThread(comm)) {
                return 0;
            }
            return ProcessUsage.cpuTicks(Files.readString(task.resolve("stat")));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** HotSpot's compiler threads, as Linux names them (at most 15 characters: "C2 CompilerThre"). */
    static boolean isCompilerThread(String comm) {
        return comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre");
    }

    private static long ticks(long pid) {
        try {
            return ProcessUsage.cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
