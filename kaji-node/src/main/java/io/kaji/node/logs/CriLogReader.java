package io.kaji.node.logs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a CRI container log file into {@link LogEntry}s: partial ({@code P}) pieces are joined per stream up to
 * the next {@code F} piece, a trailing partial piece becomes an incomplete entry, and lines that are not in the
 * CRI format are skipped (and counted in the log). Options select by time and keep the last lines, as
 * {@code kubectl logs --since-time --tail} do. Blocking; stateless and thread-safe.
 */
public final class CriLogReader {

    private static final Logger log = LoggerFactory.getLogger(CriLogReader.class);

    /**
     * @param since only entries at or after this time; null for all
     * @param tail  only the last {@code tail} entries; negative for all
     */
    public record Options(Instant since, int tail) {
        public static final Options ALL = new Options(null, -1);
    }

    private CriLogReader() {
    }

    /** Reads {@code file}; a missing file is an {@link UncheckedIOException} naming it. */
    public static List<LogEntry> read(Path file, Options options) {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in, options);
        } catch (IOException e) {
            throw new UncheckedIOException("read container log " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads CRI log lines from {@code in}; does not close it. */
    public static List<LogEntry> read(Reader in, Options options) throws IOException {
        BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in);
        Map<CriLogLine.Stream, Pending> pending = new EnumMap<>(CriLogLine.Stream.class);
        ArrayDeque<LogEntry> out = new ArrayDeque<>();
        int skipped = 0;
        for (String raw = lines.readLine(); raw != null; raw = lines.readLine()) {
            var parsed = CriLogParser.parse(raw);
            if (parsed.isEmpty()) {
                skipped++;
                continue;
            }
            CriLogLine line = parsed.get();
            Pending p = pending.get(line.stream());
            if (p == null) {
                p = new Pending(line.time(), new StringBuilder());
                pending.put(line.stream(), p);
            }
            p.text.append(line.text());
            if (!line.partial()) {
                pending.remove(line.stream());
                emit(out, new LogEntry(p.time, line.stream(), p.text.toString(), true), options);
            }
        }
        List<LogEntry> rest = new ArrayList<>();
        pending.forEach((stream, p) -> rest.add(new LogEntry(p.time, stream, p.text.toString(), false)));
        rest.sort((a, b) -> a.time().compareTo(b.time()));
        rest.forEach(e -> emit(out, e, options));
        if (skipped > 0) {
            log.debug("skipped {} lines not in CRI log format", skipped);
        }
        return List.copyOf(out);
    }

    private static void emit(ArrayDeque<LogEntry> out, LogEntry entry, Options options) {
        if (options.since() != null && entry.time().isBefore(options.since())) {
            return;
        }
        if (options.tail() == 0) {
            return;
        }
        out.addLast(entry);
        if (options.tail() > 0 && out.size() > options.tail()) {
            out.removeFirst();
        }
    }

    private record Pending(Instant time, StringBuilder text) {
    }
}
