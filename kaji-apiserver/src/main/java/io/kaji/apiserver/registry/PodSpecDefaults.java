package io.kaji.apiserver.registry;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The defaults Kubernetes applies to every PodSpec (in pods and in workload templates), so that what
 * {@code kubectl apply} reads back is stable, and the PodSpec validation every workload shares.
 */
final class PodSpecDefaults {

    private PodSpecDefaults() {
    }

    static void apply(ObjectNode spec) {
        spec.putIfAbsent("restartPolicy", Json.MAPPER.getNodeFactory().stringNode("Always"));
        spec.putIfAbsent("dnsPolicy", Json.MAPPER.getNodeFactory().stringNode("ClusterFirst"));
        spec.putIfAbsent("terminationGracePeriodSeconds", Json.MAPPER.getNodeFactory().numberNode(30L));
        spec.putIfAbsent("schedulerName", Json.MAPPER.getNodeFactory().stringNode("default-scheduler"));
        spec.putIfAbsent("securityContext", Json.object());
        // A volume that names no source is an emptyDir, as Kubernetes' SetDefaults_Volume makes it.
        for (JsonNode v : spec.path("volumes")) {
            if (v instanceof ObjectNode volume && volume.propertyNames().stream().allMatch("name"::equals)) {
                volume.set("emptyDir", Json.object());
            }
        }
        for (String list : ContainerLists.REGULAR_AND_INIT) {
            JsonNode containers = spec.get(list);
            if (containers != null && containers.isArray()) {
                for (JsonNode c : containers) {
                    if (c instanceof ObjectNode container) {
                        defaultContainer(container);
                    }
                }
            }
        }
    }

