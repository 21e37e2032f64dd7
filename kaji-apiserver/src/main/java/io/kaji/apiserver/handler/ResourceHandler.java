package io.kaji.apiserver.handler;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.AdmissionChain;
import io.kaji.apiserver.admission.AdmissionOptions;
import io.kaji.apiserver.admission.AdmissionPlugins;
import io.kaji.apiserver.apply.AppliedConfiguration;
import io.kaji.apiserver.apply.FieldManager;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.http.Exchange;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.registry.VirtualResource;
import io.kaji.apiserver.schema.FieldValidation;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.MediaTypes;
import io.kaji.apiserver.table.TableConverter;
import io.kaji.apiserver.watchcache.WatchCache;
import io.kaji.store.RevisionedStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one generic REST handler: every verb on every registered resource, driven by its
 * {@link ResourceDefinition}. Reads of single objects go to the store; lists and watches to the watch cache.
 * Thread-safe; methods block on the store and must run on worker (virtual) threads.
 */
public final class ResourceHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ResourceHandler.class);
    /** Namespaces Kubernetes refuses to delete (NamespaceLifecycle's immortal namespaces). */
    private static final Set<String> PROTECTED_NAMESPACES = Set.of("default", "kube-system", "kube-public",
            "kube-node-lease");
    /** The finalizers through which the garbage collector carries out Foreground and Orphan deletions. */
    public static final String FOREGROUND_FINALIZER = "foregroundDeletion";
    public static final String ORPHAN_FINALIZER = "orphan";

    private final ResourceRegistry registry;
    private final ObjectStorage storage;
    private final ObjectLifecycle lifecycle;
    private final TableConverter tables;
    private final Lists lists;
    private final Subresources subresources;
    private final PodLogs podLogs;
    private final NodeProxy nodeProxy;
    private final PodStreams podStreams;
    private final Evictions evictions;
    private final Clock clock;
    private final FieldManager fieldManager;
    private volatile WriteCheck writeCheck = WriteCheck.NONE;
    private final AdmissionObjects admissionObjects;
    private final ResourceMetrics metrics;
    private volatile AdmissionChain admission = AdmissionChain.empty();
    private volatile NamespaceDefaults namespaceDefaults;

    public ResourceHandler(ResourceRegistry registry, RevisionedStore store, WatchCache cache, Clock clock,
            ScheduledExecutorService timer) {
        this.registry = registry;
        this.storage = new ObjectStorage(store, cache);
        this.clock = clock;
        this.lifecycle = new ObjectLifecycle(clock, RandomGenerator.getDefault());
        this.fieldManager = new FieldManager(clock);
        this.tables = new TableConverter(clock);
        this.lists = new Lists(cache, storage, tables, timer);
        this.subresources = new Subresources(storage, lifecycle, fieldManager);
        this.podLogs = new PodLogs(registry, storage);
        this.nodeProxy = new NodeProxy(storage);
        this.podStreams = new PodStreams(registry, storage);
        this.evictions = new Evictions(registry, storage, cache, clock);
        this.admissionObjects = new AdmissionObjects(registry, storage, lists, cache, clock);
        this.metrics = new ResourceMetrics(admissionObjects, clock);
    }

    /**
     * Runs the admission plugins {@code options} enables on every create, update and patch (until called, nothing
     * is admitted or denied beyond the handler's own checks). Call once at start.
     *
     * @throws IllegalArgumentException for an unknown plugin name
     */
    public void useAdmission(AdmissionOptions options) {
        this.admission = AdmissionPlugins.chain(options, admissionObjects);
    }

    /**
     * Lets {@code pods/log}, {@code exec}, {@code attach}, {@code portforward} and {@code nodes/proxy} reach node agents through {@code agents}; until called, it answers 503. Call once
     * at start, e.g. {@code connectAgents(new AgentClient(AgentCredentials.issue(pki), Duration.ofSeconds(5)))}.
     */
    public void connectAgents(io.kaji.apiserver.nodeproxy.AgentClient agents) {
        podLogs.connect(agents);
        nodeProxy.connect(agents);
        metrics.connect(agents);
        podStreams.connect(agents);
    }

    /**
     * Gives every namespace its {@code default} ServiceAccount and {@code kube-root-ca.crt} ConfigMap (holding
     * {@code caPem}) when it is created, and now to every namespace that lacks them. Call once at start.
     */
    public void seedNamespaces(String caPem) {
        NamespaceDefaults defaults = new NamespaceDefaults(registry, storage, lifecycle, caPem);
        ResourceDefinition namespaces = registry.find("", "v1", "namespaces").orElseThrow();
        var range = storage.store().range(io.kaji.store.RangeRequest.prefix(namespaces.keyPrefix()));
        for (var kv : range.kvs()) {
            String key = kv.key();
            String name = key.substring(key.lastIndexOf('/') + 1);
            // A Terminating namespace is being emptied: putting its defaults back would only undo that.
            boolean terminating = storage.find(namespaces, null, name)
                    .map(ns -> Json.at(ns, "metadata.deletionTimestamp") != null).orElse(true);
            if (!terminating) {
                defaults.ensure(name);
            }
        }
        this.namespaceDefaults = defaults;
    }

    /** Runs {@code check} on every object about to be created or updated (RBAC escalation prevention, ...). */
    public void checkWrites(WriteCheck check) {
        this.writeCheck = check;
    }

    /** Serves one resource request. Errors are thrown as {@link ApiException} for the caller to render. */
    public void handle(RequestInfo info, ApiRequest req, Exchange ex) {
        ex.identify(req.user());
        ResourceDefinition def = registry.find(info.group(), info.version(), info.resource())
                .orElseThrow(ApiException::notFoundPath);
        if (info.namespace() != null && !def.namespaced()) {
            throw ApiException.notFoundPath();
        }
        String sub = info.subresource();
        if (sub != null && !def.hasSubresource(sub)) {
            throw ApiException.notFoundPath();
        }
        String ns = info.namespace();
        String name = info.name();
        if (def.namespaced() && name != null && ns == null) {
            throw ApiException.notFoundPath();
        }
        if ("log".equals(sub) && !req.method().equals("GET")) {
            throw ApiException.methodNotAllowed();
        }
        if (def.strategy() instanceof io.kaji.apiserver.registry.ComputedResource) {
            ex.respond(metrics.serve(def, ns, name, req));
            return;
        }
        if ("proxy".equals(sub) && def.group().isEmpty() && def.plural().equals("nodes") && name != null) {
            ex.respond(nodeProxy.serve(def, name, req));
            return;
        }
        if (PodStreams.serves(sub) && name != null) {
            podStreams.serve(def, ns, name, sub, req, ex);
            return;
        }
        if (def.strategy() instanceof VirtualResource && !(req.method().equals("POST") && name == null)) {
            throw ApiException.methodNotAllowed();
        }
        switch (req.method()) {
            case "GET" -> {
                if (name == null) {
                    if (info.watchPath() || req.flag("watch")) {
                        lists.watch(def, ns, req, ex);
                    } else {
                        ex.respond(lists.list(def, ns, req));
                    }
                } else if ("scale".equals(sub)) {
                    ex.respond(ApiResponse.json(200, Subresources.scaleOf(def, storage.get(def, ns, name))));
                } else if ("log".equals(sub)) {
                    podLogs.serve(def, ns, name, req, ex);
                } else {
                    ex.respond(single(def, storage.get(def, ns, name), req, 200, List.of()));
                }
            }
            case "POST" -> {
                if (name == null) {
                    create(def, ns, req, ex);
                } else if ("binding".equals(sub)) {
                    ex.respond(subresources.bind(def, ns, name, req));
                } else if ("eviction".equals(sub)) {
                    admitOrThrow(new AdmissionAttributes(AdmissionAttributes.Operation.CREATE, def.group(),
                            def.version(), def.kind(), def.plural(), "eviction", ns, name, null, null, req.user(),
                            Requests.dryRun(req)));
                    delete(def, ns, name, evictions.admit(def, ns, name, req), req);
                    ex.respond(ApiResponse.json(201, Evictions.success()));
                } else {
                    throw ApiException.methodNotAllowed();
                }
            }
            case "PUT" -> {
                requireName(name);
                if ("scale".equals(sub)) {
                    ex.respond(subresources.updateScale(def, ns, name, req, null));
                } else {
                    replace(def, ns, name, sub, req, ex);
                }
            }
            case "PATCH" -> {
                requireName(name);
                if ("scale".equals(sub)) {
                    ex.respond(subresources.updateScale(def, ns, name, req, req.header("Content-Type")));
                } else {
                    patch(def, ns, name, sub, req, ex);
                }
            }
            case "DELETE" -> {
                if (name == null) {
                    if (!def.verbs().contains("deletecollection")) {
                        throw ApiException.methodNotAllowed();
                    }
                    ex.respond(deleteCollection(def, ns, req));
                } else if (sub == null) {
                    ex.respond(delete(def, ns, name, DeleteOptions.from(req), req));
                } else {
                    throw ApiException.methodNotAllowed();
                }
            }
            default -> throw ApiException.methodNotAllowed();
        }
    }

    private static void requireName(String name) {
        if (name == null) {
            throw ApiException.methodNotAllowed();
        }
    }

    private ApiResponse single(ResourceDefinition def, ObjectNode obj, ApiRequest req, int status,
            List<String> warnings) {
        String accept = req.header("Accept");
        if (MediaTypes.wantsTable(accept)) {
            ObjectNode table = tables.table(def.columns(), List.of(obj), null, null,
                    TableConverter.IncludeObject.parse(req.param("includeObject")), MediaTypes.tableVersion(accept),
                    true);
            return ApiResponse.json(status, table, warnings);
        }
        String partial = MediaTypes.partialObjectMetadataVersion(accept);
        if (partial != null) {
            return ApiResponse.json(status, PartialMetadata.of(obj, partial), warnings);
        }
        return ApiResponse.json(status, obj, warnings);
    }

    private void create(ResourceDefinition def, String ns, ApiRequest req, Exchange ex) {
        if (def.namespaced() && ns == null) {
            throw ApiException.methodNotAllowed();
        }
        FieldValidation.Mode mode = Requests.fieldValidation(req);
        ObjectDecoder.Decoded decoded = ObjectDecoder.decode(def, req.header("Content-Type"), req.body(), mode);
        ObjectNode obj = decoded.object();
        if (def.strategy() instanceof VirtualResource virtual) {
            if (def.namespaced()) {
                // As for stored objects: the URL's namespace, and a different one in the body is refused.
                String own = Json.text(obj, "metadata.namespace");
                if (own != null && !own.isEmpty() && !own.equals(ns)) {
                    throw ApiException.badRequest("the namespace of the provided object does not match the "
                            + "namespace sent on the request");
                }
                Json.metadata(obj).put("namespace", ns);
            }
            def.strategy().prepareForCreate(obj);
            ex.respond(ApiResponse.json(201, virtual.answer(obj, req.user()), decoded.warnings()));
            return;
        }
        insert(def, ns, obj, decoded.warnings(), Requests.fieldManager(req), req, ex);
    }

    /**
     * Creates a decoded object: system metadata, checks, its managedFields as an Update by {@code manager} (null
     * when a server-side apply has recorded them already), admission, then the store. The fields are recorded before
     * admission, as kube-apiserver's create handler does: what mutating admission adds (the service-account token
     * volume with its random name, default tolerations, priority) belongs to no manager.
     */
    private void insert(ResourceDefinition def, String ns, ObjectNode obj, List<String> decodeWarnings,
            String manager, ApiRequest req, Exchange ex) {
        boolean dryRun = Requests.dryRun(req);
        lifecycle.prepareCreate(def, ns, obj);
        String name = Json.text(obj, "metadata.name");
        writeCheck.check(def, ns, obj, null, req.user());
        if (manager != null) {
            fieldManager.update(def, null, obj, manager, null);
        }
        List<String> warnings = new java.util.ArrayList<>(decodeWarnings);
        warnings.addAll(admit(AdmissionAttributes.Operation.CREATE, def, null, ns, name, obj, null, req, ex));
        ObjectStorage.Created created = dryRun ? new ObjectStorage.Created(obj, null)
                : storage.createServed(def, ns, name, obj);
        NamespaceDefaults defaults = namespaceDefaults;
        if (!dryRun && defaults != null && def.group().isEmpty() && def.plural().equals("namespaces")) {
            defaults.ensure(name);
        }
        LOG.debug("created {} {}/{}", def.qualifiedName(), ns, name);
        if (created.json() != null && !MediaTypes.wantsTable(req.header("Accept"))
                && MediaTypes.partialObjectMetadataVersion(req.header("Accept")) == null) {
            ex.respond(new ApiResponse(201, MediaTypes.JSON, created.json(), warnings));
        } else {
            ex.respond(single(def, created.object(), req, 201, warnings));
        }
    }

    /**
     * Runs the admission chain (NamespaceLifecycle refuses content in missing or terminating namespaces, PodSecurity
     * checks pods, ...): {@code object} may be changed by mutating plugins; audit annotations go to the exchange; a
     * denial is thrown. Returns the warnings for the client.
     */
    private List<String> admit(AdmissionAttributes.Operation op, ResourceDefinition def, String sub, String ns,
            String name, ObjectNode object, ObjectNode old, ApiRequest req, Exchange ex) {
        AdmissionChain.Outcome outcome = admission.admit(new AdmissionAttributes(op, def.group(), def.version(),
                def.kind(), def.plural(), sub, ns, name, object, old, req.user(), Requests.dryRun(req)));
        outcome.annotations().forEach(ex::annotate);
        if (outcome.denial() != null) {
            throw outcome.denial();
        }
        return outcome.warnings();
    }

    /** Runs the chain for a request without an object to return (delete, eviction); a denial is thrown. */
    private void admitOrThrow(AdmissionAttributes attributes) {
        AdmissionChain.Outcome outcome = admission.admit(attributes);
        if (outcome.denial() != null) {
            throw outcome.denial();
        }
    }

    private void replace(ResourceDefinition def, String ns, String name, String sub, ApiRequest req, Exchange ex) {
        FieldValidation.Mode mode = Requests.fieldValidation(req);
        ObjectDecoder.Decoded decoded = ObjectDecoder.decode(def, req.header("Content-Type"), req.body(), mode);
        ObjectNode body = decoded.object();
        String bodyName = Json.text(body, "metadata.name");
        if (bodyName != null && !bodyName.equals(name)) {
            throw ApiException.badRequest("the name of the object (" + bodyName + ") does not match the name on "
                    + "the URL (" + name + ")");
        }
        String bodyNs = Json.text(body, "metadata.namespace");
        if (def.namespaced() && bodyNs != null && !bodyNs.isEmpty() && !bodyNs.equals(ns)) {
            throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent "
                    + "on the request");
        }
        List<String> admissionWarnings = new java.util.ArrayList<>();
        ObjectStorage.Result r = write(def, ns, name, sub, Requests.dryRun(req), req, Requests.fieldManager(req),
                current -> body.deepCopy(),
                (next, current) -> {
                    admissionWarnings.clear();
                    admissionWarnings.addAll(admit(AdmissionAttributes.Operation.UPDATE, def, sub, ns, name, next,
                            current, req, ex));
                });
        List<String> warnings = new java.util.ArrayList<>(decoded.warnings());
        warnings.addAll(admissionWarnings);
        ex.respond(single(def, r.object(), req, 200, warnings));
    }

    private void patch(ResourceDefinition def, String ns, String name, String sub, ApiRequest req, Exchange ex) {
        FieldValidation.Mode mode = Requests.fieldValidation(req);
        String contentType = req.header("Content-Type");
        Patches.Kind kind = Patches.kind(contentType);
        if (kind == Patches.Kind.STRATEGIC && !def.strategy().acceptsStrategicMergePatch()) {
            throw Patches.strategicNotSupported(contentType);
        }
        if (kind == Patches.Kind.APPLY) {
            applyPatch(def, ns, name, sub, req, ex);
            return;
        }
        FieldManager.forbidForce(req.param("force"));
        var patchBody = Patches.parse(kind, req.body());
        List<String> warnings = new java.util.ArrayList<>();
        ObjectStorage.Result r = write(def, ns, name, sub, Requests.dryRun(req), req, Requests.fieldManager(req),
                current -> {
            ObjectNode patched = Patches.apply(kind, current, patchBody);
            ObjectDecoder.Decoded d = ObjectDecoder.admit(def, patched, mode);
            warnings.clear();
            warnings.addAll(d.warnings());
            return d.object();
        }, (next, current) -> warnings.addAll(admit(AdmissionAttributes.Operation.UPDATE, def, sub, ns, name, next,
                current, req, ex)));
        ex.respond(single(def, r.object(), req, 200, warnings));
    }

    /**
     * Server-side apply ({@code application/apply-patch+yaml}): merges the manager's configuration into the live
     * object with field ownership and conflicts ({@link FieldManager#apply}), or creates the object from it.
     */
    private void applyPatch(ResourceDefinition def, String ns, String name, String sub, ApiRequest req,
            Exchange ex) {
        FieldManager.requireApplyManager(req.param("fieldManager"));
        String manager = Requests.fieldManager(req);
        boolean force = req.flag("force");
        FieldValidation.Mode mode = Requests.fieldValidation(req);
        ObjectNode config = AppliedConfiguration.parse(req.body(), name);
        ObjectDecoder.Decoded decoded = ObjectDecoder.admit(def, config, mode);
        if (sub == null && storage.find(def, ns, name).isEmpty()) {
            ObjectNode created = fieldManager.apply(def, null, decoded.object(), manager, null, force);
            insert(def, ns, created, decoded.warnings(), null, req, ex);
            return;
        }
        List<String> warnings = new java.util.ArrayList<>(decoded.warnings());
        ObjectStorage.Result r = write(def, ns, name, sub, Requests.dryRun(req), req, null,
                current -> fieldManager.apply(def, current, decoded.object(), manager, sub, force),
                (next, current) -> warnings.addAll(admit(AdmissionAttributes.Operation.UPDATE, def, sub, ns, name,
                        next, current, req, ex)));
        ex.respond(single(def, r.object(), req, 200, warnings));
    }

    /**
     * The update flow shared by PUT and PATCH: {@code desiredFrom} turns the current object into the requested one;
     * a resourceVersion in it must match (409 otherwise); then system fields, status and generation are settled, and
     * an object being deleted whose last finalizer went away is deleted. {@code admit} sees the object to store and
     * the current one before it is written (and again after a lost compare-and-swap). Then the write is recorded in
     * managedFields as an Update by {@code manager} (null for a server-side apply, which records itself).
     */
    private ObjectStorage.Result write(ResourceDefinition def, String ns, String name, String sub, boolean dryRun,
            ApiRequest req, String manager, java.util.function.UnaryOperator<ObjectNode> desiredFrom,
            java.util.function.BiConsumer<ObjectNode, ObjectNode> admit) {
        return storage.update(def, ns, name, dryRun, current -> {
            ObjectNode desired = desiredFrom.apply(current.deepCopy());
            String rv = Json.text(desired, "metadata.resourceVersion");
            String currentRv = Json.text(current, "metadata.resourceVersion");
            if (rv != null && !rv.isEmpty() && !rv.equals(currentRv)) {
                throw ApiException.modified(def.plural(), def.group(), name);
            }
            ObjectNode next;
            if ("finalize".equals(sub)) {
                next = NamespaceFinalization.finalizeUpdate(current, desired);
            } else if ("ephemeralcontainers".equals(sub) && def.group().isEmpty() && def.plural().equals("pods")) {
                List<io.kaji.apiserver.errors.StatusCause> causes = new java.util.ArrayList<>();
                next = io.kaji.apiserver.registry.PodUpdates.withEphemeralContainers(current, desired, causes);
                causes.addAll(def.strategy().validate(next));
                if (!causes.isEmpty()) {
                    throw ApiException.invalid(def.kind(), def.group(), name, causes);
                }
            } else if ("status".equals(sub)) {
                next = current.deepCopy();
                if (desired.has("status")) {
                    next.set("status", desired.get("status"));
                } else {
                    next.remove("status");
                }
                var causes = def.strategy().validateStatus(next);
                if (!causes.isEmpty()) {
                    throw ApiException.invalid(def.kind(), def.group(), name, causes);
                }
                if (manager == null) {
                    var applied = Json.at(desired, "metadata.managedFields");
                    if (applied == null) {
                        Json.metadata(next).remove("managedFields");
                    } else {
                        Json.metadata(next).set("managedFields", applied);
                    }
                }
            } else {
                next = desired;
                lifecycle.prepareUpdate(def, next, current);
            }
            if (Json.at(next, "metadata.deletionTimestamp") != null && finalizers(next).isEmpty()
                    && (!isNamespaces(def) || NamespaceFinalization.specFinalizers(next).isEmpty())) {
                return null;
            }
            writeCheck.check(def, ns, next, current, req.user());
            // Managed fields before mutating admission, as kube-apiserver's update handler orders its transformers.
            if (manager != null) {
                fieldManager.update(def, current, next, manager, sub);
            }
            admit.accept(next, current);
            return next;
        });
    }

    private static boolean isNamespaces(ResourceDefinition def) {
        return def.group().isEmpty() && def.plural().equals("namespaces");
    }

    private static List<String> finalizers(ObjectNode obj) {
        List<String> out = new java.util.ArrayList<>();
        var f = Json.at(obj, "metadata.finalizers");
        if (f != null && f.isArray()) {
            f.forEach(v -> out.add(v.asString()));
        }
        return out;
    }

    ApiResponse delete(ResourceDefinition def, String ns, String name, DeleteOptions opts, ApiRequest req) {
        ObjectStorage.Result r = storage.update(def, ns, name, opts.dryRun(), current -> {
            ObjectNode meta = Json.metadata(current);
            if (opts.preconditionUid() != null && !opts.preconditionUid().equals(Json.text(meta, "uid"))) {
                throw ApiException.conflict(def.plural(), def.group(), name, "Precondition failed: UID in "
                        + "precondition: " + opts.preconditionUid() + ", UID in object meta: " + Json.text(meta, "uid"));
            }
            if (opts.preconditionRv() != null && !opts.preconditionRv().equals(Json.text(meta, "resourceVersion"))) {
                throw ApiException.conflict(def.plural(), def.group(), name, "Precondition failed: ResourceVersion "
                        + "in precondition: " + opts.preconditionRv() + ", ResourceVersion in object meta: "
                        + Json.text(meta, "resourceVersion"));
            }
            // Deletes go through the plugins that handle them (NodeRestriction: a node deletes only its pods).
            admitOrThrow(new AdmissionAttributes(AdmissionAttributes.Operation.DELETE, def.group(), def.version(),
                    def.kind(), def.plural(), null, ns, name, null, current, req.user(), opts.dryRun()));
            if (isNamespaces(def)) {
                if (PROTECTED_NAMESPACES.contains(name)) {
                    throw ApiException.forbidden("namespaces", "", name, "this namespace may not be deleted");
                }
                return NamespaceFinalization.delete(current, lifecycle.now());
            }
            if (!meta.has("deletionTimestamp")) {
                def.strategy().prepareForDelete(current);
            }
            addPropagationFinalizer(current, opts.propagationPolicy());
            if (meta.has("deletionTimestamp")) {
                return shortenGracePeriod(def, current, opts);
            }
            long grace = podGracePeriod(def, current, opts);
            if (grace > 0) {
                meta.put("deletionTimestamp", Instant.now(clock).plusSeconds(grace)
                        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
                meta.put("deletionGracePeriodSeconds", grace);
                return current;
            }
            if (!finalizers(current).isEmpty()) {
                meta.put("deletionTimestamp", lifecycle.now());
                meta.put("deletionGracePeriodSeconds", 0);
                return current;
            }
            return null;
        });
        if (r.deleted() && !def.plural().equals("pods")) {
            return ApiResponse.json(200, successStatus(def, r.object()));
        }
        return single(def, r.object(), req, 200, List.of());
    }

    /**
     * Foreground and Orphan deletions leave the work to the garbage collector, as in Kubernetes: the object gets
     * the {@code foregroundDeletion} or {@code orphan} finalizer (and so a deletionTimestamp) and stays until the
     * collector has deleted or released its dependents and removed the finalizer. Background deletes at once.
     */
    private static void addPropagationFinalizer(ObjectNode obj, String policy) {
        String finalizer = "Foreground".equals(policy) ? FOREGROUND_FINALIZER
                : "Orphan".equals(policy) ? ORPHAN_FINALIZER : null;
        if (finalizer != null && !finalizers(obj).contains(finalizer)) {
            Json.metadata(obj).withArray("finalizers").add(finalizer);
        }
    }

    /**
     * A second delete of an object already being deleted: a pod's grace period may only get shorter, and a grace
     * period of 0 (the node agent confirming, or {@code --force}) deletes it once no finalizer is left.
     */
    private ObjectNode shortenGracePeriod(ResourceDefinition def, ObjectNode current, DeleteOptions opts) {
        if (!def.plural().equals("pods") || !def.group().isEmpty() || opts.gracePeriodSeconds() == null) {
            return current;
        }
        long grace = Math.max(0, opts.gracePeriodSeconds());
        ObjectNode meta = Json.metadata(current);
        if (grace == 0 && finalizers(current).isEmpty()) {
            return null;
        }
        long currentGrace = Json.longAt(meta, "deletionGracePeriodSeconds", Long.MAX_VALUE);
        if (grace < currentGrace) {
            meta.put("deletionTimestamp", Instant.now(clock).plusSeconds(grace)
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            meta.put("deletionGracePeriodSeconds", grace);
        }
        return current;
    }

    /**
     * Pods bound to a node are deleted gracefully (the node agent confirms); unbound pods and a zero grace period
     * delete at once, as Kubernetes does.
     */
    private static long podGracePeriod(ResourceDefinition def, ObjectNode pod, DeleteOptions opts) {
        if (!def.plural().equals("pods") || !def.group().isEmpty()) {
            return 0;
        }
        String node = Json.text(pod, "spec.nodeName");
        if (node == null || node.isEmpty()) {
            return 0;
        }
        String phase = Json.text(pod, "status.phase");
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return 0;
        }
        if (opts.gracePeriodSeconds() != null) {
            return Math.max(0, opts.gracePeriodSeconds());
        }
        return Json.longAt(pod, "spec.terminationGracePeriodSeconds", 30);
    }

    private static ObjectNode successStatus(ResourceDefinition def, ObjectNode deleted) {
        ObjectNode s = Json.object();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Success");
        ObjectNode d = s.putObject("details");
        d.put("name", Json.text(deleted, "metadata.name"));
        if (!def.group().isEmpty()) {
            d.put("group", def.group());
        }
        d.put("kind", def.plural());
        d.put("uid", Json.text(deleted, "metadata.uid"));
        return s;
    }

    private ApiResponse deleteCollection(ResourceDefinition def, String ns, ApiRequest req) {
        DeleteOptions opts = DeleteOptions.from(req);
        List<ObjectNode> matching = lists.matching(def, ns, req);
        var items = Json.array();
        for (ObjectNode o : matching) {
            String name = Json.text(o, "metadata.name");
            try {
                delete(def, Json.text(o, "metadata.namespace"), name, opts, req);
                items.add(o);
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e;
                }
            }
        }
        ObjectNode list = Json.object();
        list.put("kind", def.listKind());
        list.put("apiVersion", def.apiVersion());
        list.putObject("metadata");
        list.set("items", items);
        return ApiResponse.json(200, list);
    }
}
