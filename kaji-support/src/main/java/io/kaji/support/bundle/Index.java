package io.kaji.support.bundle;

import io.kaji.support.diagnose.Diagnoser;
import io.kaji.support.diagnose.Diagnosis;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The bundle's {@code index.html}: a self-contained page (no external resources) to browse it. */
final class Index {

    private Index() {
    }

    static String html(String root, Instant when, List<BundleWriter.Entry> entries, List<String> truncated,
            int redactions, Map<String, String> notCollected, Diagnoser.Result diagnosis) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(root)).append("</title>\n<style>")
                .append("body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}")
                .append("table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left;"
                        + "border-bottom:1px solid #ddd}")
                .append(".ERROR{color:#b00}.WARNING{color:#a60}.INFO{color:#555}code{font-size:90%}")
                .append("</style></head><body>\n");
        h.append("<h1>Kaji support bundle</h1>\n<p>Collected ").append(esc(when.toString())).append(". ")
                .append(entries.size()).append(" files; ").append(redactions)
                .append(" values redacted (see <a href=\"redactions.txt\">redactions.txt</a>); ")
                .append(truncated.isEmpty() ? "nothing left out"
                        : truncated.size() + " items cut or left out (see <a href=\"truncated.txt\">truncated.txt</a>)")
                .append(".</p>\n");
        h.append("<h2>Diagnosis</h2>\n");
        if (diagnosis.diagnoses().isEmpty()) {
            h.append("<p>No problems found.</p>\n");
        } else {
            h.append("<table><tr><th>severity</th><th>object</th><th>symptom</th><th>cause</th></tr>\n");
            for (Diagnosis d : diagnosis.diagnoses()) {
                h.append("<tr class=\"").append(d.severity()).append("\"><td>").append(d.severity())
                        .append("</td><td>").append(esc(d.object())).append("</td><td>").append(esc(d.symptom()))
                        .append("</td><td>").append(esc(d.cause())).append("</td></tr>\n");
            }
            h.append("</table>\n<p>Evidence and fixes: <a href=\"diagnosis.txt\">diagnosis.txt</a>.</p>\n");
        }
        if (!notCollected.isEmpty()) {
            h.append("<h2>Not collected</h2>\n<ul>\n");
            notCollected.forEach((k, v) -> h.append("<li><code>").append(esc(k)).append("</code>: ")
                    .append(esc(v)).append("</li>\n"));
            h.append("</ul>\n");
        }
        h.append("<h2>Files</h2>\n<table><tr><th>file</th><th>bytes</th></tr>\n");
        for (BundleWriter.Entry e : entries) {
            h.append("<tr><td><a href=\"").append(esc(e.path())).append("\">").append(esc(e.path()))
                    .append("</a></td><td>").append(e.bytes()).append("</td></tr>\n");
        }
        h.append("</table>\n</body></html>\n");
        return h.toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
