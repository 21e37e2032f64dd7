package io.kaji.apiserver.apply;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A set of field paths, as structured-merge-diff's {@code fieldpath.Set}: a trie whose edges are path elements in
 * their FieldsV1 spelling ({@code f:name}, {@code k:{"name":"c"}}, {@code v:"x"}, {@code i:0}) and whose nodes say
 * whether the path ending there is itself a member. A node may be a member and have children (FieldsV1 writes that
 * as {@code ".": {}} next to the children).
 *
 * <p>Mutable and not thread-safe; the set operations return new sets and leave their arguments alone.
 */
public final class FieldSet {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private boolean member;
    private TreeMap<String, FieldSet> children;

    /** An empty set. */
    public FieldSet() {
    }

    /** Adds {@code path} (path elements in FieldsV1 spelling) as a member. */
    public FieldSet insert(List<String> path) {
        FieldSet n = this;
        for (String pe : path) {
            n = n.childOrCreate(pe);
        }
        n.member = true;
        return this;
    }

    /** Adds the path made of {@code elements}. */
    public FieldSet insert(String... elements) {
        return insert(List.of(elements));
    }

    /** True when {@code path} is a member. */
    public boolean has(List<String> path) {
        FieldSet n = this;
        for (String pe : path) {
            n = n.child(pe);
            if (n == null) {
                return false;
            }
        }
        return n.member;
    }

