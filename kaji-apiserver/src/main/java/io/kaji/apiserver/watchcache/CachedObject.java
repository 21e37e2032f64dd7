package io.kaji.apiserver.watchcache;

import io.kaji.apiserver.serialization.Json;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One object version held by the watch cache. The object tree must be treated as immutable: it is shared by every
 * list and watch that returns it. Its JSON is serialized once, on first use, and reused for every response.
 */
public final class CachedObject {

    private final String key;
    private final ObjectNode object;
    private final long revision;
    private final Map<String, String> labels;
    /** metadata.namespace, read once: every list and watch filter asks for it, per object. */
    private final String namespace;
    private volatile byte[] json;

    public CachedObject(String key, ObjectNode object, long revision) {
        this.key = key;
        this.object = object;
        this.revision = revision;
        Map<String, String> l = new HashMap<>();
        JsonNode labelNode = Json.at(object, "metadata.labels");
        if (labelNode != null && labelNode.isObject()) {
            labelNode.forEachEntry((k, v) -> l.put(k, v.isString() ? v.stringValue() : v.toString()));
        }
        this.labels = Map.copyOf(l);
        this.namespace = Json.text(object, "metadata.namespace");
    }

    public String key() {
        return key;
    }

    /** The object; never modify it (deep-copy first). */
    public ObjectNode object() {
        return object;
    }

    /** The object's resourceVersion (the revision of this version, or of its deletion). */
    public long revision() {
        return revision;
    }

    public Map<String, String> labels() {
        return labels;
    }

    public String namespace() {
        return namespace;
    }

    /** The object's JSON, serialized once. */
    public byte[] json() {
        byte[] j = json;
        if (j == null) {
            j = Json.bytes(object);
            json = j;
        }
        return j;
    }

    /** A watch event line ({@code {"type":T,"object":...}\n}) for this object. */
    public byte[] eventLine(String type) {
        byte[] head = ("{\"type\":\"" + type + "\",\"object\":").getBytes(StandardCharsets.UTF_8);
        byte[] body = json();
        byte[] line = new byte[head.length + body.length + 2];
        System.arraycopy(head, 0, line, 0, head.length);
        System.arraycopy(body, 0, line, head.length, body.length);
        line[line.length - 2] = '}';
        line[line.length - 1] = '\n';
        return line;
    }
}
