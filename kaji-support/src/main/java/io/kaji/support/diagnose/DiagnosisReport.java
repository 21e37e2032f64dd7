package io.kaji.support.diagnose;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Renders a {@link Diagnoser.Result} for a terminal or as JSON. */
public final class DiagnosisReport {

    private DiagnosisReport() {
    }

    /** One block per diagnosis: severity and object, then symptom, cause, evidence and fix, indented. */
    public static String text(Diagnoser.Result result) {
        StringBuilder out = new StringBuilder();
        List<Diagnosis> ds = result.diagnoses();
        if (ds.isEmpty()) {
            out.append("No problems found.\n");
        }
        int i = 0;
        for (Diagnosis d : ds) {
            i++;
            out.append(i).append(". ").append(d.severity()).append("  ").append(d.object()).append(": ")
                    .append(d.symptom()).append('\n');
            if (!d.cause().isEmpty()) {
                out.append("   cause:    ").append(d.cause()).append('\n');
            }
            for (String e : d.evidence()) {
                out.append("   evidence: ").append(e).append('\n');
            }
            if (!d.fix().isEmpty()) {
                out.append("   fix:      ").append(d.fix()).append('\n');
            }
            out.append('\n');
        }
        if (!result.notRun().isEmpty()) {
            out.append("Not analyzed:\n");
            for (Map.Entry<String, String> e : result.notRun().entrySet()) {
                out.append("  ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
            }
            out.append('\n');
        }
        long errors = ds.stream().filter(d -> d.severity() == Severity.ERROR).count();
        long warnings = ds.stream().filter(d -> d.severity() == Severity.WARNING).count();
        out.append(errors).append(" errors, ").append(warnings).append(" warnings, ")
                .append(ds.size() - errors - warnings).append(" notes\n");
        return out.toString();
    }

    /** {@code {"diagnoses":[{analyzer,severity,kind,namespace,name,symptom,cause,evidence[],fix}],"notAnalyzed":{}}}. */
    public static String json(Diagnoser.Result result) {
        ObjectNode root = JsonMapper.shared().createObjectNode();
        ArrayNode list = root.putArray("diagnoses");
        for (Diagnosis d : result.diagnoses()) {
            ObjectNode n = list.addObject();
            n.put("analyzer", d.analyzer());
            n.put("severity", d.severity().name());
            n.put("kind", d.kind());
            if (d.namespace() != null) {
                n.put("namespace", d.namespace());
            }
            n.put("name", d.name());
            n.put("symptom", d.symptom());
            n.put("cause", d.cause());
            ArrayNode ev = n.putArray("evidence");
            d.evidence().forEach(ev::add);
            n.put("fix", d.fix());
        }
        ObjectNode notRun = root.putObject("notAnalyzed");
        result.notRun().forEach(notRun::put);
        ObjectNode summary = root.putObject("summary");
        for (Severity s : Severity.values()) {
            summary.put(s.name().toLowerCase(java.util.Locale.ROOT),
                    result.diagnoses().stream().filter(d -> d.severity() == s).count());
        }
        return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(root) + "\n";
    }
}
