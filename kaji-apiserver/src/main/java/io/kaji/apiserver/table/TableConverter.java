package io.kaji.apiserver.table;

import io.kaji.apiserver.serialization.Json;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders objects as a meta.k8s.io Table, the server-side printing {@code kubectl get} relies on. Rows carry the
 * object as PartialObjectMetadata (default), the full object ({@code includeObject=Object}) or nothing
 * ({@code None}). Thread-safe.
 */
public final class TableConverter {

    /** What each row's {@code object} holds. */
    public enum IncludeObject {
        NONE, METADATA, OBJECT;

        public static IncludeObject parse(String v) {
            if (v == null || v.isEmpty() || v.equals("Metadata")) {
                return METADATA;
            }
            return switch (v) {
                case "None" -> NONE;
                case "Object" -> OBJECT;
                default -> METADATA;
            };
        }
    }

    private final Clock clock;

    public TableConverter(Clock clock) {
        this.clock = clock;
    }

    /**
     * A Table of {@code objects}.
     *
     * @param tableVersion    v1 or v1beta1 (the apiVersion meta.k8s.io/&lt;version&gt;)
     * @param withDefinitions false to send an empty columnDefinitions (later events of a watch)
     */
    public ObjectNode table(List<Column> columns, List<ObjectNode> objects, String resourceVersion,
            String continueToken, IncludeObject include, String tableVersion, boolean withDefinitions) {
        Instant now = Instant.now(clock);
        ObjectNode t = Json.object();
        t.put("kind", "Table");
        t.put("apiVersion", "meta.k8s.io/" + (tableVersion == null ? "v1" : tableVersion));
        ObjectNode meta = t.putObject("metadata");
        if (resourceVersion != null) {
            meta.put("resourceVersion", resourceVersion);
        }
        if (continueToken != null) {
            meta.put("continue", continueToken);
        }
        ArrayNode defs = t.putArray("columnDefinitions");
        if (withDefinitions) {
            for (Column c : columns) {
                ObjectNode d = defs.addObject();
                d.put("name", c.name());
                d.put("type", c.type());
                d.put("format", c.format());
                d.put("description", c.description());
                d.put("priority", c.priority());
            }
        }
        ArrayNode rows = t.putArray("rows");
        for (ObjectNode o : objects) {
            rows.add(row(columns, o, include, now));
        }
        return t;
    }

    private static ObjectNode row(List<Column> columns, ObjectNode o, IncludeObject include, Instant now) {
        ObjectNode row = Json.object();
        ArrayNode cells = row.putArray("cells");
        for (Column c : columns) {
            Object v;
            try {
                v = c.cell().compute(o, now);
            } catch (RuntimeException e) {
                v = "<error>";
            }
            switch (v) {
                case Integer i -> cells.add(i);
                case Long l -> cells.add(l);
                case Boolean b -> cells.add(b);
                case null -> cells.add("");
                default -> cells.add(v.toString());
            }
        }
        switch (include) {
            case OBJECT -> row.set("object", o);
            case METADATA -> {
                ObjectNode partial = row.putObject("object");
                partial.put("kind", "PartialObjectMetadata");
                partial.put("apiVersion", "meta.k8s.io/v1");
                partial.set("metadata", o.get("metadata"));
            }
            default -> { }
        }
        return row;
    }
}
