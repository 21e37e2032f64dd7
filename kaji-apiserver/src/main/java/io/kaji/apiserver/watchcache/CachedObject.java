package io.kaji.apiserver.watchcache;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.JsonSpans;
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
    /** The tree; null until first asked for when the object was cached from its served JSON. */
    private volatile ObjectNode object;
    private final long revision;
    private final Map<String, String> labels;
    /** metadata.namespace, read once: every list and watch filter asks for it, per object. */
    private final String namespace;
    private volatile byte[] json;
    /** Where the metadata lies in {@link #json()} ({@link JsonSpans}), found on first use; 0 before. */
    private volatile long metadataSpan;

    public CachedObject(String key, ObjectNode object, long revision) {
        this(key, object, revision, null, labelsOf(object), Json.text(object, "metadata.namespace"));
    }

    private CachedObject(String key, ObjectNode object, long revision, byte[] json, Map<String, String> labels,
            String namespace) {
        this.key = key;
        this.object = object;
        this.revision = revision;
        this.json = json;
        this.labels = labels;
        this.namespace = namespace;
    }

    /**
     * An object known by its served JSON (with its resourceVersion), its labels and namespace; the tree is parsed
     * from the JSON when first asked for.
     */
    public static CachedObject served(String key, long revision, byte[] json, Map<String, String> labels,
            String namespace) {
        return new CachedObject(key, null, revision, json, Map.copyOf(labels), namespace);
    }

    /** metadata.labels as a map (non-string values as their JSON text). */
    static Map<String, String> labelsOf(ObjectNode object) {
        Map<String, String> l = new HashMap<>();
        JsonNode labelNode = Json.at(object, "metadata.labels");
        if (labelNode != null && labelNode.isObject()) {
            labelNode.forEachEntry((k, v) -> l.put(k, v.isString() ? v.stringValue() : v.toString()));
        }
        return Map.copyOf(l);
    }

    public String key() {
        return key;
    }

    /** The object; never modify it (deep-copy first). Parsed on first use when it was cached as JSON. */
    public ObjectNode object() {
        ObjectNode o = object;
        if (o == null) {
            // Two readers may both parse; either tree is the same object, and neither is ever changed.
            o = Json.parseTrusted(json);
            object = o;
        }
        return o;
    }

    /** Whether the tree has been built (for tests: one cached from its JSON parses only when asked). */
    boolean hasTree() {
        return object != null;
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

    /**
     * Where the object's metadata lies in {@link #json()} (see {@link JsonSpans}), or {@link JsonSpans#NONE}.
     * Found once.
     */
    public long metadataSpan() {
        long span = metadataSpan;
        if (span == 0) {
            span = JsonSpans.topLevelValue(json(), "metadata");
            metadataSpan = span;
        }
        return span;
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
