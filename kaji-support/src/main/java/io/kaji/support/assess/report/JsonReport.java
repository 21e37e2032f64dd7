package io.kaji.support.assess.report;

import io.kaji.support.assess.CheckResult;
import io.kaji.support.assess.Exemptions;
import io.kaji.support.assess.Finding;
import io.kaji.support.assess.Report;
import io.kaji.support.assess.Status;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON report. The documented schema (docs/assessment.md) is a contract:
 * {@code {"checks":[{"id","title","section","severity","status","findings":[{"status","kind","namespace","name",
 * "message","evidence","remediation"}]}],"summary":{...}}}; other fields may be added, none renamed.
 */
public final class JsonReport {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private JsonReport() {
    }

    public static String render(Report report) {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree(report)) + "\n";
    }

    static ObjectNode tree(Report report) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode checks = root.putArray("checks");
        for (CheckResult r : report.checks()) {
            ObjectNode c = checks.addObject();
            c.put("id", r.check().id());
            c.put("title", r.check().title());
            c.put("section", r.check().section());
            c.put("severity", r.check().severity().name());
            c.put("status", r.status().name());
            c.put("automated", r.check().automated());
            c.put("remediation", r.check().remediation());
            ArrayNode findings = c.putArray("findings");
            for (Finding f : r.findings()) {
                ObjectNode o = findings.addObject();
                o.put("status", f.status().name());
                o.put("kind", f.kind());
                o.put("namespace", f.namespace());
                o.put("name", f.name());
                if (f.container() != null) {
                    o.put("container", f.container());
                }
                o.put("message", f.message());
                o.put("evidence", f.evidence());
                o.put("remediation", f.remediation());
                if (f.exemption() != null) {
                    o.put("exemption", f.exemption());
                }
            }
        }
        Report.Summary s = report.summary();
        ObjectNode summary = root.putObject("summary");
        counts(summary.putObject("checks"), s.checks());
        counts(summary.putObject("findings"), s.findings());
        summary.put("exempted", s.exempted());
        if (s.score() == null) {
            summary.putNull("score");
        } else {
            summary.put("score", s.score());
        }
        ArrayNode sections = summary.putArray("sections");
        for (Report.SectionScore sc : s.sections()) {
            ObjectNode o = sections.addObject();
            o.put("section", sc.section());
            if (sc.score() == null) {
                o.putNull("score");
            } else {
                o.put("score", sc.score());
            }
            o.put("pass", sc.pass());
            o.put("fail", sc.fail());
            o.put("warn", sc.warn());
            o.put("manual", sc.manual());
            o.put("error", sc.error());
            o.put("skipped", sc.skipped());
        }
        root.put("generatedAt", report.generatedAt().toString());
        root.put("server", report.server());
        root.put("serverVersion", report.serverVersion());
        root.put("targetVersion", report.targetVersion() == null ? null : report.targetVersion().toString());
        root.put("kajiHost", report.kajiHost());
        ArrayNode exemptions = root.putArray("exemptions");
        for (Exemptions.Use u : report.exemptions()) {
            ObjectNode o = exemptions.addObject();
            o.put("check", u.rule().check());
            o.put("namespace", u.rule().namespace());
            o.put("kind", u.rule().kind());
            o.put("name", u.rule().name());
            o.put("reason", u.rule().reason());
            o.put("matched", u.matched());
        }
        return root;
    }

    private static void counts(ObjectNode node, Map<Status, Integer> counts) {
        for (Status st : Status.values()) {
            node.put(st.name(), counts.getOrDefault(st, 0));
        }
    }
}