    /** A container's defaults; an ephemeral container's too (it has no probes, hooks or ports to default). */
    static void defaultContainer(ObjectNode c) {
        c.putIfAbsent("terminationMessagePath", Json.MAPPER.getNodeFactory().stringNode("/dev/termination-log"));
        c.putIfAbsent("terminationMessagePolicy", Json.MAPPER.getNodeFactory().stringNode("File"));
        c.putIfAbsent("resources", Json.object());
        if (!c.has("imagePullPolicy")) {
            String image = Json.text(c, "image");
            c.put("imagePullPolicy", image != null && hasNonLatestTag(image) ? "IfNotPresent" : "Always");
        }
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            if (c.get(probe) instanceof ObjectNode p) {
                // SetDefaults_Probe and SetDefaults_HTTPGetAction
                p.putIfAbsent("timeoutSeconds", Json.MAPPER.getNodeFactory().numberNode(1));
                p.putIfAbsent("periodSeconds", Json.MAPPER.getNodeFactory().numberNode(10));
                p.putIfAbsent("successThreshold", Json.MAPPER.getNodeFactory().numberNode(1));
                p.putIfAbsent("failureThreshold", Json.MAPPER.getNodeFactory().numberNode(3));
                defaultHttpGet(p.get("httpGet"));
            }
        }
        if (c.get("lifecycle") instanceof ObjectNode lifecycle) {
            for (String hook : List.of("postStart", "preStop")) {
                if (lifecycle.get(hook) instanceof ObjectNode h) {
                    defaultHttpGet(h.get("httpGet"));
                }
            }
        }
        JsonNode ports = c.get("ports");
        if (ports != null && ports.isArray()) {
            for (JsonNode p : ports) {
                if (p instanceof ObjectNode port) {
                    port.putIfAbsent("protocol", Json.MAPPER.getNodeFactory().stringNode("TCP"));
                }
            }
        }
    }

    private static void defaultHttpGet(JsonNode action) {
        if (action instanceof ObjectNode get) {
            get.putIfAbsent("path", Json.MAPPER.getNodeFactory().stringNode("/"));
            get.putIfAbsent("scheme", Json.MAPPER.getNodeFactory().stringNode("HTTP"));
        }
    }

    /** True for {@code nginx:1.27} or a digest; false for {@code nginx} and {@code nginx:latest}. */
    static boolean hasNonLatestTag(String image) {
        if (image.contains("@")) {
            return true;
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon <= slash) {
            return false;
        }
        return !image.substring(colon + 1).equals("latest");
    }

    /** Validation of a PodSpec at {@code path} ({@code spec} or {@code spec.template.spec}). */
    static List<StatusCause> validate(JsonNode spec, String path) {
        return validate(spec, path, java.util.Set.of());
    }

    /** As above, with {@code moreVolumes} (a StatefulSet's claim templates) mountable beside the spec's volumes. */
    static List<StatusCause> validate(JsonNode spec, String path, java.util.Set<String> moreVolumes) {
        List<StatusCause> causes = new ArrayList<>();
        JsonNode containers = spec == null ? null : spec.get("containers");
        if (containers == null || !containers.isArray() || containers.isEmpty()) {
            causes.add(StatusCause.required(path + ".containers", ""));
            return causes;
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        SecurityContextValidation.pod(spec.get("securityContext"), path + ".securityContext", causes);
        SecurityContextValidation.userNamespace(spec, path, causes);
        PodSchedulingGates.validate(spec, path, causes);
        java.util.Set<String> volumes = new java.util.HashSet<>(moreVolumes);
        for (JsonNode v : spec.path("volumes")) {
            volumes.add(v.path("name").asString(""));
        }
        JsonNode init = spec.get("initContainers");
        if (init != null && init.isArray()) {
            for (int i = 0; i < init.size(); i++) {
                JsonNode c = init.get(i);
                String at = path + ".initContainers[" + i + "]";
                validateContainer(c, at, names, causes);
                validateVolumeMounts(c, at, volumes, causes);
                JsonNode policy = c.get("restartPolicy");
                boolean sidecar = policy != null && "Always".equals(policy.asString(""));
                if (policy != null && !policy.isNull() && !sidecar) {
                    causes.add(StatusCause.notSupported(at + ".restartPolicy", policy.asString(""),
                            List.of("Always")));
                }
                if (!sidecar) {
                    // Only a sidecar runs beside the others; a plain init container must run to completion.
                    for (String f : List.of("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")) {
                        if (c.get(f) != null && !c.get(f).isNull()) {
                            causes.add(StatusCause.forbidden(at + "." + f,
                                    "may not be set for init containers without restartPolicy=Always"));
                        }
                    }
                }
            }
        }
        for (int i = 0; i < containers.size(); i++) {
            JsonNode c = containers.get(i);
            String at = path + ".containers[" + i + "]";
            validateContainer(c, at, names, causes);
            validateVolumeMounts(c, at, volumes, causes);
            if (c.get("restartPolicy") != null && !c.get("restartPolicy").isNull()) {
                causes.add(StatusCause.forbidden(at + ".restartPolicy", "may not be set for non-init containers"));
            }
        }
        return causes;
    }

    /**
     * A container's volumeMounts as Kubernetes validates them: a volume of the pod, subPath and subPathExpr not both
     * (a subPathExpr relative, without '..'), a known mountPropagation, Bidirectional only for a privileged
     * container.
     */
    private static void validateVolumeMounts(JsonNode c, String at, java.util.Set<String> volumes,
                                             List<StatusCause> causes) {
        JsonNode mounts = c.get("volumeMounts");
        if (mounts == null || !mounts.isArray()) {
            return;
        }
        boolean privileged = c.path("securityContext").path("privileged").asBoolean(false);
        for (int i = 0; i < mounts.size(); i++) {
            JsonNode m = mounts.get(i);
            String mat = at + ".volumeMounts[" + i + "]";
            String name = m.path("name").asString("");
            if (!volumes.contains(name)) {
                causes.add(new StatusCause("FieldValueNotFound", "Not found: \"" + name + "\"", mat + ".name"));
            }
            String subPath = m.path("subPath").asString("");
            String expr = m.path("subPathExpr").asString("");
            if (!expr.isEmpty()) {
                if (!subPath.isEmpty()) {
                    causes.add(StatusCause.invalid(mat + ".subPathExpr", expr,
                            "subPathExpr and subPath are mutually exclusive"));
                }
                if (expr.startsWith("/")) {
                    causes.add(StatusCause.invalid(mat + ".subPathExpr", expr, "must be a relative path"));
                }
                if (List.of(expr.split("/")).contains("..")) {
                    causes.add(StatusCause.invalid(mat + ".subPathExpr", expr, "must not contain '..'"));
                }
            }
            JsonNode propagation = m.get("mountPropagation");
            if (propagation != null && !propagation.isNull()) {
                String mode = propagation.asString("");
                if (!List.of("Bidirectional", "HostToContainer", "None").contains(mode)) {
                    causes.add(StatusCause.notSupported(mat + ".mountPropagation", mode,
                            List.of("Bidirectional", "HostToContainer", "None")));
                } else if (mode.equals("Bidirectional") && !privileged) {
                    causes.add(StatusCause.forbidden(mat + ".mountPropagation",
                            "Bidirectional mount propagation is available only to privileged containers"));
                }
            }
        }
    }

    /** A container's name (a DNS label, unique among all the pod's containers), image and security context. */
    private static void validateContainer(JsonNode c, String at, java.util.Set<String> names,
                                          List<StatusCause> causes) {
        String name = Json.text(c, "name");
        if (name == null || name.isEmpty()) {
            causes.add(StatusCause.required(at + ".name", ""));
        } else if (!NameValidation.isDns1123Label(name)) {
            causes.add(StatusCause.invalid(at + ".name", name, NameValidation.DNS1123_LABEL_MESSAGE));
        } else if (!names.add(name)) {
            causes.add(new StatusCause("FieldValueDuplicate", "Duplicate value: \"" + name + "\"", at + ".name"));
        }
        String image = Json.text(c, "image");
        if (image == null || image.isBlank()) {
            causes.add(StatusCause.required(at + ".image", ""));
        }
        SecurityContextValidation.container(c.get("securityContext"), at + ".securityContext", causes);
        for (String probe : List.of("livenessProbe", "startupProbe")) {
            JsonNode success = c.path(probe).get("successThreshold");
            if (success != null && success.isNumber() && success.asInt() != 1) {
                causes.add(StatusCause.invalid(at + "." + probe + ".successThreshold", success.asInt(), "must be 1"));
            }
        }
    }
}
