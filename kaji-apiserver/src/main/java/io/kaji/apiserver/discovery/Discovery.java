package io.kaji.apiserver.discovery;

import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Discovery documents built from the registry: legacy ({@code APIVersions}, {@code APIGroupList},
 * {@code APIGroup}, {@code APIResourceList}) and aggregated ({@code APIGroupDiscoveryList} v2 and v2beta1).
 * Thread-safe; documents are rebuilt per request (cheap, and the registry may grow).
 */
public final class Discovery {

    private final ResourceRegistry registry;

    public Discovery(ResourceRegistry registry) {
        this.registry = registry;
    }

    /** {@code GET /api} (legacy). */
    public ObjectNode apiVersions(String serverAddress) {
        ObjectNode o = Json.object();
        o.put("kind", "APIVersions");
        o.putArray("versions").add("v1");
        ObjectNode cidr = o.putArray("serverAddressByClientCIDRs").addObject();
        cidr.put("clientCIDR", "0.0.0.0/0");
        cidr.put("serverAddress", serverAddress);
        return o;
    }

    /** {@code GET /apis} (legacy). */
    public ObjectNode apiGroupList() {
        ObjectNode o = Json.object();
        o.put("kind", "APIGroupList");
        o.put("apiVersion", "v1");
        ArrayNode groups = o.putArray("groups");
        for (Map.Entry<String, List<String>> g : registry.groupVersions().entrySet()) {
            if (!g.getKey().isEmpty()) {
                groups.add(apiGroup(g.getKey(), g.getValue(), false));
            }
        }
        return o;
    }

    /** {@code GET /apis/<group>}, or null when the group is not served. */
    public ObjectNode apiGroup(String group) {
        List<String> versions = registry.groupVersions().get(group);
        return versions == null || group.isEmpty() ? null : apiGroup(group, versions, true);
    }

    private static ObjectNode apiGroup(String group, List<String> versions, boolean withTypeMeta) {
        ObjectNode g = Json.object();
        if (withTypeMeta) {
            g.put("kind", "APIGroup");
            g.put("apiVersion", "v1");
        }
        g.put("name", group);
        ArrayNode vs = g.putArray("versions");
        for (String v : versions) {
            ObjectNode gv = vs.addObject();
            gv.put("groupVersion", group + "/" + v);
            gv.put("version", v);
        }
        g.set("preferredVersion", vs.get(0).deepCopy());
        return g;
    }

    /** {@code GET /api/v1} or {@code /apis/<g>/<v>}, or null when the group-version is not served. */
    public ObjectNode apiResourceList(String group, String version) {
        List<ResourceDefinition> defs = registry.resources(group, version);
        if (defs.isEmpty()) {
            return null;
        }
        ObjectNode o = Json.object();
        o.put("kind", "APIResourceList");
        o.put("apiVersion", "v1");
        o.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode resources = o.putArray("resources");
        for (ResourceDefinition d : defs) {
            ObjectNode r = resources.addObject();
            r.put("name", d.plural());
            r.put("singularName", d.singular());
            r.put("namespaced", d.namespaced());
            r.put("kind", d.kind());
            strings(r.putArray("verbs"), d.verbs());
            if (!d.shortNames().isEmpty()) {
                strings(r.putArray("shortNames"), d.shortNames());
            }
            if (!d.categories().isEmpty()) {
                strings(r.putArray("categories"), d.categories());
            }
            for (String sub : d.subresources().stream().sorted().toList()) {
                ObjectNode s = resources.addObject();
                s.put("name", d.plural() + "/" + sub);
                s.put("singularName", "");
                s.put("namespaced", d.namespaced());
                SubresourceShape shape = SubresourceShape.of(d, sub);
                if (!shape.group().equals(d.group()) || !shape.version().equals(d.version())) {
                    s.put("group", shape.group());
                    s.put("version", shape.version());
                }
                s.put("kind", shape.kind());
                strings(s.putArray("verbs"), shape.verbs());
            }
        }
        return o;
    }

