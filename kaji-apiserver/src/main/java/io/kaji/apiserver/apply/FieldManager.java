package io.kaji.apiserver.apply;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.serialization.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Server-side field management, as Kubernetes' field manager over structured-merge-diff: every write records in
 * {@code metadata.managedFields} which manager set which fields ({@link #update}), and server-side apply
 * ({@link #apply}) merges a manager's configuration into the live object, removes what it stopped applying and
 * refuses to change fields other managers own unless forced.
 *
 * <p>Field sets come from one walk over the old and new objects (no reflection per write; struct schemas are
 * cached per model class). Stateless apart from the clock; thread-safe.
 */
public final class FieldManager {

    /** kubectl's client-side apply annotation, which a server-side apply by {@code kubectl} keeps current. */
    public static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
    /** The manager Kubernetes assigns an unmanaged object's fields to on its first apply. */
    public static final String BEFORE_FIRST_APPLY = "before-first-apply";
    private static final int MAX_MANAGER_LENGTH = 128;
    /** Update entries kept per object before the oldest merge into {@code ancient-changes} (Kubernetes: 10). */
    static final int MAX_UPDATE_MANAGERS = 10;
    /** System fields no manager owns (Kubernetes' stripMeta fields). */
    private static final FieldSet SYSTEM_FIELDS = new FieldSet()
            .insert("f:apiVersion").insert("f:kind")
            .insert("f:metadata", "f:name").insert("f:metadata", "f:namespace")
            .insert("f:metadata", "f:creationTimestamp").insert("f:metadata", "f:selfLink")
            .insert("f:metadata", "f:uid").insert("f:metadata", "f:generation")
            .insert("f:metadata", "f:managedFields").insert("f:metadata", "f:resourceVersion");
    /** The same with the status, which a resource with a status subresource writes only through it. */
    private static final FieldSet SYSTEM_FIELDS_AND_STATUS = SYSTEM_FIELDS.copy().insert("f:status");

    private final Clock clock;

    public FieldManager(Clock clock) {
        this.clock = clock;
    }

    /**
     * The manager of a write: the {@code fieldManager} parameter, else the User-Agent up to its first {@code /}
     * ({@code kubectl}, {@code fabric8-kubernetes-client}), as Kubernetes defaults it.
     *
     * @throws ApiException 422 Invalid for a manager longer than 128 bytes or with unprintable characters
     */
    public static String managerOf(String fieldManager, String userAgent) {
        if (fieldManager != null && !fieldManager.isEmpty()) {
            validateManager(fieldManager);
            return fieldManager;
        }
        String agent = userAgent == null ? "" : userAgent;
        int slash = agent.indexOf('/');
        String prefix = slash < 0 ? agent : agent.substring(0, slash);
        return prefix.length() > MAX_MANAGER_LENGTH ? prefix.substring(0, MAX_MANAGER_LENGTH) : prefix;
    }

    private static void validateManager(String manager) {
        String problem = null;
        if (manager.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_MANAGER_LENGTH) {
            problem = "Too long: may not be more than " + MAX_MANAGER_LENGTH + " bytes";
        } else if (!manager.codePoints().allMatch(c -> !Character.isISOControl(c) && Character.isDefined(c))) {
            problem = "Invalid value: \"" + manager + "\": must only contain printable characters";
        }
        if (problem != null) {
            throw options(new StatusCause("FieldValueInvalid", problem, "fieldManager"));
        }
    }

    /**
     * Checks the options of an apply patch: a field manager is required.
     *
     * @throws ApiException 422 Invalid, with Kubernetes' PatchOptions message, when {@code fieldManager} is empty
     */
    public static void requireApplyManager(String fieldManager) {
        if (fieldManager == null || fieldManager.isEmpty()) {
            throw options(StatusCause.required("fieldManager", "is required for apply patch"));
        }
    }

    /**
     * Checks that {@code force} is not given on a patch that is not an apply patch.
     *
     * @throws ApiException 422 Invalid as Kubernetes answers
     */
    public static void forbidForce(String force) {
        if (force != null) {
            throw options(StatusCause.forbidden("force", "may not be specified for non-apply patch"));
        }
    }

    private static ApiException options(StatusCause cause) {
        return new ApiException(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: " + cause.describe(),
                new ApiException.Details("", "meta.k8s.io", "PatchOptions", List.of(cause)));
    }

    /**
     * Records a create, update or patch by {@code manager}: the fields it added or changed become its own (its
     * {@code Update} entry for this apiVersion and subresource), other managers lose them, and removed fields
     * leave every set. Writes {@code next}'s {@code metadata.managedFields}. Managed fields the client put in
     * {@code next} replace the live ones (so a client may rewrite or clear them with {@code [{}]}); without them
     * the live ones are kept.
     *
     * @param live        the stored object, or null on create
     * @param subresource {@code status}, {@code scale}, or null for the main resource
     */
    public void update(ResourceDefinition def, ObjectNode live, ObjectNode next, String manager, String subresource) {
        String sub = subresource == null ? "" : subresource;
        JsonNode liveManaged = live == null ? null : Json.at(live, "metadata.managedFields");
        ManagedFields managers = sub.isEmpty() ? ManagedFields.decode(Json.at(next, "metadata.managedFields")) : null;
        boolean fromClient = managers != null && (liveManaged == null || !liveManaged.equals(
                Json.at(next, "metadata.managedFields")));
        if (managers == null || !fromClient) {
            managers = ManagedFields.decode(liveManaged);
        }
        if (managers == null) {
            managers = ManagedFields.empty();
        }
        FieldType type = FieldType.of(def.modelClass());
        FieldSet ignore = ignored(def, sub, live, next);
        FieldWalks.Comparison cmp = FieldWalks.compare(live == null ? Json.object() : live, next, type, ignore);
        if (cmp.isSame() && !fromClient) {
            setManagedFields(next, liveManaged);
            return;
        }
        FieldSet changed = cmp.changed();
        for (ManagedFields.Entry e : managers.entries()) {
            if (e.ownsAny(changed) || e.ownsAny(cmp.removed())) {
                e.replaceSet(e.set().difference(changed).difference(cmp.removed()));
            }
        }
        if (!changed.isEmpty()) {
            String id = ManagedFields.Entry.identity(manager, ManagedFields.UPDATE, sub, def.apiVersion());
            ManagedFields.Entry self = managers.get(id);
            if (self == null) {
                self = new ManagedFields.Entry(manager, ManagedFields.UPDATE, sub, def.apiVersion(), now(), changed);
                managers.put(self);
            } else {
                self.replaceSet(self.set().union(changed));
                self.touch(now());
            }
        }
        managers.dropEmpty();
        managers.capUpdates(MAX_UPDATE_MANAGERS);
        setManagedFields(next, managers.encode());
    }

    /**
     * Server-side apply of {@code config} by {@code manager}: merges it into {@code live} (or creates from it when
     * {@code live} is null), removes fields the manager applied before and no longer applies unless another
     * manager owns them, and checks conflicts: a field the apply changes that another manager owns fails the
     * apply with 409 Conflict unless {@code force}, which takes the field over.
     *
     * @return the object to store, with its managedFields
     * @throws ApiException 409 Conflict (causes of type FieldManagerConflict), 400 for an unusable configuration
     */
    public ObjectNode apply(ResourceDefinition def, ObjectNode live, ObjectNode config, String manager,
            String subresource, boolean force) {
        String sub = subresource == null ? "" : subresource;
        if (Json.at(config, "metadata.managedFields") != null) {
            throw ApiException.badRequest("metadata.managedFields must be nil");
        }
        FieldType type = FieldType.of(def.modelClass());
        ObjectNode base = live == null ? Json.object() : live;
        FieldSet ignore = ignored(def, sub, base, config);
        ObjectNode applied = config.deepCopy();
        // Top-level parts this endpoint does not write (status on the main resource, all but status on /status).
        for (String k : new ArrayList<>(applied.propertyNames())) {
            FieldSet ig = ignore.child(PathElements.field(k));
            if (ig != null && ig.isMember() && !k.equals("apiVersion") && !k.equals("kind")) {
                applied.remove(k);
            }
        }
        ManagedFields managers = ManagedFields.decode(live == null ? null : Json.at(live, "metadata.managedFields"));
        if (managers == null) {
            managers = ManagedFields.empty();
            if (live != null) {
                // An object nobody is recorded for (written before fields were tracked, or cleared): Kubernetes
                // gives everything it holds to a placeholder Update manager, so the first apply cannot silently
                // overwrite values.
                managers.put(new ManagedFields.Entry(BEFORE_FIRST_APPLY, ManagedFields.UPDATE, sub,
                        def.apiVersion(), "", FieldWalks.toFieldSet(live, type, ignore)));
            }
        }
        String id = ManagedFields.Entry.identity(manager, ManagedFields.APPLY, sub, def.apiVersion());
        ManagedFields.Entry previous = managers.get(id);
        FieldSet lastSet = previous == null ? null : previous.set();
        FieldSet newSet = FieldWalks.toFieldSet(applied, type, ignore);
        ObjectNode merged = (ObjectNode) FieldWalks.merge(base, applied, type, new ArrayList<>());
        ManagedFields.Entry self = new ManagedFields.Entry(manager, ManagedFields.APPLY, sub, def.apiVersion(),
                previous == null ? now() : previous.time, newSet);
        managers.put(self);
        if (lastSet != null) {
            FieldWalks.prune(merged, type, lastSet.difference(newSet), managers.owned());
        }
        FieldWalks.Comparison cmp = FieldWalks.compare(base, merged, type, ignore);
        FieldSet changed = cmp.changed();
        Map<String, List<List<String>>> conflicts = new TreeMap<>();
        for (ManagedFields.Entry e : managers.entries()) {
            if (e == self || !e.set().intersects(changed)) {
                continue;
            }
            FieldSet taken = e.set().intersection(changed);
            conflicts.computeIfAbsent(e.describe(), k -> new ArrayList<>()).addAll(taken.paths());
            e.replaceSet(e.set().difference(taken));
        }
        if (!conflicts.isEmpty() && !force) {
            FieldSet allowed = "kubectl".equals(manager) ? clientSideApplied(live, type, ignore) : null;
            if (allowed != null) {
                conflicts.values().forEach(paths -> paths.removeIf(allowed::has));
                conflicts.values().removeIf(List::isEmpty);
            }
            if (!conflicts.isEmpty()) {
                throw conflict(conflicts);
            }
        }
        for (ManagedFields.Entry e : managers.entries()) {
            if (e != self && e.set().intersects(cmp.removed())) {
                e.replaceSet(e.set().difference(cmp.removed()));
            }
        }
        if (!cmp.isSame()) {
            self.touch(now());
        }
        managers.dropEmpty();
        managers.capUpdates(MAX_UPDATE_MANAGERS);
        if ("kubectl".equals(manager) && live != null) {
            keepLastAppliedCurrent(merged, config);
        }
        setManagedFields(merged, managers.encode());
        return merged;
    }

    /**
     * The fields kubectl's client-side apply annotation sets to what the live object holds: a server-side apply by
     * {@code kubectl} may take them without force, so that moving from {@code kubectl apply} to
     * {@code kubectl apply --server-side} does not conflict with {@code kubectl-client-side-apply} (kubectl then
     * migrates the ownership itself). Null when there is no usable annotation.
     */
    private static FieldSet clientSideApplied(ObjectNode live, FieldType type, FieldSet ignore) {
        JsonNode annotations = live == null ? null : Json.at(live, "metadata.annotations");
        JsonNode text = annotations == null ? null : annotations.get(LAST_APPLIED);
        if (text == null || !text.isString() || text.stringValue().isEmpty()) {
            return null;
        }
        ObjectNode lastApplied;
        try {
            lastApplied = Json.parseTrusted(text.stringValue());
        } catch (RuntimeException e) {
            return null;
        }
        FieldWalks.Comparison differs = FieldWalks.compare(lastApplied, live, type, ignore);
        return FieldWalks.toFieldSet(lastApplied, type, ignore).difference(differs.modified())
                .difference(differs.added()).difference(differs.removed());
    }

    /**
     * A server-side apply by {@code kubectl} rewrites an existing client-side apply annotation with the applied
     * configuration, as Kubernetes does, so that a later client-side apply computes its diff from it.
     */
    private static void keepLastAppliedCurrent(ObjectNode merged, ObjectNode config) {
        JsonNode annotations = Json.at(merged, "metadata.annotations");
        if (!(annotations instanceof ObjectNode a) || !a.has(LAST_APPLIED)) {
            return;
        }
        ObjectNode copy = config.deepCopy();
        JsonNode own = Json.at(copy, "metadata.annotations");
        if (own instanceof ObjectNode o) {
            o.remove(LAST_APPLIED);
            if (o.isEmpty()) {
                ((ObjectNode) copy.get("metadata")).remove("annotations");
            }
        }
        a.put(LAST_APPLIED, Json.string(copy));
    }

    /** Kubernetes' conflict error: one line for one conflict, a list per manager otherwise. */
    static ApiException conflict(Map<String, List<List<String>>> byManager) {
        List<StatusCause> causes = new ArrayList<>();
        int count = 0;
        StringBuilder list = new StringBuilder();
        for (Map.Entry<String, List<List<String>>> e : byManager.entrySet()) {
            list.append(list.isEmpty() ? "" : "\n").append("conflicts with ").append(e.getKey()).append(':');
            for (List<String> path : e.getValue()) {
                String rendered = PathElements.render(path);
                causes.add(new StatusCause("FieldManagerConflict", "conflict with " + e.getKey(), rendered));
                list.append("\n- ").append(rendered);
                count++;
            }
        }
        String message = count == 1
                ? "Apply failed with 1 conflict: " + causes.get(0).message() + ": " + causes.get(0).field()
                : "Apply failed with " + count + " conflicts: " + list;
        return new ApiException(409, "Conflict", message, new ApiException.Details(null, null, null, causes));
    }

    /** The paths no manager of this endpoint owns: system metadata, and the parts another endpoint writes. */
    private static FieldSet ignored(ResourceDefinition def, String sub, ObjectNode a, ObjectNode b) {
        if (!sub.equals("status")) {
            // Shared, never written to: the walks only read the sets they are given to ignore.
            return def.hasSubresource("status") ? SYSTEM_FIELDS_AND_STATUS : SYSTEM_FIELDS;
        }
        FieldSet ignore = SYSTEM_FIELDS.copy();
        for (ObjectNode o : new ObjectNode[] {a, b}) {
            if (o != null) {
                for (String k : o.propertyNames()) {
                    if (!k.equals("status")) {
                        ignore.insert(PathElements.field(k));
                    }
                }
            }
        }
        return ignore;
    }

    private static void setManagedFields(ObjectNode obj, JsonNode managed) {
        ObjectNode meta = Json.metadata(obj);
        if (managed == null || managed instanceof ArrayNode a && a.isEmpty()) {
            meta.remove("managedFields");
        } else {
            meta.set("managedFields", managed);
        }
    }

    private String now() {
        return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
