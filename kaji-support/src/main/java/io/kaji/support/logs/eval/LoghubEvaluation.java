package io.kaji.support.logs.eval;

import io.kaji.support.logs.LogMiner;
import io.kaji.support.logs.Match;
import io.kaji.support.logs.MinerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs a fresh {@link LogMiner} over each labelled dataset (one message per line, in order) and measures
 * it with {@link ParsingMetrics}. A line's parsed group is the cluster it joined, resolved after the
 * whole dataset was read (so clusters merged later count as one); its parsed template is that cluster's
 * final template. Stateless and thread-safe.
 */
public final class LoghubEvaluation {

    /**
     * The result for one dataset.
     *
     * @param dataset the dataset name
     * @param lines the number of lines
     * @param metrics the accuracy figures
     */
    public record Result(String dataset, int lines, ParsingMetrics metrics) {
    }

    private LoghubEvaluation() {
    }

    /** Parses one dataset with the configuration and measures it. */
    public static Result evaluate(LabeledLog log, MinerConfig config) {
        LogMiner miner = new LogMiner(config);
        long[] ids = new long[log.size()];
        for (int i = 0; i < ids.length; i++) {
            Match m = miner.add(log.contents().get(i));
            ids[i] = m.clusterId();
        }
        List<String> parsedIds = new ArrayList<>(ids.length);
        List<String> parsedTemplates = new ArrayList<>(ids.length);
        for (long id : ids) {
            long resolved = miner.resolve(id);
            parsedIds.add(Long.toString(resolved));
            var t = miner.template(resolved);
            parsedTemplates.add(t == null ? "" : t.template());
        }
        return new Result(log.name(), ids.length,
                ParsingMetrics.of(parsedIds, parsedTemplates, log.eventIds(), log.templates()));
    }

    /** Evaluates every dataset in the folder. */
    public static List<Result> evaluateAll(Path dir, MinerConfig config) throws IOException {
        List<Result> results = new ArrayList<>();
        for (String name : LoghubCorpus.datasets(dir)) {
            results.add(evaluate(LoghubCorpus.load(dir, name), config));
        }
        return results;
    }

    /** A fixed-width table of the results with an average row. */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-12s %6s %7s %7s %7s %8s %8s%n",
                "Dataset", "Lines", "GA", "FGA", "PA", "Groups", "Truth"));
        double ga = 0;
        double fga = 0;
        double pa = 0;
        for (Result r : results) {
            ParsingMetrics m = r.metrics();
            sb.append(String.format(Locale.ROOT, "%-12s %6d %7.3f %7.3f %7.3f %8d %8d%n",
                    r.dataset(), r.lines(), m.ga(), m.fga(), m.pa(), m.parsedGroups(), m.trueGroups()));
            ga += m.ga();
            fga += m.fga();
            pa += m.pa();
        }
        int n = Math.max(1, results.size());
        sb.append(String.format(Locale.ROOT, "%-12s %6s %7.3f %7.3f %7.3f%n", "Average", "", ga / n, fga / n, pa / n));
        return sb.toString();
    }

    /** Prints the table for the default configuration: {@code LoghubEvaluation [DIR]}. */
    public static void main(String[] args) throws IOException {
        Path dir = args.length > 0 ? Path.of(args[0]) : LoghubCorpus.locate()
                .orElseThrow(() -> new IOException("Loghub data not found at " + LoghubCorpus.whereLooked()));
        System.out.print(table(evaluateAll(dir, MinerConfig.defaults())));
    }
}
