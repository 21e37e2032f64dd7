package io.kaji.apiserver.apply;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * An object's {@code metadata.managedFields}: one entry per manager, operation ({@code Apply}/{@code Update}),
 * subresource and, for updates, apiVersion (Kubernetes' manager identity), each with the set of fields it owns.
 * Entries keep their original JSON until their set changes, so an untouched entry is written back byte for byte
 * and costs no FieldsV1 decoding. Not thread-safe.
 */
final class ManagedFields {

    static final String APPLY = "Apply";
    static final String UPDATE = "Update";
    /** The manager that the oldest Update entries are merged into beyond the cap. */
    static final String ANCIENT_CHANGES = "ancient-changes";

    /** One managedFields entry. {@code set} is decoded from {@code raw} on first use. */
    static final class Entry {
        final String manager;
        final String operation;
        final String subresource;
        String apiVersion;
        String time;
        private ObjectNode raw;
        private FieldSet set;

        Entry(String manager, String operation, String subresource, String apiVersion, String time, FieldSet set) {
            this.manager = manager;
            this.operation = operation;
            this.subresource = subresource;
            this.apiVersion = apiVersion;
            this.time = time;
            this.set = set;
        }

        private Entry(ObjectNode raw) {
            this(text(raw, "manager"), text(raw, "operation"), text(raw, "subresource"), text(raw, "apiVersion"),
                    text(raw, "time"), null);
            this.raw = raw;
        }

        /** The owned fields (decoded lazily). */
        FieldSet set() {
            if (set == null) {
                set = FieldSet.fromFieldsV1(raw.get("fieldsV1"));
            }
            return set;
        }

        /** True when this entry owns one of {@code paths}; reads the original JSON when not decoded yet. */
        boolean ownsAny(FieldSet paths) {
            return set == null ? paths.intersectsFieldsV1(raw.get("fieldsV1")) : set.intersects(paths);
        }

        /**
         * True when the entry owns nothing; reads the original JSON when not decoded yet (a FieldsV1 object with
         * any path element names a member: every path ends in {@code {}} or holds {@code "."}).
         */
        boolean isEmpty() {
            if (set != null) {
                return set.isEmpty();
            }
            JsonNode fields = raw.get("fieldsV1");
            return fields == null || !fields.isObject() || fields.isEmpty();
        }

        void replaceSet(FieldSet s) {
            set = s;
            raw = null;
        }

        void touch(String now) {
            time = now;
            raw = null;
        }

        /** Kubernetes' manager identity: appliers are one manager whatever apiVersion they use. */
        String identity() {
            return identity(manager, operation, subresource, apiVersion);
        }

        static String identity(String manager, String operation, String subresource, String apiVersion) {
            return manager + '\u0000' + operation + '\u0000' + subresource
                    + (APPLY.equals(operation) ? "" : '\u0000' + apiVersion);
        }

        /** The manager as conflict messages name it: {@code "kubectl" with subresource "scale" using apps/v1}. */
        String describe() {
            StringBuilder sb = new StringBuilder(quote(manager));
            if (!subresource.isEmpty()) {
                sb.append(" with subresource ").append(quote(subresource));
            }
            if (UPDATE.equals(operation)) {
                sb.append(" using ").append(apiVersion);
            }
            return sb.toString();
        }

        ObjectNode toJson() {
            if (raw != null) {
                return raw;
            }
            ObjectNode e = JsonNodeFactory.instance.objectNode();
            e.put("manager", manager);
            e.put("operation", operation);
            e.put("apiVersion", apiVersion);
            if (!time.isEmpty()) {
                e.put("time", time);
            }
            e.put("fieldsType", "FieldsV1");
            e.set("fieldsV1", set.toFieldsV1());
            if (!subresource.isEmpty()) {
                e.put("subresource", subresource);
            }
            return e;
        }

        private static String text(ObjectNode o, String field) {
            JsonNode v = o.get(field);
            return v != null && v.isString() ? v.stringValue() : "";
        }
    }

    private final Map<String, Entry> entries;

    private ManagedFields(Map<String, Entry> entries) {
        this.entries = entries;
    }

    static ManagedFields empty() {
        return new ManagedFields(new LinkedHashMap<>());
    }

    /**
     * The entries of a {@code metadata.managedFields} value; null when absent or empty, or when it cannot be read
     * (then Kubernetes falls back to the live object's entries, as the caller does).
     */
    static ManagedFields decode(JsonNode managedFields) {
        if (managedFields == null || !managedFields.isArray() || managedFields.isEmpty()) {
            return null;
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        for (JsonNode n : managedFields) {
            if (!(n instanceof ObjectNode o)) {
                return null;
            }
            JsonNode type = o.get("fieldsType");
            if (type != null && !type.isNull() && !"FieldsV1".equals(type.asString(""))) {
                return null;
            }
            if (!wellFormed(o.get("fieldsV1"))) {
                return null;
            }
            Entry e = new Entry(o);
            Entry previous = out.get(e.identity());
            if (previous != null) {
                previous.replaceSet(previous.set().union(e.set()));
            } else {
                out.put(e.identity(), e);
            }
        }
        return new ManagedFields(out);
    }

    /** Cheap shape check of a FieldsV1 value: objects all the way down with known path element prefixes. */
    private static boolean wellFormed(JsonNode fieldsV1) {
        if (fieldsV1 == null || fieldsV1.isNull()) {
            return true;
        }
        if (!fieldsV1.isObject()) {
            return false;
        }
        for (Map.Entry<String, JsonNode> e : fieldsV1.properties()) {
            String k = e.getKey();
            boolean known = k.equals(".") || k.length() >= 2 && k.charAt(1) == ':' && "fkvi".indexOf(k.charAt(0)) >= 0;
            if (!known || !wellFormed(e.getValue()) || e.getValue().isNull()) {
                return false;
            }
        }
        return true;
    }

    Entry get(String identity) {
        return entries.get(identity);
    }

    void put(Entry e) {
        entries.put(e.identity(), e);
    }

    List<Entry> entries() {
        return new ArrayList<>(entries.values());
    }

    /** Removes the entries that own nothing (a cleared {@code [{}]} entry among them). */
    void dropEmpty() {
        entries.values().removeIf(Entry::isEmpty);
    }

    /**
     * Keeps at most {@code max} Update entries, as Kubernetes does (10): the oldest are merged, per apiVersion, into
     * one entry of the manager {@code ancient-changes}, which takes the time of the newest entry merged into it.
     * Apply entries are never merged.
     */
    void capUpdates(int max) {
        List<Entry> updaters = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (UPDATE.equals(e.operation)) {
                updaters.add(e);
            }
        }
        if (updaters.size() <= max) {
            return;
        }
        updaters.sort(Comparator.comparing((Entry e) -> e.time).thenComparing(Entry::identity));
        int remaining = updaters.size();
        Map<String, Entry> buckets = new LinkedHashMap<>();
        for (int i = 0; i < updaters.size() && remaining > max; i++) {
            Entry e = updaters.get(i);
            String bucketId = Entry.identity(ANCIENT_CHANGES, UPDATE, "", e.apiVersion);
            Entry bucket = buckets.get(e.apiVersion);
            if (bucket == null) {
                // The oldest entry of a version becomes (or already is) the bucket the next ones merge into.
                bucket = e.identity().equals(bucketId) ? e
                        : new Entry(ANCIENT_CHANGES, UPDATE, "", e.apiVersion, e.time, e.set());
                Entry existing = entries.get(bucketId);
                if (existing != null && existing != e) {
                    bucket.replaceSet(bucket.set().union(existing.set()));
                    remaining--;
                }
                entries.remove(e.identity());
                entries.put(bucketId, bucket);
                buckets.put(e.apiVersion, bucket);
                continue;
            }
            if (e == bucket) {
                continue;
            }
            bucket.replaceSet(bucket.set().union(e.set()));
            bucket.touch(e.time);
            entries.remove(e.identity());
            remaining--;
        }
    }

    /** Every field some manager owns. */
    FieldSet owned() {
        FieldSet all = new FieldSet();
        for (Entry e : entries.values()) {
            all = all.union(e.set());
        }
        return all;
    }

    /**
     * The JSON list, in Kubernetes' order: Apply before Update, then by time, manager, apiVersion and
     * subresource.
     */
    ArrayNode encode() {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparing((Entry e) -> e.operation).thenComparing(e -> e.time)
                .thenComparing(e -> e.manager).thenComparing(e -> e.apiVersion).thenComparing(e -> e.subresource));
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        sorted.forEach(e -> out.add(e.toJson()));
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ManagedFields m && Objects.equals(encode(), m.encode());
    }

    @Override
    public int hashCode() {
        return encode().hashCode();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
