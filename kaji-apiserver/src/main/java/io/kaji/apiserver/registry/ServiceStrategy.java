package io.kaji.apiserver.registry;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Services: DNS-1035 names, ClusterIP defaults, a cluster IP from the service CIDR and node ports for NodePort
 * and LoadBalancer services.
 */
public final class ServiceStrategy implements ResourceStrategy {

    private final ServiceAllocations allocations;

    /** @param allocations hands out and checks cluster IPs and node ports (thread-safe) */
    public ServiceStrategy(ServiceAllocations allocations) {
        this.allocations = allocations;
    }

    @Override
    public NameRule nameRule() {
        return NameRule.DNS1035_LABEL;
    }

    @Override
    public boolean tracksGeneration() {
        return false;
    }

    @Override
    public void prepareForCreate(ObjectNode o) {
        o.putObject("status").putObject("loadBalancer");
        ObjectNode spec = Json.objectAt(o, "spec");
        String type = Json.text(spec, "type");
        if (type == null) {
            type = "ClusterIP";
            spec.put("type", type);
        }
        defaultPorts(spec, type);
        if (type.equals("ExternalName")) {
            return;
        }
        spec.putIfAbsent("sessionAffinity", Json.MAPPER.getNodeFactory().stringNode("None"));
        String ip = Json.text(spec, "clusterIP");
        if (ip == null || ip.isEmpty()) {
            ip = allocations.allocateClusterIp();
            spec.put("clusterIP", ip);
        }
        if (!spec.has("clusterIPs")) {
            spec.putArray("clusterIPs").add(ip);
        }
        if (!spec.has("ipFamilies")) {
            spec.putArray("ipFamilies").add("IPv4");
        }
        spec.putIfAbsent("ipFamilyPolicy", Json.MAPPER.getNodeFactory().stringNode("SingleStack"));
        spec.putIfAbsent("internalTrafficPolicy", Json.MAPPER.getNodeFactory().stringNode("Cluster"));
        if (type.equals("NodePort") || type.equals("LoadBalancer")) {
            spec.putIfAbsent("externalTrafficPolicy", Json.MAPPER.getNodeFactory().stringNode("Cluster"));
        }
    }

    @Override
    public void prepareForUpdate(ObjectNode o, ObjectNode old) {
        ObjectNode spec = Json.objectAt(o, "spec");
        String type = Json.text(spec, "type");
        if (type == null) {
            type = "ClusterIP";
            spec.put("type", type);
        }
        // Cluster IPs are immutable; an update (e.g. kubectl apply without the field) keeps the allocated one.
        JsonNode oldIp = Json.at(old, "spec.clusterIP");
        if (oldIp != null && !spec.has("clusterIP")) {
            spec.set("clusterIP", oldIp);
        }
        JsonNode oldIps = Json.at(old, "spec.clusterIPs");
        if (oldIps != null && !spec.has("clusterIPs")) {
            spec.set("clusterIPs", oldIps);
        }
        if (type.equals("NodePort") || type.equals("LoadBalancer")) {
            keepNodePorts(spec, Json.at(old, "spec.ports"));
        }
        defaultPorts(spec, type);
    }

    /** An update without nodePort on a port (kubectl apply of the original manifest) keeps the allocated one. */
    private static void keepNodePorts(ObjectNode spec, JsonNode oldPorts) {
        JsonNode ports = spec.get("ports");
        if (ports == null || !ports.isArray() || oldPorts == null || !oldPorts.isArray()) {
            return;
        }
        for (JsonNode p : ports) {
            if (p instanceof ObjectNode port && !port.has("nodePort")) {
                for (JsonNode old : oldPorts) {
                    if (old.has("nodePort") && old.path("port").asInt() == port.path("port").asInt()
                            && old.path("protocol").asText("TCP").equals(port.path("protocol").asText("TCP"))) {
                        port.set("nodePort", old.get("nodePort"));
                        break;
                    }
                }
            }
        }
    }

    private void defaultPorts(ObjectNode spec, String type) {
        JsonNode ports = spec.get("ports");
        if (ports == null || !ports.isArray()) {
            return;
        }
        for (JsonNode p : ports) {
            if (p instanceof ObjectNode port) {
                port.putIfAbsent("protocol", Json.MAPPER.getNodeFactory().stringNode("TCP"));
                if (!port.has("targetPort") && port.has("port")) {
                    port.set("targetPort", port.get("port"));
                }
                if ((type.equals("NodePort") || type.equals("LoadBalancer")) && !port.has("nodePort")) {
                    port.put("nodePort", allocations.allocateNodePort());
                }
            }
        }
    }

    @Override
    public List<StatusCause> validate(ObjectNode o) {
        List<StatusCause> causes = new ArrayList<>();
        String type = Json.text(o, "spec.type");
        List<String> types = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");
        if (type != null && !types.contains(type)) {
            causes.add(StatusCause.notSupported("spec.type", type, types));
        }
        JsonNode ports = Json.at(o, "spec.ports");
        boolean headless = "None".equals(Json.text(o, "spec.clusterIP"));
        if (!"ExternalName".equals(type) && !headless && (ports == null || ports.isEmpty())) {
            causes.add(StatusCause.required("spec.ports", ""));
        }
        String namespace = Json.text(o, "metadata.namespace");
        String name = Json.text(o, "metadata.name");
        String ip = Json.text(o, "spec.clusterIP");
        if (ip != null && !ip.isEmpty() && !"ExternalName".equals(type)) {
            allocations.clusterIpProblem(namespace, name, ip)
                    .ifPresent(p -> causes.add(StatusCause.invalid("spec.clusterIP", ip, p)));
        }
        if (ports != null && ports.isArray()) {
            Set<Integer> nodePorts = new HashSet<>();
            for (int i = 0; i < ports.size(); i++) {
                long port = ports.get(i).path("port").asLong(0);
                if (port < 1 || port > 65535) {
                    causes.add(StatusCause.invalid("spec.ports[" + i + "].port", port,
                            "must be between 1 and 65535, inclusive"));
                }
                int nodePort = ports.get(i).path("nodePort").asInt(0);
                if (nodePort != 0) {
                    String field = "spec.ports[" + i + "].nodePort";
                    if (!"NodePort".equals(type) && !"LoadBalancer".equals(type)) {
                        causes.add(StatusCause.forbidden(field, "may not be used when `type` is '" + type + "'"));
                    } else if (!nodePorts.add(nodePort)) {
                        causes.add(StatusCause.invalid(field, nodePort, "duplicate nodePort in this Service"));
                    } else {
                        allocations.nodePortProblem(namespace, name, nodePort)
                                .ifPresent(p -> causes.add(StatusCause.invalid(field, nodePort, p)));
                    }
                }
            }
        }
        return causes;
    }
}
