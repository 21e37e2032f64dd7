package io.kaji.cli.localcluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Memory and CPU of one Linux process from /proc: resident set (VmRSS), proportional set (Pss from smaps_rollup:
 * shared pages divided among their sharers) and CPU time (utime + stime).
 *
 * @param rssKib resident set in KiB
 * @param pssKib proportional set in KiB, or -1 if smaps_rollup is unreadable
 * @param cpuTicks user + system CPU time in clock ticks ({@link #TICKS_PER_SECOND} per second)
 */
public record ProcessUsage(long rssKib, long pssKib, long cpuTicks) {

    /** USER_HZ: 100 on every Linux architecture Kaji runs on. */
    public static final int TICKS_PER_SECOND = io.kaji.node.stats.HostCpu.TICKS_PER_SECOND;

    /** Reads the process' current usage; throws IOException if it is gone. */
    public static ProcessUsage of(long pid) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        long rss = statusField(Files.readAllLines(proc.resolve("status")), "VmRSS:");
        long pss = -1;
        try {
            pss = statusField(Files.readAllLines(proc.resolve("smaps_rollup")), "Pss:");
        } catch (IOException | IllegalStateException e) {
            // older kernels have no smaps_rollup: report RSS only
        }
        return new ProcessUsage(rss, pss, cpuTicks(Files.readString(proc.resolve("stat"))));
    }

    /** utime + stime from a /proc/<pid>/stat line (fields 14 and 15, counted after the parenthesised name). */
    static long cpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state), so field n is f[n - 3]
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** The KiB value of a "Name:   123 kB" line. */
    static long statusField(List<String> lines, String name) {
        for (String line : lines) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no " + name + " line");
    }
}