    /**
     * The aggregated discovery document for {@code /api} (core only) or {@code /apis} (every group).
     *
     * @param version v2 or v2beta1
     */
    public ObjectNode aggregated(boolean core, String version) {
        ObjectNode o = Json.object();
        o.put("kind", "APIGroupDiscoveryList");
        o.put("apiVersion", "apidiscovery.k8s.io/" + version);
        o.putObject("metadata");
        ArrayNode items = o.putArray("items");
        for (Map.Entry<String, List<String>> g : registry.groupVersions().entrySet()) {
            if (g.getKey().isEmpty() != core) {
                continue;
            }
            ObjectNode item = items.addObject();
            item.putObject("metadata").put("name", g.getKey());
            ArrayNode versions = item.putArray("versions");
            for (String v : g.getValue()) {
                ObjectNode vo = versions.addObject();
                vo.put("version", v);
                ArrayNode resources = vo.putArray("resources");
                for (ResourceDefinition d : registry.resources(g.getKey(), v)) {
                    resources.add(aggregatedResource(d));
                }
                vo.put("freshness", "Current");
            }
        }
        return o;
    }

    private static ObjectNode aggregatedResource(ResourceDefinition d) {
        ObjectNode r = Json.object();
        r.put("resource", d.plural());
        r.set("responseKind", gvk(d.group(), d.version(), d.kind()));
        r.put("scope", d.namespaced() ? "Namespaced" : "Cluster");
        r.put("singularResource", d.singular());
        strings(r.putArray("verbs"), d.verbs());
        if (!d.shortNames().isEmpty()) {
            strings(r.putArray("shortNames"), d.shortNames());
        }
        if (!d.categories().isEmpty()) {
            strings(r.putArray("categories"), d.categories());
        }
        if (!d.subresources().isEmpty()) {
            ArrayNode subs = r.putArray("subresources");
            for (String sub : d.subresources().stream().sorted().toList()) {
                SubresourceShape shape = SubresourceShape.of(d, sub);
                ObjectNode s = subs.addObject();
                s.put("subresource", sub);
                s.set("responseKind", gvk(shape.group(), shape.version(), shape.kind()));
                strings(s.putArray("verbs"), shape.verbs());
            }
        }
        return r;
    }

    private static ObjectNode gvk(String group, String version, String kind) {
        ObjectNode o = Json.object();
        o.put("group", group);
        o.put("version", version);
        o.put("kind", kind);
        return o;
    }

    private static void strings(ArrayNode arr, List<String> values) {
        values.forEach(arr::add);
    }

    /** What a subresource answers with. */
    record SubresourceShape(String group, String version, String kind, List<String> verbs) {
        static SubresourceShape of(ResourceDefinition d, String sub) {
            return switch (sub) {
                case "scale" -> new SubresourceShape("autoscaling", "v1", "Scale", List.of("get", "patch", "update"));
                case "binding" -> new SubresourceShape("", "v1", "Binding", List.of("create"));
                case "eviction" -> new SubresourceShape("policy", "v1", "Eviction", List.of("create"));
                case "log" -> new SubresourceShape("", "v1", "Pod", List.of("get"));
                case "exec" -> new SubresourceShape("", "v1", "PodExecOptions", List.of("create", "get"));
                case "attach" -> new SubresourceShape("", "v1", "PodAttachOptions", List.of("create", "get"));
                case "portforward" -> new SubresourceShape("", "v1", "PodPortForwardOptions",
                        List.of("create", "get"));
                case "finalize" -> new SubresourceShape(d.group(), d.version(), d.kind(), List.of("update"));
                // Kubernetes proxies every method; Kaji GET only (NodeProxy).
                case "proxy" -> new SubresourceShape("", "v1", "NodeProxyOptions", List.of("get"));
                default -> new SubresourceShape(d.group(), d.version(), d.kind(), List.of("get", "patch", "update"));
            };
        }
    }
}
