package io.kaji.proxy;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Turns Services and EndpointSlices into the ports the proxy programs, with kube-proxy's semantics:
 * slices belong to the Service named by their {@code kubernetes.io/service-name} label; a service port's
 * endpoints are the slice ports of the same name and protocol (the EndpointSlice controller has resolved named
 * target ports into those numbers); endpoints whose {@code conditions.ready} is false are left out (null means
 * ready); the same address and port in two slices counts once. Headless and ExternalName Services and non-IPv4
 * slices are ignored. A malformed object is skipped and reported to {@code skipped}, never thrown.
 */
final class ServiceTable {

    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** Kubernetes' default ClientIP affinity timeout (3 hours). */
    static final int DEFAULT_AFFINITY_SECONDS = 10800;

    private static final java.util.regex.Pattern IPV4 = java.util.regex.Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");

    private ServiceTable() {
    }

    static List<ProxiedPort> build(Collection<Service> services, Collection<EndpointSlice> slices, Consumer<String> skipped) {
        return build(services, slices, null, skipped);
    }

    /** @param nodeName this proxy's node: endpoints whose {@code nodeName} it is are local (null: none is) */
    static List<ProxiedPort> build(Collection<Service> services, Collection<EndpointSlice> slices, String nodeName,
                                   Consumer<String> skipped) {
        Map<String, List<EndpointSlice>> slicesByService = new HashMap<>();
        for (EndpointSlice slice : slices) {
            try {
                String service = slice.getMetadata().getLabels() == null ? null
                        : slice.getMetadata().getLabels().get(SERVICE_NAME_LABEL);
                if (service == null || !"IPv4".equals(slice.getAddressType())) {
                    continue;
                }
                for (var endpoint : slice.getEndpoints() == null ? List.<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint>of()
                        : slice.getEndpoints()) {
                    for (String address : endpoint.getAddresses() == null ? List.<String>of() : endpoint.getAddresses()) {
                        if (!IPV4.matcher(address).matches()) {
                            throw new IllegalArgumentException("endpoint address \"" + address + "\" is not IPv4");
                        }
                    }
                }
                slicesByService.computeIfAbsent(slice.getMetadata().getNamespace() + "/" + service, k -> new ArrayList<>()).add(slice);
            } catch (RuntimeException e) {
                skipped.accept("EndpointSlice " + describe(slice) + ": " + e);
            }
        }
        List<ProxiedPort> ports = new ArrayList<>();
        for (Service service : services) {
            try {
                ports.addAll(portsOf(service, nodeName, slicesByService.getOrDefault(
                        service.getMetadata().getNamespace() + "/" + service.getMetadata().getName(), List.of())));
            } catch (RuntimeException e) {
                skipped.accept("Service " + describe(service) + ": " + e);
            }
        }
        ports.sort(Comparator.comparing(ProxiedPort::id).thenComparing(ProxiedPort::proto));
        return ports;
    }

    private static List<ProxiedPort> portsOf(Service service, String nodeName, List<EndpointSlice> slices) {
        ServiceSpec spec = Objects.requireNonNull(service.getSpec(), "no spec");
        String clusterIp = spec.getClusterIP();
        if ("ExternalName".equals(spec.getType()) || clusterIp == null || clusterIp.isEmpty() || "None".equals(clusterIp)) {
            return List.of();
        }
        if (!IPV4.matcher(clusterIp).matches()) {
            throw new IllegalArgumentException("clusterIP \"" + clusterIp + "\" is not an IPv4 address");
        }
        boolean external = "NodePort".equals(spec.getType()) || "LoadBalancer".equals(spec.getType());
        boolean externalLocal = external && "Local".equals(spec.getExternalTrafficPolicy());
        int affinity = 0;
        if ("ClientIP".equals(spec.getSessionAffinity())) {
            affinity = DEFAULT_AFFINITY_SECONDS;
            if (spec.getSessionAffinityConfig() != null && spec.getSessionAffinityConfig().getClientIP() != null
                    && spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds() != null) {
                affinity = spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
            }
        }
        List<ProxiedPort> out = new ArrayList<>();
        for (ServicePort sp : spec.getPorts() == null ? List.<ServicePort>of() : spec.getPorts()) {
            String portName = sp.getName() == null ? "" : sp.getName();
            String protocol = sp.getProtocol() == null ? "TCP" : sp.getProtocol();
            if (!protocol.equals("TCP") && !protocol.equals("UDP") && !protocol.equals("SCTP")) {
                throw new IllegalArgumentException("port \"" + portName + "\": unknown protocol " + protocol);
            }
            if (sp.getPort() == null || sp.getPort() < 1 || sp.getPort() > 65535) {
                throw new IllegalArgumentException("port \"" + portName + "\": port must be 1-65535, got " + sp.getPort());
            }
            int nodePort = external && sp.getNodePort() != null ? sp.getNodePort() : 0;
            out.add(new ProxiedPort(service.getMetadata().getNamespace(), service.getMetadata().getName(), portName,
                    protocol, clusterIp, sp.getPort(), nodePort, affinity, externalLocal,
                    readyEndpoints(slices, portName, protocol, nodeName)));
        }
        return out;
    }

    private static List<Endpoint> readyEndpoints(List<EndpointSlice> slices, String portName, String protocol, String nodeName) {
        TreeSet<Endpoint> endpoints = new TreeSet<>();
        for (EndpointSlice slice : slices) {
            Integer target = null;
            for (EndpointPort ep : slice.getPorts() == null ? List.<EndpointPort>of() : slice.getPorts()) {
                String name = ep.getName() == null ? "" : ep.getName();
                String proto = ep.getProtocol() == null ? "TCP" : ep.getProtocol();
                if (name.equals(portName) && proto.equals(protocol) && ep.getPort() != null) {
                    target = ep.getPort();
                }
            }
            if (target == null || slice.getEndpoints() == null) {
                continue;
            }
            for (var endpoint : slice.getEndpoints()) {
                boolean ready = endpoint.getConditions() == null || endpoint.getConditions().getReady() == null
                        || endpoint.getConditions().getReady();
                if (!ready || endpoint.getAddresses() == null || endpoint.getAddresses().isEmpty()) {
                    continue;
                }
                // Kubernetes: consumers use the first address only (the others are for future use).
                boolean local = nodeName != null && nodeName.equals(endpoint.getNodeName());
                endpoints.add(new Endpoint(endpoint.getAddresses().get(0), target, local));
            }
        }
        return List.copyOf(endpoints);
    }

    private static String describe(io.fabric8.kubernetes.api.model.HasMetadata o) {
        return o.getMetadata() == null ? "(no metadata)" : o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }
}