    /** True when no path is a member. */
    public boolean isEmpty() {
        if (member) {
            return false;
        }
        if (children != null) {
            for (FieldSet c : children.values()) {
                if (!c.isEmpty()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The subtree under one path element, or null. */
    FieldSet child(String pe) {
        return children == null ? null : children.get(pe);
    }

    /** Whether the path ending at this node is a member. */
    boolean isMember() {
        return member;
    }

    Map<String, FieldSet> children() {
        return children == null ? Map.of() : Collections.unmodifiableMap(children);
    }

    FieldSet childOrCreate(String pe) {
        if (children == null) {
            children = new TreeMap<>();
        }
        return children.computeIfAbsent(pe, k -> new FieldSet());
    }

    /** Makes {@code fresh}, a set nobody else holds, the subtree under {@code pe} (which has none yet). */
    private void adopt(String pe, FieldSet fresh) {
        if (children == null) {
            children = new TreeMap<>();
        }
        children.put(pe, fresh);
    }

    void markMember() {
        member = true;
    }

    /** Every path in either set. */
    public FieldSet union(FieldSet other) {
        FieldSet out = copy();
        out.addAll(other);
        return out;
    }

    private void addAll(FieldSet other) {
        member |= other.member;
        if (other.children != null) {
            for (Map.Entry<String, FieldSet> e : other.children.entrySet()) {
                childOrCreate(e.getKey()).addAll(e.getValue());
            }
        }
    }

    /** The members of this set that are not members of {@code other}. */
    public FieldSet difference(FieldSet other) {
        FieldSet out = new FieldSet();
        out.member = member && (other == null || !other.member);
        if (children != null) {
            for (Map.Entry<String, FieldSet> e : children.entrySet()) {
                FieldSet sub = e.getValue().difference(other == null ? null : other.child(e.getKey()));
                if (!sub.isEmpty()) {
                    out.adopt(e.getKey(), sub);
                }
            }
        }
        return out;
    }

    /** The members of this set that are also members of {@code other}. */
    public FieldSet intersection(FieldSet other) {
        FieldSet out = new FieldSet();
        if (other == null) {
            return out;
        }
        out.member = member && other.member;
        if (children != null && other.children != null) {
            for (Map.Entry<String, FieldSet> e : children.entrySet()) {
                FieldSet o = other.child(e.getKey());
                if (o != null) {
                    FieldSet sub = e.getValue().intersection(o);
                    if (!sub.isEmpty()) {
                        out.adopt(e.getKey(), sub);
                    }
                }
            }
        }
        return out;
    }

    /** True when the two sets share a member; cheaper than {@code intersection(other).isEmpty()}. */
    public boolean intersects(FieldSet other) {
        if (other == null) {
            return false;
        }
        if (member && other.member) {
            return true;
        }
        if (children == null || other.children == null) {
            return false;
        }
        Map<String, FieldSet> small = children.size() <= other.children.size() ? children : other.children;
        Map<String, FieldSet> large = small == children ? other.children : children;
        for (Map.Entry<String, FieldSet> e : small.entrySet()) {
            FieldSet o = large.get(e.getKey());
            if (o != null && e.getValue().intersects(o)) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when this set shares a member with the set a FieldsV1 object describes, read in place (no decoding):
     * lets a write skip the managers whose fields it does not touch. Cost is proportional to this set.
     */
    public boolean intersectsFieldsV1(JsonNode fieldsV1) {
        if (fieldsV1 == null || !fieldsV1.isObject() || children == null) {
            return false;
        }
        for (Map.Entry<String, FieldSet> e : children.entrySet()) {
            JsonNode o = fieldsV1.get(e.getKey());
            if (o != null && e.getValue().intersectsNode(o)) {
                return true;
            }
        }
        return false;
    }

    private boolean intersectsNode(JsonNode node) {
        if (!node.isObject()) {
            return false;
        }
        if (member && (node.isEmpty() || node.has("."))) {
            return true;
        }
        return intersectsFieldsV1(node);
    }

    /**
     * This set without the members of {@code other} and without everything below them (structured-merge-diff's
     * {@code RecursiveDifference}): used to leave out fields no manager may own.
     */
    public FieldSet withoutSubtrees(FieldSet other) {
        if (other == null) {
            return copy();
        }
        FieldSet out = new FieldSet();
        out.member = member && !other.member;
        if (children != null) {
            for (Map.Entry<String, FieldSet> e : children.entrySet()) {
                FieldSet o = other.child(e.getKey());
                if (o != null && o.member) {
                    continue;
                }
                FieldSet sub = o == null ? e.getValue().copy() : e.getValue().withoutSubtrees(o);
                if (!sub.isEmpty()) {
                    out.adopt(e.getKey(), sub);
                }
            }
        }
        return out;
    }

    /** A deep copy. */
    public FieldSet copy() {
        FieldSet out = new FieldSet();
        out.addAll(this);
        return out;
    }

    /** Every member path, in FieldsV1 order (each path a list of path elements). */
    public List<List<String>> paths() {
        List<List<String>> out = new ArrayList<>();
        collect(new ArrayList<>(), out);
        return out;
    }

    private void collect(List<String> prefix, List<List<String>> out) {
        if (member) {
            out.add(List.copyOf(prefix));
        }
        if (children != null) {
            for (Map.Entry<String, FieldSet> e : children.entrySet()) {
                prefix.add(e.getKey());
                e.getValue().collect(prefix, out);
                prefix.remove(prefix.size() - 1);
            }
        }
    }

    /** The FieldsV1 form: {@code {"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}. */
    public ObjectNode toFieldsV1() {
        ObjectNode out = F.objectNode();
        if (children != null) {
            for (Map.Entry<String, FieldSet> e : children.entrySet()) {
                if (!e.getValue().isEmpty()) {
                    out.set(e.getKey(), e.getValue().nodeToFieldsV1());
                }
            }
        }
        return out;
    }

    private ObjectNode nodeToFieldsV1() {
        ObjectNode out = F.objectNode();
        boolean hasChildren = false;
        if (children != null) {
            for (FieldSet c : children.values()) {
                if (!c.isEmpty()) {
                    hasChildren = true;
                    break;
                }
            }
        }
        if (member && hasChildren) {
            out.putObject(".");
        }
        if (hasChildren) {
            for (Map.Entry<String, FieldSet> e : children.entrySet()) {
                if (!e.getValue().isEmpty()) {
                    out.set(e.getKey(), e.getValue().nodeToFieldsV1());
                }
            }
        }
        return out;
    }

    /**
     * Reads the FieldsV1 form.
     *
     * @throws IllegalArgumentException when {@code fieldsV1} is not a FieldsV1 object
     */
    public static FieldSet fromFieldsV1(JsonNode fieldsV1) {
        FieldSet out = new FieldSet();
        if (fieldsV1 == null || fieldsV1.isNull() || fieldsV1.isMissingNode()) {
            return out;
        }
        if (!fieldsV1.isObject()) {
            throw new IllegalArgumentException("fieldsV1 must be an object, got " + fieldsV1.getNodeType());
        }
        for (Map.Entry<String, JsonNode> e : fieldsV1.properties()) {
            out.childOrCreate(checkedElement(e.getKey())).read(e.getValue());
        }
        return out;
    }

    private void read(JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("fieldsV1 values must be objects, got " + node.getNodeType());
        }
        if (node.isEmpty()) {
            member = true;
            return;
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (e.getKey().equals(".")) {
                member = true;
            } else {
                childOrCreate(checkedElement(e.getKey())).read(e.getValue());
            }
        }
    }

    private static String checkedElement(String pe) {
        if (pe.length() < 2 || pe.charAt(1) != ':' || "fkvi".indexOf(pe.charAt(0)) < 0) {
            throw new IllegalArgumentException("unknown path element " + pe + " in fieldsV1");
        }
        return pe;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldSet other && toFieldsV1().equals(other.toFieldsV1());
    }

    @Override
    public int hashCode() {
        return toFieldsV1().hashCode();
    }

    @Override
    public String toString() {
        return toFieldsV1().toString();
    }
}
