package io.kaji.apiserver.serialization;

import io.kaji.store.KeyValue;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * How objects are kept in the store: compact JSON without {@code metadata.resourceVersion}, which is derived from
 * the key's modification revision on every read (as Kubernetes does with etcd).
 */
public final class StoredObjects {

    private StoredObjects() {
    }

    /** The bytes to store for {@code object} (which is not modified). */
    public static byte[] encode(ObjectNode object) {
        return encodeWithRevisionSlot(object).stored();
    }

    /**
     * The stored bytes of {@code object} (without its resourceVersion, which is not modified) together with where
     * the resourceVersion goes, so that the served JSON of the written object is made from the same bytes instead of
     * a second serialization: {@link Encoded#served(long)} is byte for byte what serializing the object with
     * {@code metadata.resourceVersion} set last in its metadata gives, which is what {@link #decode} produces.
     */
    public static Encoded encodeWithRevisionSlot(ObjectNode object) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        int slot = -1;
        boolean metadataFields = false;
        try (JsonGenerator g = Json.MAPPER.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                g.writeName(field.getKey());
                if (slot < 0 && field.getKey().equals("metadata") && field.getValue() instanceof ObjectNode meta) {
                    g.writeStartObject();
                    for (Map.Entry<String, JsonNode> m : meta.properties()) {
                        if (!m.getKey().equals("resourceVersion")) {
                            g.writeName(m.getKey());
                            g.writeTree(m.getValue());
                            metadataFields = true;
                        }
                    }
                    g.flush();
                    slot = out.size();
                    g.writeEndObject();
                } else {
                    g.writeTree(field.getValue());
                }
            }
            g.writeEndObject();
        }
        if (slot < 0) {
            throw new IllegalArgumentException("an object to store needs metadata");
        }
        return new Encoded(out.toByteArray(), slot, metadataFields);
    }

    /**
     * An object's stored JSON and the offset (just before its metadata's closing brace) where the resourceVersion
     * is inserted to serve it.
     *
     * @param stored         the bytes to store
     * @param revisionSlot   the offset in {@code stored} for {@code ,"resourceVersion":"N"}
     * @param metadataFields whether the metadata has other fields (then the inserted field needs a comma)
     */
    public record Encoded(byte[] stored, int revisionSlot, boolean metadataFields) {

        /** The object's JSON as served at {@code revision}. */
        public byte[] served(long revision) {
            byte[] field = ((metadataFields ? ",\"" : "\"") + "resourceVersion\":\"" + revision + "\"")
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] out = new byte[stored.length + field.length];
            System.arraycopy(stored, 0, out, 0, revisionSlot);
            System.arraycopy(field, 0, out, revisionSlot, field.length);
            System.arraycopy(stored, revisionSlot, out, revisionSlot + field.length, stored.length - revisionSlot);
            return out;
        }
    }

    /** The object stored in {@code kv}, with its resourceVersion set to {@code revision}. */
    public static ObjectNode decode(KeyValue kv, long revision) {
        ObjectNode o = Json.parseTrusted(kv.value());
        Json.metadata(o).put("resourceVersion", Long.toString(revision));
        return o;
    }

    public static ObjectNode decode(KeyValue kv) {
        return decode(kv, kv.modRevision());
    }
}
