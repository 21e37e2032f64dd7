package io.kaji.apiserver.registry;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Services: DNS-1035 names, ClusterIP defaults, a cluster IP from the service CIDR and node ports for NodePort
 * and LoadBalancer services.
 */
public final class ServiceStrategy implements ResourceStrategy {

    private final Supplier<String> clusterIps;
    private final RandomGenerator random;

    /**
     * @param clusterIps allocates a free cluster IP (thread-safe)
     * @param random     picks node ports
     */
    public ServiceStrategy(Supplier<String> clusterIps, RandomGenerator random) {
        this.clusterIps = clusterIps;
        this.random = random;
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
            ip = clusterIps.get();
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
        defaultPorts(spec, type);
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
                    port.put("nodePort", 30000 + random.nextInt(2768));
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
        if (ports != null && ports.isArray()) {
            for (int i = 0; i < ports.size(); i++) {
                long port = ports.get(i).path("port").asLong(0);
                if (port < 1 || port > 65535) {
                    causes.add(StatusCause.invalid("spec.ports[" + i + "].port", port,
                            "must be between 1 and 65535, inclusive"));
                }
            }
        }
        return causes;
    }
}
