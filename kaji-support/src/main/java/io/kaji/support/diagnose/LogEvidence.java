package io.kaji.support.diagnose;

import io.kaji.support.logs.HeaderStripper;
import io.kaji.support.logs.LogMiner;
import io.kaji.support.logs.Template;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a container's last log lines say about why it failed: the last lines that look like errors, and the error
 * patterns mined from the tail (so that a crash repeated a thousand times with different ids shows as one
 * template with its count).
 */
final class LogEvidence {

    private static final Pattern ERRORISH = Pattern.compile(
            "(?i)\\b(error|errors|exception|fatal|panic|fail(ed|ure)?|refused|denied|cannot|can't|unable|"
                    + "not found|no such|timeout|timed out|invalid|killed|traceback|segmentation)\\b|\\bE\\d{4} ");

    private LogEvidence() {
    }

    /** Evidence lines: up to three error-looking lines (else the last line), then the mined error templates. */
    static List<String> summarize(List<String> tail) {
        List<String> out = new ArrayList<>();
        if (tail.isEmpty()) {
            return out;
        }
        List<String> errors = tail.stream().filter(l -> ERRORISH.matcher(l).find()).toList();
        List<String> quoted = errors.isEmpty() ? List.of(tail.get(tail.size() - 1))
                : errors.subList(Math.max(0, errors.size() - 3), errors.size());
        for (String l : quoted) {
            out.add("log: " + clip(l));
        }
        if (errors.size() > 3) {
            LogMiner miner = new LogMiner();
            HeaderStripper headers = new HeaderStripper();
            for (String l : errors) {
                miner.add(headers.message(l));
            }
            miner.templates().stream().sorted(Comparator.comparingLong(Template::size).reversed()).limit(2)
                    .forEach(t -> out.add("log pattern (" + t.size() + " of the last " + tail.size()
                            + " lines): " + clip(t.template())));
        }
        return out;
    }

    /** The most telling single line of {@code tail}: the last error-looking one, else the last one; null if none. */
    static String lastError(List<String> tail) {
        for (int i = tail.size() - 1; i >= 0; i--) {
            if (ERRORISH.matcher(tail.get(i)).find()) {
                return clip(tail.get(i));
            }
        }
        return tail.isEmpty() ? null : clip(tail.get(tail.size() - 1));
    }

    static boolean mentions(List<String> tail, String needle) {
        String n = needle.toLowerCase(Locale.ROOT);
        return tail.stream().anyMatch(l -> l.toLowerCase(Locale.ROOT).contains(n));
    }

    private static String clip(String s) {
        String t = s.strip();
        return t.length() > 300 ? t.substring(0, 297) + "..." : t;
    }
}
