package io.kaji.support.logs;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kaji logs analyze}: mines the templates of log lines from several sources (files, containers) and ranks
 * them, with for each pattern its count, first and last seen, an example line, the level (from the header, or from
 * error/warning words), the sources that produced it, and whether it is new or bursting in the last window
 * compared with the time before. Not thread-safe: feed it from one thread.
 */
public final class LogAnalyzer {

    /** The level of a pattern: the worst level seen among its lines. */
    public enum Level { OTHER, INFO, WARN, ERROR }

    /** One mined pattern, as reported. */
    public record LogPattern(long id, String template, long count, Level level, Instant firstSeen, Instant lastSeen,
            long firstLine, long lastLine, String example, List<String> sources, boolean isNew, boolean bursting,
            long inWindow) {
    }

    /** The analysis: patterns ranked by count, and the span of time the lines covered. */
    public record Result(List<LogPattern> patterns, long lines, Instant from, Instant to, Duration window) {
    }

    private static final Pattern LEADING_TIME = Pattern.compile(
            "^(\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})?)");
    private static final Pattern ERROR_WORDS = Pattern.compile(
            "(?i)\\b(error|exception|fatal|panic|fail(ed|ure)?|refused|denied|traceback|segfault)\\b");
    private static final Pattern WARN_WORDS = Pattern.compile("(?i)\\b(warn(ing)?|deprecated|retry(ing)?|timeout)\\b");

    /** What is kept per template: counts, times, an example and where it came from. */
    private static final class Stats {
        long count;
        Level level = Level.OTHER;
        Instant first;
        Instant last;
        long firstLine;
        long lastLine;
        String example;
        final Set<String> sources = new LinkedHashSet<>();
        final List<Instant> times = new ArrayList<>();

        void merge(Stats o) {
            count += o.count;
            level = level.compareTo(o.level) >= 0 ? level : o.level;
            first = min(first, o.first);
            last = max(last, o.last);
            firstLine = Math.min(firstLine, o.firstLine);
            lastLine = Math.max(lastLine, o.lastLine);
            sources.addAll(o.sources);
            times.addAll(o.times);
        }
    }

    private final LogMiner miner;
    private final HeaderStripper headers = new HeaderStripper();
    private final Map<Long, Stats> stats = new HashMap<>();
    private final int maxSourcesPerPattern;
    private long lines;

    public LogAnalyzer(MinerConfig config) {
        this.miner = new LogMiner(config);
        this.maxSourcesPerPattern = 20;
    }

    public LogAnalyzer() {
        this(MinerConfig.defaults());
    }

    /**
     * Adds one line.
     *
     * @param source where it came from ({@code ns/pod/container}, a file name)
     * @param line   the raw line, with whatever header it has (a leading RFC 3339 time is read as its time)
     */
    public void add(String source, String line) {
        if (line.isBlank()) {
            return;
        }
        lines++;
        Instant time = leadingTime(line);
        HeaderStripper.Stripped s = headers.strip(line);
        if (s.message().isBlank()) {
            return;
        }
        Match m = miner.add(s.message());
        Stats st = stats.computeIfAbsent(m.clusterId(), k -> new Stats());
        st.count++;
        Level level = level(s.level(), s.message());
        if (level.compareTo(st.level) > 0) {
            st.level = level;
        }
        if (st.example == null) {
            st.example = s.message().strip();
        }
        if (time != null) {
            st.first = min(st.first, time);
            st.last = max(st.last, time);
            st.times.add(time);
        }
        st.firstLine = st.count == 1 ? lines : Math.min(st.firstLine, lines);
        st.lastLine = lines;
        if (st.sources.size() < maxSourcesPerPattern) {
            st.sources.add(source);
        }
    }

    /**
     * The patterns ranked by count. A pattern is new when all its lines fall in the last {@code window} of the time
     * the lines cover (and that time is longer than the window); bursting when its rate in the window is at least
     * three times its rate before (and it has at least 5 lines in the window).
     */
    public Result result(Duration window) {
        Map<Long, Stats> merged = new HashMap<>();
        for (Map.Entry<Long, Stats> e : stats.entrySet()) {
            long id = miner.resolve(e.getKey());
            Stats into = merged.get(id);
            if (into == null) {
                merged.put(id, e.getValue());
            } else {
                into.merge(e.getValue());
            }
        }
        Instant from = merged.values().stream().map(s -> s.first).filter(t -> t != null).min(Comparator.naturalOrder())
                .orElse(null);
        Instant to = merged.values().stream().map(s -> s.last).filter(t -> t != null).max(Comparator.naturalOrder())
                .orElse(null);
        Instant windowStart = to == null ? null : to.minus(window);
        boolean history = from != null && windowStart.isAfter(from);
        List<LogPattern> out = new ArrayList<>();
        for (Map.Entry<Long, Stats> e : merged.entrySet()) {
            Stats s = e.getValue();
            Template t = miner.template(e.getKey());
            String template = t == null ? s.example : t.template();
            long inWindow = windowStart == null ? 0 : s.times.stream().filter(x -> !x.isBefore(windowStart)).count();
            boolean isNew = history && s.first != null && !s.first.isBefore(windowStart);
            boolean bursting = false;
            if (history && !isNew && inWindow >= 5) {
                double before = (s.times.size() - inWindow) / (double) Duration.between(from, windowStart).toMillis();
                double during = inWindow / (double) Math.max(1, window.toMillis());
                bursting = during >= 3 * before;
            }
            out.add(new LogPattern(e.getKey(), template, s.count, s.level, s.first, s.last, s.firstLine, s.lastLine,
                    s.example, List.copyOf(s.sources), isNew, bursting, inWindow));
        }
        out.sort(Comparator.comparingLong(LogPattern::count).reversed().thenComparing(LogPattern::template));
        return new Result(out, lines, from, to, window);
    }

    static Level level(String headerLevel, String message) {
        if (headerLevel != null) {
            return switch (headerLevel) {
                case "ERROR", "FATAL", "CRITICAL", "ALERT", "EMERG", "SEVERE" -> Level.ERROR;
                case "WARN" -> Level.WARN;
                default -> ERROR_WORDS.matcher(message).find() ? Level.ERROR : Level.INFO;
            };
        }
        if (ERROR_WORDS.matcher(message).find()) {
            return Level.ERROR;
        }
        return WARN_WORDS.matcher(message).find() ? Level.WARN : Level.OTHER;
    }

    static Instant leadingTime(String line) {
        Matcher m = LEADING_TIME.matcher(line);
        if (!m.lookingAt()) {
            return null;
        }
        String t = m.group(1).replace(' ', 'T').replace(',', '.');
        if (!t.endsWith("Z") && !t.matches(".*[+-]\\d{2}:?\\d{2}$")) {
            t = t + "Z"; // no zone: read as UTC
        }
        if (t.matches(".*[+-]\\d{4}$")) {
            t = t.substring(0, t.length() - 2) + ":" + t.substring(t.length() - 2);
        }
        try {
            return java.time.OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Instant min(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }

    /** Lower-case level name for output. */
    public static String name(Level l) {
        return l.name().toLowerCase(Locale.ROOT);
    }
}
