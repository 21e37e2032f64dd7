package io.kaji.apiserver.crd;

import io.kaji.apiserver.table.Cells;
import io.kaji.apiserver.table.Column;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Table columns of a custom resource version, from its {@code additionalPrinterColumns}: Name first, then each
 * column in order. A version without columns gets Age, as Kubernetes serves it. A value the path does not find
 * prints as {@code <none>}; {@code date} columns print as ages.
 */
final class PrinterColumns {

    private PrinterColumns() {
    }

    /** The columns for one version entry of a CRD's {@code spec.versions}. */
    static List<Column> of(JsonNode version) {
        List<Column> out = new ArrayList<>();
        out.add(Column.nameColumn());
        JsonNode defs = version.path("additionalPrinterColumns");
        if (!defs.isArray() || defs.isEmpty()) {
            out.add(Column.ageColumn());
            return out;
        }
        for (JsonNode d : defs) {
            String type = d.path("type").asString("string");
            SimpleJsonPath path = SimpleJsonPath.parse(d.path("jsonPath").asString(""));
            out.add(new Column(d.path("name").asString(""), type, d.path("format").asString(""),
                    d.path("description").asString(""), d.path("priority").asInt(0),
                    (o, now) -> cell(path.first(o), type, now)));
        }
        return out;
    }

    private static Object cell(JsonNode v, String type, Instant now) {
        if (v == null || v.isNull()) {
            return Cells.NONE;
        }
        return switch (type) {
            case "integer" -> v.isIntegralNumber() ? (Object) v.longValue() : text(v);
            case "boolean" -> v.isBoolean() ? (Object) v.booleanValue() : text(v);
            case "date" -> {
                try {
                    yield io.kaji.apiserver.table.HumanDuration.format(java.time.Duration.between(
                            Instant.parse(v.asString()), now));
                } catch (RuntimeException e) {
                    yield text(v);
                }
            }
            default -> text(v);
        };
    }

    private static String text(JsonNode v) {
        return v.isString() ? v.stringValue() : v.toString();
    }
}
