package io.kaji.support.logs.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The standard log-parsing accuracy metrics, comparing a parser's output with ground truth line by line.
 *
 * <ul>
 *   <li><b>GA</b> (grouping accuracy): the share of lines whose parsed group holds exactly the lines of
 *       their ground-truth group.
 *   <li><b>FGA</b> (F1 of group accuracy): a parsed group is correct when its set of lines equals a
 *       ground-truth group's; precision = correct / parsed groups, recall = correct / true groups.
 *   <li><b>PA</b> (parsing accuracy): the share of lines whose parsed template equals the ground-truth
 *       template, after normalising whitespace and collapsing runs of adjacent wildcards ({@code <*> <*>}
 *       and {@code <*><*>} count as one {@code <*>}).
 * </ul>
 * Stateless and thread-safe.
 *
 * @param ga grouping accuracy
 * @param fga F1 of group accuracy
 * @param pa parsing (template) accuracy
 * @param parsedGroups the number of parsed groups
 * @param trueGroups the number of ground-truth groups
 */
public record ParsingMetrics(double ga, double fga, double pa, int parsedGroups, int trueGroups) {

    /** Computes the metrics; all lists are indexed by line and must have the same length. */
    public static ParsingMetrics of(
            List<String> parsedIds, List<String> parsedTemplates, List<String> trueIds, List<String> trueTemplates) {
        int n = trueIds.size();
        if (parsedIds.size() != n || parsedTemplates.size() != n || trueTemplates.size() != n) {
            throw new IllegalArgumentException("parsed and true columns must have the same length");
        }
        Map<String, Integer> parsedSize = new HashMap<>();
        Map<String, Integer> trueSize = new HashMap<>();
        // For each parsed group: the ground-truth id of its first line and whether all lines share it.
        Map<String, String> parsedToTrue = new HashMap<>();
        Map<String, Boolean> parsedPure = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String p = parsedIds.get(i);
            String t = trueIds.get(i);
            parsedSize.merge(p, 1, Integer::sum);
            trueSize.merge(t, 1, Integer::sum);
            String first = parsedToTrue.putIfAbsent(p, t);
            if (first != null && !first.equals(t)) {
                parsedPure.put(p, false);
            }
        }
        long correctLines = 0;
        int correctGroups = 0;
        for (Map.Entry<String, Integer> e : parsedSize.entrySet()) {
            String p = e.getKey();
            if (parsedPure.getOrDefault(p, true)
                    && Objects.equals(trueSize.get(parsedToTrue.get(p)), e.getValue())) {
                correctLines += e.getValue();
                correctGroups++;
            }
        }
        double ga = n == 0 ? 1.0 : (double) correctLines / n;
        double precision = parsedSize.isEmpty() ? 0 : (double) correctGroups / parsedSize.size();
        double recall = trueSize.isEmpty() ? 0 : (double) correctGroups / trueSize.size();
        double fga = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        long templateHits = 0;
        Map<String, String> normalized = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String a = normalized.computeIfAbsent(parsedTemplates.get(i), ParsingMetrics::normalize);
            String b = normalized.computeIfAbsent(trueTemplates.get(i), ParsingMetrics::normalize);
            if (a.equals(b)) {
                templateHits++;
            }
        }
        double pa = n == 0 ? 1.0 : (double) templateHits / n;
        return new ParsingMetrics(ga, fga, pa, parsedSize.size(), trueSize.size());
    }

    /** Whitespace collapsed and runs of adjacent wildcards merged into one. */
    static String normalize(String template) {
        String s = template.trim().replaceAll("\\s+", " ");
        String prev;
        do {
            prev = s;
            s = s.replace("<*> <*>", "<*>").replace("<*><*>", "<*>");
        } while (!s.equals(prev));
        return s;
    }
}
