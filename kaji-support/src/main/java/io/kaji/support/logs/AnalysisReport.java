package io.kaji.support.logs;

import java.time.Instant;
import java.util.List;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Renderings of a {@link LogAnalyzer.Result}: a terminal table, JSON, and a self-contained HTML page. */
public final class AnalysisReport {

    private AnalysisReport() {
    }

    /** The top {@code limit} patterns, one block each. */
    public static String text(LogAnalyzer.Result r, int limit) {
        StringBuilder out = new StringBuilder();
        out.append(r.lines()).append(" lines, ").append(r.patterns().size()).append(" patterns");
        if (r.from() != null) {
            out.append(", ").append(r.from()).append(" .. ").append(r.to());
        }
        out.append('\n');
        long flagged = r.patterns().stream().filter(p -> p.isNew() || p.bursting()).count();
        if (flagged > 0) {
            out.append(flagged).append(" new or bursting in the last ").append(r.window().toMinutes())
                    .append(" min (marked NEW / BURST)\n");
        }
        out.append('\n');
        out.append(String.format("%8s  %-5s  %-5s  %s%n", "COUNT", "LEVEL", "FLAG", "PATTERN"));
        int shown = 0;
        for (LogAnalyzer.LogPattern p : r.patterns()) {
            if (shown++ == limit) {
                out.append("... ").append(r.patterns().size() - limit).append(" more (--top)\n");
                break;
            }
            out.append(String.format("%8d  %-5s  %-5s  %s%n", p.count(), LogAnalyzer.name(p.level()), flag(p),
                    p.template()));
            out.append("          seen ").append(seen(p)).append("; from ").append(sources(p.sources()))
                    .append('\n');
            if (!p.example().equals(p.template())) {
                out.append("          e.g. ").append(p.example()).append('\n');
            }
        }
        return out.toString();
    }

    private static String flag(LogAnalyzer.LogPattern p) {
        return p.isNew() ? "NEW" : p.bursting() ? "BURST" : "";
    }

    private static String seen(LogAnalyzer.LogPattern p) {
        if (p.firstSeen() != null) {
            return p.firstSeen().equals(p.lastSeen()) ? "at " + p.firstSeen()
                    : p.firstSeen() + " .. " + p.lastSeen();
        }
        return p.firstLine() == p.lastLine() ? "line " + p.firstLine() : "lines " + p.firstLine() + " .. "
                + p.lastLine();
    }

    private static String sources(List<String> sources) {
        if (sources.size() <= 3) {
            return String.join(", ", sources);
        }
        return String.join(", ", sources.subList(0, 3)) + " and " + (sources.size() - 3) + " more";
    }

    public static ObjectNode tree(LogAnalyzer.Result r) {
        ObjectNode root = JsonMapper.shared().createObjectNode();
        root.put("lines", r.lines());
        if (r.from() != null) {
            root.put("from", r.from().toString());
            root.put("to", r.to().toString());
        }
        root.put("windowSeconds", r.window().toSeconds());
        ArrayNode list = root.putArray("patterns");
        for (LogAnalyzer.LogPattern p : r.patterns()) {
            ObjectNode n = list.addObject();
            n.put("template", p.template());
            n.put("count", p.count());
            n.put("level", LogAnalyzer.name(p.level()));
            n.put("new", p.isNew());
            n.put("bursting", p.bursting());
            n.put("inWindow", p.inWindow());
            putTime(n, "firstSeen", p.firstSeen());
            putTime(n, "lastSeen", p.lastSeen());
            n.put("firstLine", p.firstLine());
            n.put("lastLine", p.lastLine());
            n.put("example", p.example());
            ArrayNode src = n.putArray("sources");
            p.sources().forEach(src::add);
        }
        return root;
    }

    private static void putTime(ObjectNode n, String field, Instant t) {
        if (t != null) {
            n.put(field, t.toString());
        }
    }

    public static String json(LogAnalyzer.Result r) {
        return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(tree(r))
                + "\n";
    }

    /** A page with no external resources: the patterns in a table, flagged rows highlighted, a text filter. */
    public static String html(LogAnalyzer.Result r) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kaji logs analyze</title>")
                .append("<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}")
                .append("td,th{padding:.2em .6em;text-align:left;border-bottom:1px solid #ddd;vertical-align:top}")
                .append(".error{color:#b00}.warn{color:#a60}.flag{font-weight:bold}code{font-size:90%}</style>")
                .append("</head><body>\n<h1>Log patterns</h1>\n<p>").append(r.lines()).append(" lines, ")
                .append(r.patterns().size()).append(" patterns").append(r.from() == null ? ""
                        : ", " + esc(r.from() + " .. " + r.to())).append(".</p>\n")
                .append("<p><input id=\"q\" placeholder=\"filter\" oninput=\"f()\"></p>\n")
                .append("<table id=\"t\"><tr><th>count</th><th>level</th><th>flag</th><th>pattern</th>")
                .append("<th>seen</th><th>sources</th></tr>\n");
        for (LogAnalyzer.LogPattern p : r.patterns()) {
            h.append("<tr class=\"").append(LogAnalyzer.name(p.level())).append("\"><td>").append(p.count())
                    .append("</td><td>").append(LogAnalyzer.name(p.level())).append("</td><td class=\"flag\">")
                    .append(flag(p)).append("</td><td><code>").append(esc(p.template())).append("</code></td><td>")
                    .append(esc(seen(p))).append("</td><td>").append(esc(String.join(", ", p.sources())))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n<script>function f(){var q=document.getElementById('q').value.toLowerCase();")
                .append("var rows=document.getElementById('t').rows;for(var i=1;i<rows.length;i++){")
                .append("rows[i].style.display=rows[i].textContent.toLowerCase().indexOf(q)>=0?'':'none';}}</script>")
                .append("\n</body></html>\n");
        return h.toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
