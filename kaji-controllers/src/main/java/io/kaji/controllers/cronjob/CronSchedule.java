package io.kaji.controllers.cronjob;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * A standard five-field cron schedule (minute hour day-of-month month day-of-week) as Kubernetes CronJobs accept
 * it: lists, ranges, steps, {@code *}, month and weekday names, the {@code @hourly}-style macros, and Vixie cron's
 * rule that when both day fields are restricted a day matches either. Immutable and thread-safe.
 */
public final class CronSchedule {

    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
    private static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

    private final String text;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean domRestricted;
    private final boolean dowRestricted;

    private CronSchedule(String text, BitSet minutes, BitSet hours, BitSet dom, BitSet months, BitSet dow,
                         boolean domRestricted, boolean dowRestricted) {
        this.text = text;
        this.minutes = minutes;
        this.hours = hours;
        this.daysOfMonth = dom;
        this.months = months;
        this.daysOfWeek = dow;
        this.domRestricted = domRestricted;
        this.dowRestricted = dowRestricted;
    }

    /** Parses a schedule; throws {@link IllegalArgumentException} naming the bad field. */
    public static CronSchedule parse(String text) {
        String spec = text.trim();
        if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
            throw new IllegalArgumentException("schedule \"" + text + "\": put the time zone in spec.timeZone, not in the schedule");
        }
        spec = MACROS.getOrDefault(spec.toLowerCase(Locale.ROOT), spec);
        String[] f = spec.split("\\s+");
        if (f.length != 5) {
            throw new IllegalArgumentException("schedule \"" + text + "\": expected 5 fields (minute hour day-of-month month "
                    + "day-of-week), found " + f.length);
        }
        BitSet dow = field(f[4], 0, 7, DAYS, "day-of-week", text);
        if (dow.get(7)) {
            dow.set(0); // 7 is Sunday too
            dow.clear(7);
        }
        return new CronSchedule(text, field(f[0], 0, 59, null, "minute", text), field(f[1], 0, 23, null, "hour", text),
                field(f[2], 1, 31, null, "day-of-month", text), field(f[3], 1, 12, MONTHS, "month", text), dow,
                !f[2].equals("*") && !f[2].equals("?"), !f[4].equals("*") && !f[4].equals("?"));
    }

    private static BitSet field(String f, int min, int max, String[] names, String what, String text) {
        BitSet bits = new BitSet(max + 1);
        for (String part : f.split(",")) {
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(part.substring(slash + 1), null, 0, what, text);
                range = part.substring(0, slash);
                if (step <= 0) {
                    throw new IllegalArgumentException("schedule \"" + text + "\": " + what + " step must be positive");
                }
            }
            int lo;
            int hi;
            if (range.equals("*") || range.equals("?")) {
                lo = min;
                hi = max;
            } else if (range.contains("-")) {
                String[] r = range.split("-", 2);
                lo = number(r[0], names, min, what, text);
                hi = number(r[1], names, min, what, text);
            } else {
                lo = number(range, names, min, what, text);
                hi = slash >= 0 ? max : lo;
            }
            if (lo < min || hi > max || lo > hi) {
                throw new IllegalArgumentException("schedule \"" + text + "\": " + what + " \"" + part
                        + "\" is outside " + min + "-" + max);
            }
            for (int v = lo; v <= hi; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }

    private static int number(String s, String[] names, int offset, String what, String text) {
        if (names != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equalsIgnoreCase(s)) {
                    return i + (offset == 1 ? 1 : 0);
                }
            }
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("schedule \"" + text + "\": " + what + " \"" + s + "\" is not a number"
                    + (names == null ? "" : " or a name"));
        }
    }

    /** The first time strictly after {@code after} that the schedule fires, in {@code zone}. */
    public ZonedDateTime next(ZonedDateTime after, ZoneId zone) {
        ZonedDateTime t = after.withZoneSameInstant(zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        ZonedDateTime limit = t.plusYears(5);
        while (t.isBefore(limit)) {
            if (!months.get(t.getMonthValue())) {
                t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
                continue;
            }
            if (!dayMatches(t)) {
                t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
                continue;
            }
            if (!hours.get(t.getHour())) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
                continue;
            }
            if (!minutes.get(t.getMinute())) {
                t = t.plusMinutes(1);
                continue;
            }
            return t;
        }
        throw new IllegalArgumentException("schedule \"" + text + "\" never fires");
    }

    private boolean dayMatches(ZonedDateTime t) {
        boolean dom = daysOfMonth.get(t.getDayOfMonth());
        boolean dow = daysOfWeek.get(t.getDayOfWeek().getValue() % 7);
        if (domRestricted && dowRestricted) {
            return dom || dow;
        }
        return dom && dow;
    }

    @Override
    public String toString() {
        return text;
    }
}
