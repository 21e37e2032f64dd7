package io.kaji.support.assess.report;

import io.kaji.support.assess.CheckResult;
import io.kaji.support.assess.Exemptions;
import io.kaji.support.assess.Finding;
import io.kaji.support.assess.Report;
import io.kaji.support.assess.Status;

/**
 * A self-contained HTML report for a person: summary and a score per section, every check with its findings,
 * and filters by status, severity and text. Inline CSS and script only; no external resources, so it opens
 * offline and can be mailed as one file.
 */
public final class HtmlReport {

    private HtmlReport() {
    }

    private static final String STYLE = """
            body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
            h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em;border-bottom:1px solid #ccc}
            table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;vertical-align:top}
            .sections td,.sections th{border-bottom:1px solid #eee}
            details{margin:2px 0}summary{cursor:pointer}
            .st{display:inline-block;width:5.5em;font-weight:600;text-align:center;border-radius:3px;color:#fff}
            .PASS{background:#2e7d32}.FAIL{background:#c62828}.WARN{background:#ef6c00}.MANUAL{background:#546e7a}
            .ERROR{background:#6a1b9a}.SKIPPED{background:#9e9e9e}
            .findings{margin:4px 0 8px 2em;font-size:13px}.findings td{border-bottom:1px solid #f0f0f0}
            .ev{font-family:monospace;font-size:12px;color:#555}.exempt{opacity:.55}
            #filters{position:sticky;top:0;background:#fff;padding:6px 0;border-bottom:1px solid #ddd}
            .fix{margin-left:2em;color:#333;font-size:13px}
            """;

    private static final String SCRIPT = """
            function applyFilters(){
              var q=document.getElementById('q').value.toLowerCase();
              var sev=document.getElementById('sev').value;
              var on={};document.querySelectorAll('input[data-status]').forEach(function(c){on[c.dataset.status]=c.checked;});
              document.querySelectorAll('details.check').forEach(function(d){
                var show=on[d.dataset.status]&&(!sev||d.dataset.sev===sev)&&(!q||d.textContent.toLowerCase().indexOf(q)>=0);
                d.style.display=show?'':'none';
              });
            }
            document.addEventListener('input',applyFilters);applyFilters();
            """;

    public static String render(Report report) {
        Report.Summary s = report.summary();
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        b.append("<title>Kaji assessment</title><style>").append(STYLE).append("</style></head><body>\n");
        b.append("<h1>Kaji assessment of ").append(Xml.escape(report.server() == null ? "the cluster" : report.server()))
                .append("</h1>\n<p>Server version ").append(Xml.escape(String.valueOf(report.serverVersion())))
                .append(", target Kubernetes ").append(report.targetVersion()).append(", generated ")
                .append(report.generatedAt()).append(".<br>")
                .append(report.kajiHost() != null ? "Kaji configuration read from " + Xml.escape(report.kajiHost())
                        : "No Kaji data dir: control-plane and node checks are questions (MANUAL).")
                .append("</p>\n");
        b.append("<p><b>Score ").append(TextReport.percent(s.score())).append("</b> &mdash; ");
        for (Status st : Status.values()) {
            b.append("<span class=\"st ").append(st).append("\">").append(st).append("</span> ")
                    .append(s.checks().get(st)).append(" &nbsp;");
        }
        b.append(s.exempted()).append(" findings exempted</p>\n");
        b.append("<table class=\"sections\"><tr><th>Section</th><th>Score</th><th>Pass</th><th>Fail</th><th>Warn</th>"
                + "<th>Manual</th><th>Error</th><th>Skipped</th></tr>\n");
        for (Report.SectionScore sc : s.sections()) {
            b.append("<tr><td><a href=\"#").append(anchor(sc.section())).append("\">").append(Xml.escape(sc.section()))
                    .append("</a></td><td>").append(TextReport.percent(sc.score())).append("</td><td>")
                    .append(sc.pass()).append("</td><td>").append(sc.fail()).append("</td><td>").append(sc.warn())
                    .append("</td><td>").append(sc.manual()).append("</td><td>").append(sc.error()).append("</td><td>")
                    .append(sc.skipped()).append("</td></tr>\n");
        }
        b.append("</table>\n");
        if (!report.exemptions().isEmpty()) {
            b.append("<h2>Exemptions</h2><table>");
            for (Exemptions.Use u : report.exemptions()) {
                b.append("<tr><td class=\"ev\">").append(Xml.escape(u.rule().describe())).append("</td><td>")
                        .append(u.matched()).append(" finding(s)</td><td>").append(Xml.escape(u.rule().reason()))
                        .append("</td></tr>");
            }
            b.append("</table>\n");
        }
        b.append("<div id=\"filters\">Show: ");
        for (Status st : Status.values()) {
            b.append("<label><input type=\"checkbox\" data-status=\"").append(st).append("\"")
                    .append(st == Status.PASS || st == Status.SKIPPED ? "" : " checked").append("> ").append(st)
                    .append("</label> ");
        }
        b.append(" Severity: <select id=\"sev\"><option value=\"\">any</option>");
        for (var sev : io.kaji.support.assess.Severity.values()) {
            b.append("<option>").append(sev).append("</option>");
        }
        b.append("</select> Search: <input id=\"q\" type=\"search\" placeholder=\"id, object, text\"></div>\n");
        String section = null;
        for (CheckResult r : report.checks()) {
            if (!r.check().section().equals(section)) {
                section = r.check().section();
                b.append("<h2 id=\"").append(anchor(section)).append("\">").append(Xml.escape(section)).append("</h2>\n");
            }
            check(b, r);
        }
        b.append("<script>").append(SCRIPT).append("</script>\n</body></html>\n");
        return b.toString();
    }

    private static void check(StringBuilder b, CheckResult r) {
        b.append("<details class=\"check\" data-status=\"").append(r.status()).append("\" data-sev=\"")
                .append(r.check().severity()).append("\"><summary><span class=\"st ").append(r.status()).append("\">")
                .append(r.status()).append("</span> <b>").append(Xml.escape(r.check().id())).append("</b> ")
                .append(Xml.escape(r.check().title())).append(" <small>(").append(r.check().severity())
                .append(r.check().automated() ? "" : ", manual").append(r.findings().isEmpty() ? ""
                        : ", " + r.findings().size() + " finding(s)").append(")</small></summary>\n");
        b.append("<div class=\"fix\">Remediation: ").append(Xml.escape(r.check().remediation())).append("</div>\n");
        if (!r.findings().isEmpty()) {
            b.append("<table class=\"findings\"><tr><th>Status</th><th>Object</th><th>Container/rule</th>"
                    + "<th>Finding</th><th>Evidence</th></tr>\n");
            for (Finding f : r.findings()) {
                b.append("<tr").append(f.exemption() != null ? " class=\"exempt\"" : "").append("><td><span class=\"st ")
                        .append(f.status()).append("\">").append(f.status()).append("</span></td><td>")
                        .append(Xml.escape(TextReport.object(f))).append("</td><td>")
                        .append(Xml.escape(f.container())).append("</td><td>").append(Xml.escape(f.message()));
                if (f.exemption() != null) {
                    b.append("<br><i>exempted: ").append(Xml.escape(f.exemption())).append("</i>");
                }
                b.append("</td><td class=\"ev\">").append(Xml.escape(f.evidence())).append("</td></tr>\n");
            }
            b.append("</table>\n");
        }
        b.append("</details>\n");
    }

    private static String anchor(String section) {
        return "s-" + section.split(" ", 2)[0].replace('.', '-');
    }
}
