package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.registry.NameValidation;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.serialization.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Kubernetes' object metadata semantics on create and update: names and generateName, uid, creationTimestamp,
 * generation, immutable fields, label validation, and the type's strategy. Stateless apart from the clock and the
 * random source; thread-safe.
 */
final class ObjectLifecycle {

    /** The alphabet of generateName suffixes: no vowels, no look-alike characters (as Kubernetes). */
    private static final String SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789";
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern QUALIFIED_NAME = Pattern.compile(
            "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");

    private final Clock clock;
    private final RandomGenerator random;

    ObjectLifecycle(Clock clock, RandomGenerator random) {
        this.clock = clock;
        this.random = random;
    }

    String now() {
        return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /**
     * Prepares a new object for storage: namespace, name (generateName), system fields, strategy defaults, then
     * validation.
     *
     * @throws ApiException 400 for namespace mismatches or a resourceVersion, 422 Invalid for bad fields
     */
    void prepareCreate(ResourceDefinition def, String urlNamespace, ObjectNode obj) {
        ObjectNode meta = Json.metadata(obj);
        if (def.namespaced()) {
            String bodyNs = Json.text(meta, "namespace");
            if (bodyNs != null && !bodyNs.isEmpty() && urlNamespace != null && !bodyNs.equals(urlNamespace)) {
                throw ApiException.badRequest("the namespace of the provided object does not match the namespace "
                        + "sent on the request");
            }
            meta.put("namespace", urlNamespace != null ? urlNamespace : bodyNs);
        } else {
            meta.remove("namespace");
        }
        String rv = Json.text(meta, "resourceVersion");
        if (rv != null && !rv.isEmpty()) {
            throw ApiException.badRequest("resourceVersion should not be set on objects to be created");
        }
        String name = Json.text(meta, "name");
        String generateName = Json.text(meta, "generateName");
        if ((name == null || name.isEmpty()) && generateName != null && !generateName.isEmpty()) {
            name = generateName + suffix();
            meta.put("name", name);
        }
        meta.put("uid", io.kaji.apiserver.serialization.RandomUids.next());
        meta.put("creationTimestamp", now());
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        meta.remove("selfLink");
        if (def.strategy().tracksGeneration()) {
            meta.put("generation", 1);
        } else {
            meta.remove("generation");
        }
        def.strategy().prepareForCreate(obj);
        validate(def, obj, null);
    }

    /**
     * Prepares an update of {@code old} to {@code obj}: keeps the system fields, bumps generation on spec changes,
     * keeps status when it has its own subresource, applies the strategy and validates.
     */
    void prepareUpdate(ResourceDefinition def, ObjectNode obj, ObjectNode old) {
        ObjectNode meta = Json.metadata(obj);
        ObjectNode oldMeta = Json.metadata(old);
        for (String f : List.of("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                "namespace", "name")) {
            JsonNode v = oldMeta.get(f);
            if (v == null) {
                meta.remove(f);
            } else {
                meta.set(f, v.deepCopy());
            }
        }
        meta.remove("selfLink");
        meta.set("resourceVersion", oldMeta.get("resourceVersion"));
        if (def.hasSubresource("status")) {
            JsonNode status = old.get("status");
            if (status == null) {
                obj.remove("status");
            } else {
                obj.set("status", status.deepCopy());
            }
        }
        def.strategy().prepareForUpdate(obj, old);
        if (def.strategy().tracksGeneration()) {
            long gen = Json.longAt(old, "metadata.generation", 1);
            boolean statusCounts = !def.hasSubresource("status") && def.strategy().statusChangesGeneration()
                    && !java.util.Objects.equals(obj.get("status"), old.get("status"));
            meta.put("generation", specChanged(obj, old) || statusCounts ? gen + 1 : gen);
        }
        validate(def, obj, old);
    }

    /** True when anything outside metadata and status differs. */
    static boolean specChanged(ObjectNode a, ObjectNode b) {
        ObjectNode x = a.deepCopy();
        ObjectNode y = b.deepCopy();
        for (ObjectNode o : List.of(x, y)) {
            o.remove("metadata");
            o.remove("status");
        }
        return !x.equals(y);
    }

    /** Validates {@code obj}, created ({@code old} null) or replacing {@code old}. */
    private void validate(ResourceDefinition def, ObjectNode obj, ObjectNode old) {
        List<StatusCause> causes = new ArrayList<>();
        ObjectNode meta = Json.metadata(obj);
        String name = Json.text(meta, "name");
        if (name == null || name.isEmpty()) {
            causes.add(StatusCause.required("metadata.name", "name or generateName is required"));
        } else {
            String problem = NameValidation.check(name, def.strategy().nameRule());
            if (problem != null) {
                causes.add(StatusCause.invalid("metadata.name", name, problem));
            }
        }
        if (def.namespaced()) {
            String ns = Json.text(meta, "namespace");
            if (ns == null || ns.isEmpty()) {
                causes.add(StatusCause.required("metadata.namespace", ""));
            }
        }
        JsonNode labels = meta.get("labels");
        if (labels != null && labels.isObject()) {
            for (Map.Entry<String, JsonNode> e : labels.properties()) {
                if (!QUALIFIED_NAME.matcher(e.getKey()).matches()) {
                    causes.add(StatusCause.invalid("metadata.labels", e.getKey(),
                            "name part " + NameValidation.QUALIFIED_NAME_MESSAGE));
                }
                String v = e.getValue().isString() ? e.getValue().stringValue() : e.getValue().toString();
                if (v.length() > 63) {
                    causes.add(StatusCause.invalid("metadata.labels", v, "must be no more than 63 characters"));
                } else if (!LABEL_VALUE.matcher(v).matches()) {
                    causes.add(StatusCause.invalid("metadata.labels", v, "a valid label must be an empty string or "
                            + "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                            + "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
                            + "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
                }
            }
        }
        causes.addAll(def.strategy().validate(obj));
        if (old == null) {
            causes.addAll(def.strategy().validateCreate(obj));
        } else {
            causes.addAll(def.strategy().validateUpdate(obj, old));
        }
        if (!causes.isEmpty()) {
            throw ApiException.invalid(def.kind(), def.group(), name, causes);
        }
    }

    private String suffix() {
        StringBuilder sb = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            sb.append(SUFFIX_CHARS.charAt(random.nextInt(SUFFIX_CHARS.length())));
        }
        return sb.toString();
    }
}
