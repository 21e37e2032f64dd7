package io.kaji.apiserver.apply;

import io.kaji.apiserver.errors.ApiException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The walks of structured-merge-diff over JSON trees, each visiting every node once: the field set of a value
 * ({@code ToFieldSet}), the comparison of two values ({@code Compare}), the merge of an applied configuration into
 * a live object ({@code Merge}) and the removal of fields a manager stopped applying ({@code prune}). Stateless.
 */
final class FieldWalks {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private FieldWalks() {
    }

    /** Added, modified and removed paths between two values (structured-merge-diff's {@code Comparison}). */
    record Comparison(FieldSet added, FieldSet modified, FieldSet removed) {
        boolean isSame() {
            return added.isEmpty() && modified.isEmpty() && removed.isEmpty();
        }

        /** Added or modified: what the writer of the new value now owns (one of the two when the other is empty). */
        FieldSet changed() {
            if (modified.isEmpty()) {
                return added;
            }
            return added.isEmpty() ? modified : added.union(modified);
        }
    }

    // ---------------------------------------------------------------- field sets

    /**
     * The paths a value sets: its scalars, atomic values, list elements and map entries; struct fields only when
     * they are empty. {@code ignore} names paths (with their subtrees) to leave out, or is null.
     */
    static FieldSet toFieldSet(JsonNode value, FieldType type, FieldSet ignore) {
        FieldSet out = new FieldSet();
        toFieldSet(value, type, ignore, new ArrayList<>(), out);
        return out;
    }

    private static void toFieldSet(JsonNode v, FieldType t, FieldSet ignore, List<String> path, FieldSet out) {
        switch (treatment(t, v)) {
            case LEAF -> insert(out, path);
            case OBJECT -> {
                for (Map.Entry<String, JsonNode> e : v.properties()) {
                    String pe = PathElements.field(e.getKey());
                    FieldSet ig = ignore == null ? null : ignore.child(pe);
                    if (ig != null && ig.isMember()) {
                        continue;
                    }
                    JsonNode child = e.getValue();
                    path.add(pe);
                    toFieldSet(child, t.child(e.getKey()), ig, path, out);
                    if (child.isNull() || child.isObject() && child.isEmpty() || !t.hasField(e.getKey())) {
                        insert(out, path);
                    }
                    path.remove(path.size() - 1);
                }
            }
            case LIST -> {
                List<String> pes = elements((ArrayNode) v, t, false);
                if (pes == null) {
                    insert(out, path);
                    return;
                }
                Set<String> seen = new HashSet<>();
                Set<String> duplicates = new HashSet<>();
                for (String pe : pes) {
                    if (!seen.add(pe)) {
                        duplicates.add(pe);
                    }
                }
                for (int i = 0; i < pes.size(); i++) {
                    path.add(pes.get(i));
                    if (!duplicates.contains(pes.get(i))) {
                        toFieldSet(v.get(i), t.elements(), null, path, out);
                    }
                    insert(out, path);
                    path.remove(path.size() - 1);
                }
            }
        }
    }

    private static void insert(FieldSet out, List<String> path) {
        if (!path.isEmpty()) {
            out.insert(path);
        }
    }

    // ---------------------------------------------------------------- comparison

    /** Compares {@code lhs} (old, null when absent) with {@code rhs} (new), leaving out {@code ignore}. */
    static Comparison compare(JsonNode lhs, JsonNode rhs, FieldType type, FieldSet ignore) {
        Comparison c = new Comparison(new FieldSet(), new FieldSet(), new FieldSet());
        compare(lhs, rhs, type, ignore, new Cursor(c), c);
        return c;
    }

    /**
     * One path of a comparison, with its nodes in the added, modified and removed sets made only when a path at
     * or below it is recorded there: each level is looked up once instead of once per recorded path below it.
     */
    private static final class Cursor {
        private final Cursor parent;
        private final String pe;
        private final int depth;
        private FieldSet added;
        private FieldSet modified;
        private FieldSet removed;

