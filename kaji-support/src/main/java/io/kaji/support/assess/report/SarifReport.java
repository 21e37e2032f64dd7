package io.kaji.support.assess.report;

import io.kaji.support.assess.Check;
import io.kaji.support.assess.CheckResult;
import io.kaji.support.assess.Finding;
import io.kaji.support.assess.Report;
import io.kaji.support.assess.Severity;
import io.kaji.support.assess.Status;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * SARIF 2.1.0 (code-scanning dashboards): one rule per check, one result per FAIL or WARN finding, located by a
 * logical location {@code Kind/namespace/name}; exempted findings carry an external suppression with the reason;
 * checks that could not be evaluated are tool execution notifications.
 */
public final class SarifReport {

    static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

    private SarifReport() {
    }

    public static String render(Report report) {
        ObjectNode root = JsonReport.JSON.createObjectNode();
        root.put("$schema", SCHEMA);
        root.put("version", "2.1.0");
        ObjectNode run = root.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "kaji assess");
        driver.put("informationUri", "https://www.cisecurity.org/benchmark/kubernetes");
        ArrayNode rules = driver.putArray("rules");
        ArrayNode results = run.putArray("results");
        ObjectNode invocation = run.putArray("invocations").addObject();
        invocation.put("executionSuccessful", true);
        ArrayNode notifications = invocation.putArray("toolExecutionNotifications");
        int index = 0;
        for (CheckResult r : report.checks()) {
            Check c = r.check();
            ObjectNode rule = rules.addObject();
            rule.put("id", c.id());
            rule.put("name", c.id());
            rule.putObject("shortDescription").put("text", c.title());
            rule.putObject("help").put("text", c.remediation());
            rule.putObject("defaultConfiguration").put("level", level(c.severity()));
            ObjectNode props = rule.putObject("properties");
            props.put("section", c.section());
            props.put("severity", c.severity().name());
            props.put("automated", c.automated());
            props.putArray("tags").add("security").add(c.topSection());
            for (Finding f : r.findings()) {
                if (f.status() == Status.FAIL || f.status() == Status.WARN) {
                    results.add(result(c, index, f));
                } else if (f.status() == Status.ERROR) {
                    ObjectNode n = notifications.addObject();
                    n.put("level", "error");
                    n.putObject("message").put("text", c.id() + ": " + f.message());
                    n.putObject("descriptor").put("id", c.id()).put("index", index);
                }
            }
            index++;
        }
        return JsonReport.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static ObjectNode result(Check c, int index, Finding f) {
        ObjectNode res = JsonReport.JSON.createObjectNode();
        res.put("ruleId", c.id());
        res.put("ruleIndex", index);
        res.put("level", f.status() == Status.WARN ? "note" : level(c.severity()));
        StringBuilder text = new StringBuilder(TextReport.object(f));
        if (f.container() != null) {
            text.append(" [").append(f.container()).append(']');
        }
        text.append(": ").append(f.message());
        if (f.evidence() != null) {
            text.append(" (").append(f.evidence()).append(')');
        }
        res.putObject("message").put("text", text.toString());
        ObjectNode logical = res.putArray("locations").addObject().putArray("logicalLocations").addObject();
        String fqn = f.kind() + "/" + (f.namespace() == null ? "" : f.namespace() + "/") + f.name();
        logical.put("name", f.name());
        logical.put("fullyQualifiedName", fqn);
        logical.put("kind", "resource");
        res.putObject("partialFingerprints").put("kajiObject/v1", c.id() + ":" + fqn + ":"
                + (f.container() == null ? "" : f.container()));
        ObjectNode props = res.putObject("properties");
        props.put("status", f.status().name());
        props.put("severity", c.severity().name());
        props.put("evidence", f.evidence());
        props.put("remediation", f.remediation());
        if (f.exemption() != null) {
            ObjectNode s = res.putArray("suppressions").addObject();
            s.put("kind", "external");
            s.put("justification", f.exemption());
        }
        return res;
    }

    /** SARIF level for a failed check of {@code severity}. */
    static String level(Severity severity) {
        return switch (severity) {
            case CRITICAL, HIGH -> "error";
            case MEDIUM -> "warning";
            case LOW, INFO -> "note";
        };
    }
}
