package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ScaleMapping;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.table.Cells;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The {@code scale} (autoscaling/v1 Scale) and {@code binding} subresources. */
final class Subresources {

    private final ObjectStorage storage;
    private final ObjectLifecycle lifecycle;
    private final io.kaji.apiserver.apply.FieldManager fieldManager;

    Subresources(ObjectStorage storage, ObjectLifecycle lifecycle, io.kaji.apiserver.apply.FieldManager fieldManager) {
        this.storage = storage;
        this.lifecycle = lifecycle;
        this.fieldManager = fieldManager;
    }

    /** The Scale view of a workload. */
    static ObjectNode scaleOf(ResourceDefinition def, ObjectNode obj) {
        ObjectNode s = Json.object();
        s.put("kind", "Scale");
        s.put("apiVersion", "autoscaling/v1");
        ObjectNode meta = s.putObject("metadata");
        for (String f : new String[] {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
            JsonNode v = Json.at(obj, "metadata." + f);
            if (v != null) {
                meta.set(f, v);
            }
        }
        ScaleMapping mapping = def.strategy().scale();
        if (mapping != null) {
            return customScale(s, mapping, obj);
        }
        s.putObject("spec").put("replicas", Json.longAt(obj, "spec.replicas", 1));
        ObjectNode status = s.putObject("status");
        status.put("replicas", Json.longAt(obj, "status.replicas", 0));
        String selector = Cells.selector(Json.at(obj, "spec.selector"));
        if (!selector.equals(Cells.NONE)) {
            status.put("selector", selector);
        }
        return s;
    }

    /** A custom resource's Scale: replicas read from the CRD's paths (0 when absent), the selector as stored. */
    private static ObjectNode customScale(ObjectNode s, ScaleMapping mapping, ObjectNode obj) {
        JsonNode spec = at(obj, mapping.specReplicasPath());
        s.putObject("spec").put("replicas", spec != null && spec.isIntegralNumber() ? spec.asLong() : 0);
        ObjectNode status = s.putObject("status");
        JsonNode observed = at(obj, mapping.statusReplicasPath());
        status.put("replicas", observed != null && observed.isIntegralNumber() ? observed.asLong() : 0);
        if (mapping.labelSelectorPath() != null) {
            JsonNode selector = at(obj, mapping.labelSelectorPath());
            if (selector != null && selector.isString()) {
                status.put("selector", selector.stringValue());
            }
        }
        return s;
    }

    private static JsonNode at(ObjectNode obj, String path) {
        JsonNode n = obj;
        for (String seg : ScaleMapping.segments(path)) {
            n = n == null ? null : n.get(seg);
        }
        return n;
    }

    /** Writes the desired replicas where the resource keeps them. */
    private static void setReplicas(ResourceDefinition def, ObjectNode obj, long replicas) {
        ScaleMapping mapping = def.strategy().scale();
        if (mapping == null) {
            Json.objectAt(obj, "spec").put("replicas", replicas);
            return;
        }
        String[] segs = ScaleMapping.segments(mapping.specReplicasPath());
        ObjectNode parent = obj;
        for (int i = 0; i < segs.length - 1; i++) {
            parent = Json.objectAt(parent, segs[i]);
        }
        parent.put(segs[segs.length - 1], replicas);
    }

    /** PUT (patchType null) or PATCH of {@code /scale}. */
    ApiResponse updateScale(ResourceDefinition def, String ns, String name, ApiRequest req, String patchType) {
        boolean dryRun = Requests.dryRun(req);
        String manager = Requests.fieldManager(req);
        JsonNode body = patchType == null ? Json.parseObject(req.body()) : null;
        Patches.Kind kind = patchType == null ? null : Patches.kind(patchType);
        JsonNode patch = kind == null ? null : Patches.parse(kind, req.body());
        ObjectStorage.Result r = storage.update(def, ns, name, dryRun, current -> {
            ObjectNode scale = scaleOf(def, current);
            ObjectNode desired = kind == null ? (ObjectNode) body : Patches.apply(kind, scale, patch);
            String rv = Json.text(desired, "metadata.resourceVersion");
            if (rv != null && !rv.isEmpty() && !rv.equals(Json.text(current, "metadata.resourceVersion"))) {
                throw ApiException.modified(def.plural(), def.group(), name);
            }
            JsonNode replicas = Json.at(desired, "spec.replicas");
            if (replicas == null || !replicas.isIntegralNumber()) {
                return current;
            }
            if (replicas.asLong() < 0) {
                throw ApiException.invalid("Scale", "autoscaling", name, java.util.List.of(
                        io.kaji.apiserver.errors.StatusCause.invalid("spec.replicas", replicas.asLong(),
                                "must be greater than or equal to 0")));
            }
            ObjectNode next = current.deepCopy();
            setReplicas(def, next, replicas.asLong());
            lifecycle.prepareUpdate(def, next, current);
            fieldManager.update(def, current, next, manager, "scale");
            return next;
        });
        return ApiResponse.json(200, scaleOf(def, r.object()));
    }

    /** POST {@code pods/<name>/binding}: assigns the pod to a node, once. */
    ApiResponse bind(ResourceDefinition def, String ns, String name, ApiRequest req) {
        ObjectNode binding = Json.parseObject(req.body());
        String node = Json.text(binding, "target.name");
        if (node == null || node.isEmpty()) {
            throw ApiException.invalid("Binding", "", name, java.util.List.of(
                    io.kaji.apiserver.errors.StatusCause.required("target.name", "")));
        }
        storage.update(def, ns, name, Requests.dryRun(req), current -> {
            String assigned = Json.text(current, "spec.nodeName");
            if (assigned != null && !assigned.isEmpty()) {
                throw new ApiException(409, "Conflict", "Operation cannot be fulfilled on pods/binding \"" + name
                        + "\": pod " + name + " is already assigned to node \"" + assigned + "\"",
                        new ApiException.Details(name, "", "pods/binding", null));
            }
            if (Json.at(current, "metadata.deletionTimestamp") != null) {
                throw new ApiException(409, "Conflict", "Operation cannot be fulfilled on pods/binding \"" + name
                        + "\": pod " + name + " is being deleted, cannot be assigned to a host",
                        new ApiException.Details(name, "", "pods/binding", null));
            }
            if (!current.path("spec").path("schedulingGates").isEmpty()) {
                throw new ApiException(409, "Conflict", "Operation cannot be fulfilled on pods/binding \"" + name
                        + "\": pod " + name + " has non-empty .spec.schedulingGates",
                        new ApiException.Details(name, "", "pods/binding", null));
            }
            Json.objectAt(current, "spec").put("nodeName", node);
            var conditions = Json.objectAt(current, "status").withArray("conditions");
            for (int i = conditions.size() - 1; i >= 0; i--) {
                if ("PodScheduled".equals(Json.text(conditions.get(i), "type"))) {
                    conditions.remove(i);
                }
            }
            ObjectNode scheduled = conditions.addObject();
            scheduled.put("type", "PodScheduled");
            scheduled.put("status", "True");
            scheduled.put("lastTransitionTime", lifecycle.now());
            return current;
        });
        ObjectNode s = Json.object();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Success");
        s.put("code", 201);
        return ApiResponse.json(201, s);
    }
}
