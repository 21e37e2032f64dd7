package io.kaji.support.assess.report;

import io.kaji.support.assess.CheckResult;
import io.kaji.support.assess.Finding;
import io.kaji.support.assess.Report;
import io.kaji.support.assess.Status;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JUnit XML for CI systems: one test suite per section, one test case per check. FAIL is a failure, ERROR an
 * error, MANUAL and SKIPPED are skipped, PASS and WARN pass (WARN findings go to system-out).
 */
public final class JunitReport {

    private JunitReport() {
    }

    public static String render(Report report) {
        Map<String, List<CheckResult>> sections = new LinkedHashMap<>();
        for (CheckResult r : report.checks()) {
            sections.computeIfAbsent(r.check().section(), k -> new java.util.ArrayList<>()).add(r);
        }
        Report.Summary s = report.summary();
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<testsuites name=\"kaji assess\" tests=\"").append(report.checks().size())
                .append("\" failures=\"").append(s.checks().get(Status.FAIL))
                .append("\" errors=\"").append(s.checks().get(Status.ERROR))
                .append("\" skipped=\"").append(s.checks().get(Status.MANUAL) + s.checks().get(Status.SKIPPED))
                .append("\" timestamp=\"").append(report.generatedAt()).append("\">\n");
        for (var e : sections.entrySet()) {
            List<CheckResult> rs = e.getValue();
            b.append("  <testsuite name=\"").append(Xml.escape(e.getKey())).append("\" tests=\"").append(rs.size())
                    .append("\" failures=\"").append(count(rs, Status.FAIL))
                    .append("\" errors=\"").append(count(rs, Status.ERROR))
                    .append("\" skipped=\"").append(count(rs, Status.MANUAL) + count(rs, Status.SKIPPED))
                    .append("\">\n");
            for (CheckResult r : rs) {
                testCase(b, r);
            }
            b.append("  </testsuite>\n");
        }
        return b.append("</testsuites>\n").toString();
    }

    private static void testCase(StringBuilder b, CheckResult r) {
        b.append("    <testcase classname=\"").append(Xml.escape(r.check().section())).append("\" name=\"")
                .append(Xml.escape(r.check().id() + " " + r.check().title())).append("\"");
        String details = details(r);
        switch (r.status()) {
            case FAIL -> b.append(">\n      <failure type=\"").append(r.check().severity()).append("\" message=\"")
                    .append(Xml.escape(r.count(Status.FAIL) + " finding(s); fix: " + r.check().remediation()))
                    .append("\">").append(Xml.escape(details)).append("</failure>\n    </testcase>\n");
            case ERROR -> b.append(">\n      <error message=\"")
                    .append(Xml.escape(r.findings().stream().filter(f -> f.status() == Status.ERROR)
                            .map(Finding::message).findFirst().orElse("error")))
                    .append("\">").append(Xml.escape(details)).append("</error>\n    </testcase>\n");
            case MANUAL, SKIPPED -> b.append(">\n      <skipped message=\"").append(Xml.escape(
                    r.findings().isEmpty() ? r.status().name() : r.findings().get(0).message()))
                    .append("\"/>\n    </testcase>\n");
            default -> {
                if (details.isEmpty()) {
                    b.append("/>\n");
                } else {
                    b.append(">\n      <system-out>").append(Xml.escape(details))
                            .append("</system-out>\n    </testcase>\n");
                }
            }
        }
    }

    private static String details(CheckResult r) {
        StringBuilder b = new StringBuilder();
        for (Finding f : r.findings()) {
            if (f.status() == Status.PASS) {
                continue;
            }
            b.append(f.status()).append(' ').append(TextReport.object(f));
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
        return b.toString();
    }

    private static long count(List<CheckResult> rs, Status s) {
        return rs.stream().filter(r -> r.status() == s).count();
    }
}
