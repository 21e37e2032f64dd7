package io.kaji.apiserver.table;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.JsonSpans;
import io.kaji.apiserver.watchcache.CachedObject;
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

    /**
     * The Table of cached objects, serialized: what {@code Json.bytes(table(...))} gives, with each row's object
     * (its metadata, or the whole object) copied from the object's cached JSON instead of serializing its tree
     * again, which is most of a Table's bytes.
     */
    public byte[] tableBytes(List<Column> columns, List<CachedObject> objects, String resourceVersion,
            String continueToken, IncludeObject include, String tableVersion) {
        byte[] head = Json.bytes(table(columns, List.of(), resourceVersion, continueToken, include, tableVersion,
                true));
        // head ends with "rows":[]} : rows go between the brackets.
        long estimate = head.length + 2L;
        for (CachedObject o : objects) {
            estimate += 160 + switch (include) {
                case NONE -> 0;
                case METADATA -> Math.max(0, JsonSpans.end(o.metadataSpan()) - JsonSpans.start(o.metadataSpan()));
                case OBJECT -> o.json().length;
            };
        }
        Bytes out = new Bytes((int) Math.min(Integer.MAX_VALUE - 16, estimate));
        out.write(head, 0, head.length - 2);
        Instant now = Instant.now(clock);
        for (int i = 0; i < objects.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            CachedObject o = objects.get(i);
            long span = include == IncludeObject.METADATA ? o.metadataSpan() : 0;
            if (span == JsonSpans.NONE) {
                out.write(Json.bytes(row(columns, o.object(), include, now)));
                continue;
            }
            byte[] cells = Json.bytes(row(columns, o.object(), IncludeObject.NONE, now));
            switch (include) {
                case NONE -> out.write(cells);
                case METADATA -> {
                    out.write(cells, 0, cells.length - 1);
                    out.write(PARTIAL_METADATA_HEAD);
                    out.write(o.json(), JsonSpans.start(span), JsonSpans.end(span) - JsonSpans.start(span));
                    out.write('}');
                    out.write('}');
                }
                case OBJECT -> {
                    out.write(cells, 0, cells.length - 1);
                    out.write(OBJECT_HEAD);
                    out.write(o.json());
                    out.write('}');
                }
            }
        }
        out.write(']');
        out.write('}');
        return out.toByteArray();
    }

    private static final byte[] PARTIAL_METADATA_HEAD =
            ",\"object\":{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final byte[] OBJECT_HEAD = ",\"object\":".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    /** A byte buffer that hands out its array without a copy when it is exactly full. */
    private static final class Bytes extends java.io.ByteArrayOutputStream {
        Bytes(int size) {
            super(size);
        }

        @Override
        public synchronized byte[] toByteArray() {
            return count == buf.length ? buf : super.toByteArray();
        }

        @Override
        public void write(byte[] b) {
            write(b, 0, b.length);
        }
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
