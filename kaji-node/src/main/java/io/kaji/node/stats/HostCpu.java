package io.kaji.node.stats;

/**
 * The aggregate {@code cpu} line of {@code /proc/stat}: the host's busy and total CPU time in clock ticks
 * (USER_HZ, 100 per second on Linux). Busy is user, nice, system, irq, softirq and steal; total adds idle and
 * iowait; guest time is already counted in user.
 *
 * @param busyTicks  ticks the CPUs spent working
 * @param totalTicks busy plus idle and iowait ticks
 */
public record HostCpu(long busyTicks, long totalTicks) {

    /** Clock ticks per second of /proc/stat (USER_HZ). */
    public static final int TICKS_PER_SECOND = 100;

    /**
     * Parses {@code "cpu  user nice system idle iowait irq softirq steal ..."}.
     *
     * @throws NumberFormatException if a field is not a number
     */
    public static HostCpu parse(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        long busy = 0;
        long idle = 0;
        for (int i = 1; i <= 8 && i < f.length; i++) {
            long v = Long.parseLong(f[i]);
            if (i == 4 || i == 5) {
                idle += v;
            } else {
                busy += v;
            }
        }
        return new HostCpu(busy, busy + idle);
    }

    /** The first line of {@code /proc/stat}-style text that starts with {@code "cpu "}, parsed; null if none. */
    public static HostCpu of(java.util.List<String> procStatLines) {
        for (String line : procStatLines) {
            if (line.startsWith("cpu ")) {
                return parse(line);
            }
        }
        return null;
    }
}
