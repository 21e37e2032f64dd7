package io.kaji.apiserver.table;

import java.time.Instant;
import tools.jackson.databind.node.ObjectNode;

/**
 * One column of a server-side Table, as in metav1.TableColumnDefinition, plus the function computing its cell.
 *
 * @param name        the header (kubectl prints it upper-cased), e.g. {@code Ready}
 * @param type        OpenAPI type: string, integer, number, boolean, date
 * @param format      {@code name} for the name column, else usually empty
 * @param description what the column shows
 * @param priority    0 for default columns, 1 for {@code -o wide} ones
 * @param cell        computes the cell from the object at a given time (for ages)
 */
public record Column(String name, String type, String format, String description, int priority, Cell cell) {

    /** Computes one cell: a String, Number or Boolean. */
    @FunctionalInterface
    public interface Cell {
        Object compute(ObjectNode object, Instant now);
    }

    public static Column nameColumn() {
        return new Column("Name", "string", "name",
                "Name must be unique within a namespace. Cannot be updated.", 0,
                (o, now) -> Cells.text(o, "metadata.name", ""));
    }

    public static Column ageColumn() {
        return new Column("Age", "string", "",
                "CreationTimestamp is a timestamp representing the server time when this object was created.", 0,
                (o, now) -> Cells.age(o, "metadata.creationTimestamp", now));
    }

    public static Column string(String name, String description, Cell cell) {
        return new Column(name, "string", "", description, 0, cell);
    }

    public static Column integer(String name, String description, Cell cell) {
        return new Column(name, "integer", "", description, 0, cell);
    }

    public static Column wide(String name, String description, Cell cell) {
        return new Column(name, "string", "", description, 1, cell);
    }
}
