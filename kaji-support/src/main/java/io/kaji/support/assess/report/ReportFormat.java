package io.kaji.support.assess.report;

import io.kaji.support.assess.Report;
import java.util.Locale;
import java.util.function.Function;

/** The output formats of {@code kaji assess --format}, each a pure function from a report to text. */
public enum ReportFormat {
    TABLE(TextReport::render),
    JSON(JsonReport::render),
    JUNIT(JunitReport::render),
    SARIF(SarifReport::render),
    HTML(HtmlReport::render);

    private final Function<Report, String> renderer;

    ReportFormat(Function<Report, String> renderer) {
        this.renderer = renderer;
    }

    public String render(Report report) {
        return renderer.apply(report);
    }

    /** Parses {@code table|json|junit|sarif|html}, any case ({@code text} is an alias of table). */
    public static ReportFormat parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("text")) {
            return TABLE;
        }
        for (ReportFormat f : values()) {
            if (f.name().toLowerCase(Locale.ROOT).equals(t)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format \"" + text + "\": use table, json, junit, sarif or html");
    }
}