        Cursor(Comparison c) {
            parent = null;
            pe = null;
            depth = 0;
            added = c.added();
            modified = c.modified();
            removed = c.removed();
        }

        private Cursor(Cursor parent, String pe) {
            this.parent = parent;
            this.pe = pe;
            this.depth = parent.depth + 1;
        }

        Cursor child(String pe) {
            return new Cursor(this, pe);
        }

        FieldSet added() {
            return added != null ? added : (added = parent.added().childOrCreate(pe));
        }

        FieldSet modified() {
            return modified != null ? modified : (modified = parent.modified().childOrCreate(pe));
        }

        FieldSet removed() {
            return removed != null ? removed : (removed = parent.removed().childOrCreate(pe));
        }

        /** Records this path (the root, the empty path, is never a member). */
        void markAdded() {
            if (depth > 0) {
                added().markMember();
            }
        }

        void markModified() {
            if (depth > 0) {
                modified().markMember();
            }
        }

        void markRemoved() {
            if (depth > 0) {
                removed().markMember();
            }
        }
    }

    private static void compare(JsonNode l, JsonNode r, FieldType t, FieldSet ignore, Cursor at, Comparison c) {
        Treatment lt = l == null ? null : treatment(t, l);
        Treatment rt = r == null ? null : treatment(t, r);
        boolean leaf = lt == Treatment.LEAF || rt == Treatment.LEAF || lt != null && rt != null && lt != rt
                || emptyOrAbsent(l) && emptyOrAbsent(r);
        if (leaf) {
            if (l == null) {
                at.markAdded();
            } else if (r == null) {
                at.markRemoved();
            } else if (!same(l, r)) {
                at.markModified();
            }
            return;
        }
        Treatment kind = lt != null ? lt : rt;
        if (kind == Treatment.OBJECT) {
            // The left side's fields in its order, then the right side's new ones.
            if (l != null) {
                for (Map.Entry<String, JsonNode> e : l.properties()) {
                    compareField(e.getKey(), e.getValue(), r == null ? null : r.get(e.getKey()), t, ignore, at, c);
                }
            }
            if (r != null) {
                for (Map.Entry<String, JsonNode> e : r.properties()) {
                    if (l == null || !l.has(e.getKey())) {
                        compareField(e.getKey(), null, e.getValue(), t, ignore, at, c);
                    }
                }
            }
        } else {
            List<String> lp = l == null ? List.of() : elements((ArrayNode) l, t, false);
            List<String> rp = r == null ? List.of() : elements((ArrayNode) r, t, false);
            if (lp == null || rp == null || hasDuplicates(lp) || hasDuplicates(rp)) {
                // Elements without keys or with duplicate keys: compare the list as a whole.
                if (l == null) {
                    at.markAdded();
                } else if (r == null) {
                    at.markRemoved();
                } else if (!same(l, r)) {
                    at.markModified();
                }
                return;
            }
            Map<String, JsonNode> right = new HashMap<>();
            for (int i = 0; i < rp.size(); i++) {
                right.put(rp.get(i), r.get(i));
            }
            Set<String> leftKeys = lp.isEmpty() ? Set.of() : new HashSet<>(lp);
            for (int i = 0; i < lp.size(); i++) {
                compare(l.get(i), right.get(lp.get(i)), t.elements(), null, at.child(lp.get(i)), c);
            }
            for (int i = 0; i < rp.size(); i++) {
                if (!leftKeys.contains(rp.get(i))) {
                    compare(null, r.get(i), t.elements(), null, at.child(rp.get(i)), c);
                }
            }
        }
        // A top-level struct (metadata, spec, status) and structs held by value always exist in a Go object, so
        // Kubernetes never sees them added or removed; maps and untyped values are.
        if (at.depth == 1 && t.kind() == FieldType.Kind.STRUCT || t.alwaysPresent()) {
            return;
        }
        if (l == null) {
            at.markAdded();
        } else if (r == null) {
            at.markRemoved();
        }
    }

