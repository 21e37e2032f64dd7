package io.kaji.support.assess;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of one assessment run.
 *
 * @param generatedAt when the run finished
 * @param server the API server's URL, null when unknown
 * @param serverVersion the API server's gitVersion, null when unknown
 * @param targetVersion the version deprecated APIs were judged against
 * @param kajiHost where Kaji's local configuration was read, null when not on a Kaji node
 * @param checks every check's result, in registry order
 * @param exemptions the exemptions given, each with how many findings it exempted
 */
public record Report(Instant generatedAt, String server, String serverVersion, KubeVersion targetVersion,
                     String kajiHost, List<CheckResult> checks, List<Exemptions.Use> exemptions) {

    public Report {
        checks = List.copyOf(checks);
        exemptions = List.copyOf(exemptions);
    }

    /** Counts and scores over {@link #checks()}. */
    public Summary summary() {
        return Summary.of(checks);
    }

    /** Whether a counting FAIL finding of a check with severity at least {@code threshold} exists. */
    public boolean failsAt(Severity threshold) {
        return checks.stream().anyMatch(r -> r.check().severity().atLeast(threshold) && r.count(Status.FAIL) > 0);
    }

    /**
     * The numbers over a report.
     *
     * @param checks how many checks ended in each status
     * @param findings how many counting findings have each status
     * @param exempted how many findings were exempted
     * @param score the overall score (see {@link SectionScore#score()}), null when nothing was decided
     * @param sections one score per section, in the order sections first appear
     */
    public record Summary(Map<Status, Integer> checks, Map<Status, Integer> findings, int exempted, Integer score,
                          List<SectionScore> sections) {

        static Summary of(List<CheckResult> results) {
            Map<Status, Integer> checks = zero();
            Map<Status, Integer> findings = zero();
            int exempted = 0;
            Map<String, int[]> bySection = new LinkedHashMap<>();
            for (CheckResult r : results) {
                checks.merge(r.status(), 1, Integer::sum);
                for (Status s : Status.values()) {
                    findings.merge(s, (int) r.count(s), Integer::sum);
                }
                exempted += (int) r.exempted();
                bySection.computeIfAbsent(r.check().section(), k -> new int[Status.values().length])
                        [r.status().ordinal()]++;
            }
            List<SectionScore> sections = new ArrayList<>();
            for (var e : bySection.entrySet()) {
                int[] c = e.getValue();
                sections.add(new SectionScore(e.getKey(), c[Status.PASS.ordinal()], c[Status.FAIL.ordinal()],
                        c[Status.WARN.ordinal()], c[Status.MANUAL.ordinal()], c[Status.ERROR.ordinal()],
                        c[Status.SKIPPED.ordinal()]));
            }
            return new Summary(checks, findings, exempted, Report.score(checks.get(Status.PASS), checks.get(Status.FAIL),
                    checks.get(Status.WARN)), sections);
        }

        private static Map<Status, Integer> zero() {
            Map<Status, Integer> m = new EnumMap<>(Status.class);
            for (Status s : Status.values()) {
                m.put(s, 0);
            }
            return m;
        }
    }

    /**
     * Check counts of one section and its score.
     *
     * @param section the section ({@code 5.2 Pod Security Standards})
     */
    public record SectionScore(String section, int pass, int fail, int warn, int manual, int error, int skipped) {

        /**
         * The percentage of decided checks that passed: {@code 100 * pass / (pass + fail + warn)}, a WARN counting
         * half; null when no check of the section was decided (all MANUAL, ERROR or SKIPPED).
         */
        public Integer score() {
            return Report.score(pass, fail, warn);
        }
    }

    static Integer score(int pass, int fail, int warn) {
        int decided = pass + fail + warn;
        return decided == 0 ? null : (int) Math.round(100.0 * (pass + warn / 2.0) / decided);
    }
}
