package io.kaji.support.assess.report;

import io.kaji.support.assess.CheckResult;
import io.kaji.support.assess.Exemptions;
import io.kaji.support.assess.Finding;
import io.kaji.support.assess.Report;
import io.kaji.support.assess.Status;
import java.util.List;

/**
 * The terminal report: one line per check grouped by section, the findings of checks that did not pass (at most
 * {@link #FINDINGS_PER_CHECK} each; the other formats have all), the exemptions, and a score per section.
 */
public final class TextReport {

    static final int FINDINGS_PER_CHECK = 10;

    private TextReport() {
    }

    public static String render(Report report) {
        StringBuilder b = new StringBuilder();
        b.append("Kaji assessment of ").append(report.server() == null ? "the cluster" : report.server());
        if (report.serverVersion() != null) {
            b.append(" (").append(report.serverVersion()).append(')');
        }
        b.append(", target Kubernetes ").append(report.targetVersion()).append('\n');
        b.append(report.kajiHost() != null ? "Kaji configuration: " + report.kajiHost()
                : "No Kaji data dir on this machine: control-plane and node checks are questions (MANUAL)").append("\n");
        String section = null;
        for (CheckResult r : report.checks()) {
            if (!r.check().section().equals(section)) {
                section = r.check().section();
                b.append('\n').append("== ").append(section).append('\n');
            }
            b.append(String.format("[%-7s] %-36s %-8s %s%n", r.status(), r.check().id(), r.check().severity(),
                    r.check().title()));
            // Exempted findings are shown even when they leave the check passing.
            List<Finding> shown = r.findings().stream().filter(f -> f.status() != Status.PASS
                    && (f.status() != Status.SKIPPED || f.exemption() != null)).toList();
            if (shown.isEmpty()) {
                continue;
            }
            for (Finding f : shown.stream().limit(FINDINGS_PER_CHECK).toList()) {
                b.append("    ").append(f.status()).append(' ').append(object(f));
                if (f.container() != null) {
                    b.append(" [").append(f.container()).append(']');
                }
                b.append(": ").append(f.message());
                if (f.evidence() != null) {
                    b.append(" (").append(f.evidence()).append(')');
                }
                if (f.exemption() != null) {
                    b.append(" EXEMPT: ").append(f.exemption());
                }
                b.append('\n');
            }
            if (shown.size() > FINDINGS_PER_CHECK) {
                b.append("    ... and ").append(shown.size() - FINDINGS_PER_CHECK)
                        .append(" more (--format json or html lists all)\n");
            }
            if (r.status() == Status.FAIL || r.status() == Status.WARN) {
                b.append("    fix: ").append(r.check().remediation()).append('\n');
            }
        }
        if (!report.exemptions().isEmpty()) {
            b.append("\nExemptions\n");
            for (Exemptions.Use u : report.exemptions()) {
                b.append(String.format("  %-50s %3d finding(s)  %s%n", u.rule().describe(), u.matched(),
                        u.rule().reason()));
            }
        }
        Report.Summary s = report.summary();
        b.append("\nSECTION").append(" ".repeat(44)).append("SCORE  PASS  FAIL  WARN  MANUAL  ERROR\n");
        for (Report.SectionScore sc : s.sections()) {
            b.append(String.format("%-50s %5s %5d %5d %5d %7d %6d%n", sc.section(), percent(sc.score()), sc.pass(),
                    sc.fail(), sc.warn(), sc.manual(), sc.error()));
        }
        b.append(String.format("%nScore %s: %d checks passed, %d failed, %d warned, %d manual, %d errors, %d skipped; "
                        + "%d findings exempted%n", percent(s.score()), s.checks().get(Status.PASS),
                s.checks().get(Status.FAIL), s.checks().get(Status.WARN), s.checks().get(Status.MANUAL),
                s.checks().get(Status.ERROR), s.checks().get(Status.SKIPPED), s.exempted()));
        return b.toString();
    }

    /** {@code Kind namespace/name}, {@code Kind name}, or just the kind for cluster-wide findings. */
    static String object(Finding f) {
        if (f.name() == null || f.name().isEmpty()) {
            return f.kind();
        }
        return f.kind() + " " + (f.namespace() == null ? f.name() : f.namespace() + "/" + f.name());
    }

    static String percent(Integer score) {
        return score == null ? "-" : score + "%";
    }
}