    private static void compareField(String k, JsonNode l, JsonNode r, FieldType t, FieldSet ignore, Cursor at,
            Comparison c) {
        String pe = PathElements.field(k);
        FieldSet ig = ignore == null ? null : ignore.child(pe);
        if (ig != null && ig.isMember()) {
            return;
        }
        compare(l, r, t.child(k), ig, at.child(pe), c);
    }

    private static boolean hasDuplicates(List<String> elements) {
        if (elements.size() < 2) {
            return false;
        }
        if (elements.size() == 2) {
            return elements.get(0).equals(elements.get(1));
        }
        return new HashSet<>(elements).size() != elements.size();
    }

    private static boolean emptyOrAbsent(JsonNode n) {
        return n == null || n.isContainer() && n.isEmpty();
    }

    /** Deep equality where numbers compare by value (an int and a long holding 3 are the same). */
    static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            if (a.isIntegralNumber() && b.isIntegralNumber()) {
                return a.bigIntegerValue().equals(b.bigIntegerValue());
            }
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> e : a.properties()) {
                JsonNode o = b.get(e.getKey());
                if (o == null || !same(e.getValue(), o)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    // ---------------------------------------------------------------- merge

    /**
     * Merges an applied configuration into a live value: granular maps and structs merge field by field,
     * associative lists element by element (keeping the live order and placing new elements as the configuration
     * orders them), and everything else is replaced by the configuration. Neither argument is modified.
     *
     * @throws ApiException 400 when a configured list element lacks a key field or repeats a key
     */
    static JsonNode merge(JsonNode live, JsonNode config, FieldType t, List<String> path) {
        if (config == null) {
            return live == null ? null : live.deepCopy();
        }
        if (live == null) {
            checkElements(config, t, path);
            return config.deepCopy();
        }
        Treatment lt = treatment(t, live);
        Treatment ct = treatment(t, config);
        if (lt == Treatment.LEAF || ct == Treatment.LEAF || lt != ct || emptyOrAbsent(live) && emptyOrAbsent(config)) {
            return config.deepCopy();
        }
        if (ct == Treatment.OBJECT) {
            ObjectNode out = ((ObjectNode) live).deepCopy();
            for (Map.Entry<String, JsonNode> e : config.properties()) {
                path.add(PathElements.field(e.getKey()));
                out.set(e.getKey(), merge(live.get(e.getKey()), e.getValue(), t.child(e.getKey()), path));
                path.remove(path.size() - 1);
            }
            return out;
        }
        return mergeList((ArrayNode) live, (ArrayNode) config, t, path);
    }

    /** Checks that every keyed or set list in an applied value identifies its elements uniquely (400 if not). */
    private static void checkElements(JsonNode config, FieldType t, List<String> path) {
        switch (treatment(t, config)) {
            case LEAF -> { }
            case OBJECT -> {
                for (Map.Entry<String, JsonNode> e : config.properties()) {
                    path.add(PathElements.field(e.getKey()));
                    checkElements(e.getValue(), t.child(e.getKey()), path);
                    path.remove(path.size() - 1);
                }
            }
            case LIST -> {
                List<String> pes = uniqueElements((ArrayNode) config, t, path);
                for (int i = 0; i < pes.size(); i++) {
                    path.add(pes.get(i));
                    checkElements(config.get(i), t.elements(), path);
                    path.remove(path.size() - 1);
                }
            }
        }
    }

    private static List<String> uniqueElements(ArrayNode config, FieldType t, List<String> path) {
        List<String> rp;
        try {
            rp = elements(config, t, true);
        } catch (ApiException e) {
            throw ApiException.badRequest(PathElements.render(path) + ": " + e.getMessage());
        }
        Set<String> observed = new HashSet<>();
        for (String pe : rp) {
            if (!observed.add(pe)) {
                throw ApiException.badRequest(PathElements.render(path) + ": duplicate entries for key "
                        + PathElements.render(pe));
            }
        }
        return rp;
    }

    private static JsonNode mergeList(ArrayNode live, ArrayNode config, FieldType t, List<String> path) {
        List<String> rp = uniqueElements(config, t, path);
        List<String> lp = elements(live, t, false);
        if (lp == null) {
            return config.deepCopy();
        }
        Map<String, JsonNode> left = new HashMap<>();
        Set<String> duplicatedLeft = new HashSet<>();
        for (int i = 0; i < lp.size(); i++) {
            if (left.put(lp.get(i), live.get(i)) != null) {
                duplicatedLeft.add(lp.get(i));
            }
        }
        Map<String, JsonNode> right = new HashMap<>();
        for (int i = 0; i < rp.size(); i++) {
            right.put(rp.get(i), config.get(i));
        }
        // Elements both sides have, in the configuration's order: the live order is kept except where the
        // configuration reorders shared elements.
        List<String> shared = new ArrayList<>();
        for (String pe : rp) {
            if (left.containsKey(pe)) {
                shared.add(pe);
            }
        }
        int nextShared = 0;
        ArrayNode out = F.arrayNode();
        Set<String> merged = new HashSet<>();
        int li = 0;
        int ri = 0;
        while (li < lp.size() || ri < rp.size()) {
            if (li < lp.size() && ri < rp.size()) {
                String pe = lp.get(li);
                if (pe.equals(rp.get(ri))) {
                    merged.add(pe);
                    add(out, element(left, duplicatedLeft, pe), right.get(pe), t, path, pe);
                    li++;
                    ri++;
                    nextShared = advance(shared, nextShared, pe);
                    continue;
                }
                if (right.containsKey(pe) && nextShared < shared.size() && !shared.get(nextShared).equals(pe)) {
                    li++;
                    continue;
                }
            }
            if (li < lp.size()) {
                String pe = lp.get(li);
                if (!right.containsKey(pe)) {
                    add(out, live.get(li), null, t, path, pe);
                    li++;
                    continue;
                } else if (merged.contains(pe)) {
                    li++;
                }
            }
            if (ri < rp.size()) {
                String pe = rp.get(ri);
                merged.add(pe);
                add(out, element(left, duplicatedLeft, pe), right.get(pe), t, path, pe);
                ri++;
                if (nextShared < shared.size() && shared.get(nextShared).equals(pe)) {
                    nextShared++;
                }
            }
        }
        return out;
    }

    private static int advance(List<String> shared, int next, String pe) {
        return next < shared.size() && shared.get(next).equals(pe) ? next + 1 : next;
    }

    private static JsonNode element(Map<String, JsonNode> left, Set<String> duplicated, String pe) {
        return duplicated.contains(pe) ? null : left.get(pe);
    }

    private static void add(ArrayNode out, JsonNode l, JsonNode r, FieldType t, List<String> path, String pe) {
        path.add(pe);
        JsonNode m = merge(l, r, t.elements(), path);
        path.remove(path.size() - 1);
        if (m != null) {
            out.add(m);
        }
    }

    // ---------------------------------------------------------------- removal

    /**
     * Removes from {@code value} (modified in place) the members of {@code toRemove} that no manager owns
     * ({@code owned}); containers emptied by a removal go too, as Kubernetes drops empty maps and lists.
     *
     * @return true when {@code value} lost something
     */
    static boolean prune(JsonNode value, FieldType t, FieldSet toRemove, FieldSet owned) {
        if (toRemove == null || t.atomic()) {
            return false;
        }
        boolean removedAny = false;
        if (value instanceof ObjectNode obj && (t.kind() != FieldType.Kind.LIST)) {
            for (String k : new ArrayList<>(obj.propertyNames())) {
                String pe = PathElements.field(k);
                FieldSet rm = toRemove.child(pe);
                if (rm == null) {
                    continue;
                }
                FieldSet ow = owned == null ? null : owned.child(pe);
                JsonNode child = obj.get(k);
                // A struct's named field stays while anyone owns something below it (structured-merge-diff
                // treats named fields as owned by whoever owns their content); map entries and list elements go.
                boolean ownedBelow = ow != null && !ow.isEmpty() && t.hasField(k);
                if (rm.isMember() && (ow == null || !ow.isMember()) && !ownedBelow) {
                    obj.remove(k);
                    removedAny = true;
                } else if (child.isContainer() && prune(child, t.child(k), rm, ow)) {
                    removedAny = true;
                    if (child.isEmpty()) {
                        obj.remove(k);
                    }
                }
            }
        } else if (value instanceof ArrayNode arr && t.kind() == FieldType.Kind.LIST) {
            List<String> pes = elements(arr, t, false);
            if (pes == null) {
                return false;
            }
            for (int i = pes.size() - 1; i >= 0; i--) {
                FieldSet rm = toRemove.child(pes.get(i));
                if (rm == null) {
                    continue;
                }
                FieldSet ow = owned == null ? null : owned.child(pes.get(i));
                JsonNode child = arr.get(i);
                if (rm.isMember() && (ow == null || !ow.isMember())) {
                    arr.remove(i);
                    removedAny = true;
                } else if (child.isContainer() && prune(child, t.elements(), rm, ow)) {
                    removedAny = true;
                }
            }
        }
        return removedAny;
    }

    // ---------------------------------------------------------------- shared

    private enum Treatment { LEAF, OBJECT, LIST }

    /** How a value of type {@code t} is walked: as one leaf, as an object of fields, or element by element. */
    private static Treatment treatment(FieldType t, JsonNode v) {
        if (v.isObject()) {
            return switch (t.kind()) {
                case STRUCT, MAP -> t.atomic() ? Treatment.LEAF : Treatment.OBJECT;
                case UNTYPED -> Treatment.OBJECT;
                default -> Treatment.LEAF;
            };
        }
        if (v.isArray()) {
            return t.kind() == FieldType.Kind.LIST && !t.atomic() && (t.isKeyed() || t.isSet())
                    ? Treatment.LIST : Treatment.LEAF;
        }
        return Treatment.LEAF;
    }

    /**
     * The path elements of a keyed or set list's elements, in order; null when one cannot be identified (a key
     * field missing without default, a non-scalar in a set) unless {@code strict}, which throws 400 instead.
     */
    static List<String> elements(ArrayNode list, FieldType t, boolean strict) {
        List<String> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            String pe = t.isSet() ? setElement(item) : keyElement(item, t);
            if (pe == null) {
                if (strict) {
                    throw ApiException.badRequest("element " + i + ": " + (t.isSet()
                            ? "set lists may only hold scalars"
                            : "associative list with keys has an element that omits key field " + missingKey(item, t)
                                    + " (and doesn't have default value)"));
                }
                return null;
            }
            out.add(pe);
        }
        return out;
    }

    private static String setElement(JsonNode item) {
        return item.isValueNode() || item.isNull() ? PathElements.value(item) : null;
    }

    private static String keyElement(JsonNode item, FieldType t) {
        if (!item.isObject()) {
            return null;
        }
        List<String> names = t.sortedKeys();
        JsonNode[] values = new JsonNode[names.size()];
        for (int i = 0; i < values.length; i++) {
            String k = names.get(i);
            JsonNode v = item.get(k);
            if (v == null || v.isNull()) {
                v = t.keyDefault(k);
            }
            if (v == null || v.isContainer()) {
                return null;
            }
            values[i] = v;
        }
        return PathElements.key(names, values);
    }

    private static String missingKey(JsonNode item, FieldType t) {
        for (String k : t.keys()) {
            if (!item.isObject() || item.get(k) == null) {
                return "\"" + k + "\"";
            }
        }
        return "\"" + String.join(",", t.keys()) + "\"";
    }
}
