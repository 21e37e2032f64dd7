package io.kaji.apiserver.handler;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.JsonSpans;
import io.kaji.apiserver.watchcache.CachedObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * Objects as meta.k8s.io PartialObjectMetadata: kind, apiVersion and the object's metadata only, which is what
 * metadata-only clients (client-go's metadata informers, garbage collectors) ask for with
 * {@code Accept: application/json;as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1}. Cached objects lend their
 * metadata's bytes as they are.
 */
final class PartialMetadata {

    private PartialMetadata() {
    }

    /** {@code {"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":…}} of a stored object. */
    static ObjectNode of(ObjectNode object, String version) {
        ObjectNode out = Json.object();
        out.put("kind", "PartialObjectMetadata");
        out.put("apiVersion", "meta.k8s.io/" + version);
        out.set("metadata", object.get("metadata") == null ? Json.object() : object.get("metadata"));
        return out;
    }

    /** The same for a cached object, from its cached JSON. */
    static byte[] of(CachedObject o, String version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        write(o, version, out);
        return out.toByteArray();
    }

    /** A watch event line carrying {@link #of(CachedObject, String)}. */
    static byte[] eventLine(String type, CachedObject o, String version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(600);
        out.writeBytes(("{\"type\":\"" + type + "\",\"object\":").getBytes(StandardCharsets.UTF_8));
        write(o, version, out);
        out.writeBytes("}\n".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** A PartialObjectMetadataList of {@code items} at {@code revision}, with the continue token when paged. */
    static byte[] list(List<CachedObject> items, long revision, String next, String version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 512 * items.size());
        out.writeBytes(("{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":\"meta.k8s.io/" + version
                + "\",\"metadata\":{\"resourceVersion\":\"" + revision + "\""
                + (next == null ? "" : ",\"continue\":\"" + next + "\"") + "},\"items\":[")
                .getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            write(items.get(i), version, out);
        }
        out.writeBytes("]}".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static void write(CachedObject o, String version, ByteArrayOutputStream out) {
        out.writeBytes(("{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/" + version
                + "\",\"metadata\":").getBytes(StandardCharsets.UTF_8));
        long span = o.metadataSpan();
        if (span == JsonSpans.NONE) {
            out.writeBytes(Json.bytes(o.object().get("metadata") == null ? Json.object() : o.object().get("metadata")));
        } else {
            int start = JsonSpans.start(span);
            out.write(o.json(), start, JsonSpans.end(span) - start);
        }
        out.write('}');
    }
}
