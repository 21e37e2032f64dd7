package io.kaji.dns;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The cluster's DNS data, as the Kubernetes DNS specification and CoreDNS's kubernetes plugin define it: Services
 * ({@code <svc>.<ns>.svc.<domain>}, headless endpoints, named-port SRV records, ExternalName CNAMEs), pods
 * ({@code <a-b-c-d>.<ns>.pod.<domain>}, answered from the name alone as CoreDNS's "pods insecure" mode does) and
 * reverse names of cluster IPs and headless endpoint addresses.
 *
 * <p>Fed by {@link #apply(Service)}, {@link #apply(EndpointSlice)} and the removals (the informers call them; tests
 * and benchmarks call them directly). Updates are serialised on this object; {@link #lookup} never blocks and may
 * run on any number of threads. A malformed object is skipped with an IllegalArgumentException from apply, leaving
 * the index as it was for that object.
 */
public final class DnsIndex {

    /** Label that marks a headless-service endpoint set by the EndpointSlice controller. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /** The version of the Kubernetes DNS specification served, as {@code dns-version.<domain>} TXT says. */
    public static final String SCHEMA_VERSION = "1.1.0";

    private static final Name IN_ADDR_ARPA = Name.fromConstantString("in-addr.arpa.");

    private final Name zone;
    private final long ttl;
    private final List<Cidr> reverseCidrs;
    private final SOARecord soa;
    private final SOARecord reverseSoa;
    private final NSRecord ns;

    private final Map<String, ServiceEntry> services = new ConcurrentHashMap<>();
    /** ns/service → (slice name → slice); the inner maps are immutable and replaced whole. */
    private final Map<String, Map<String, SliceEntry>> slicesByService = new ConcurrentHashMap<>();
    /** ns/slice → ns/service it was filed under (the label may change or go). */
    private final Map<String, String> sliceOwner = new HashMap<>();
    /** namespace → number of services in it (a namespace "exists" in DNS while it has one). */
    private final Map<String, Integer> namespaces = new ConcurrentHashMap<>();
    /** IP → ns/service keys having it as a cluster IP or (any slice) as an endpoint address. */
    private final Map<InetAddress, Set<String>> byAddress = new ConcurrentHashMap<>();

    /**
     * @param clusterDomain the cluster domain, e.g. {@code cluster.local}
     * @param ttl           the TTL of every record served (CoreDNS's default is 5 s)
     * @param reverseCidrs  the pod and service networks: reverse names inside them are answered here, never forwarded
     */
    public DnsIndex(String clusterDomain, Duration ttl, List<String> reverseCidrs) {
        try {
            this.zone = Name.fromString(clusterDomain.endsWith(".") ? clusterDomain : clusterDomain + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("cluster domain is not a DNS name: \"" + clusterDomain + "\"", e);
        }
        this.ttl = Math.max(0, ttl.toSeconds());
        this.reverseCidrs = reverseCidrs.stream().map(Cidr::parse).toList();
        long serial = (System.currentTimeMillis() / 1000) & 0xffffffffL;
        Name nsName = child(zone, "ns", "dns");
        Name admin = child(zone, "hostmaster");
        // refresh/retry/expire as CoreDNS; minimum (negative-caching TTL) = the record TTL.
        this.soa = new SOARecord(zone, DClass.IN, this.ttl, nsName, admin, serial, 7200, 1800, 86400, this.ttl);
        this.reverseSoa = new SOARecord(IN_ADDR_ARPA, DClass.IN, this.ttl, nsName, admin, serial, 7200, 1800, 86400,
                this.ttl);
        this.ns = new NSRecord(zone, DClass.IN, this.ttl, nsName);
    }

    /** The cluster zone, e.g. {@code cluster.local.}. */
    public Name zone() {
        return zone;
    }

    // ---------------------------------------------------------------- updates

    /** Adds or replaces a Service. Throws IllegalArgumentException (index unchanged) when it cannot be read. */
    public synchronized void apply(Service service) {
        ServiceEntry entry = ServiceEntry.of(service);
        ServiceEntry old = services.put(entry.key(), entry);
        if (old == null) {
            namespaces.merge(entry.namespace(), 1, Integer::sum);
        } else {
            old.clusterIps().forEach(ip -> unindex(ip, old.key()));
        }
        entry.clusterIps().forEach(ip -> index(ip, entry.key()));
    }

    /** Removes the Service {@code namespace/name} (its slices stay until they are removed themselves). */
    public synchronized void removeService(String namespace, String name) {
        ServiceEntry old = services.remove(namespace + "/" + name);
        if (old != null) {
            namespaces.computeIfPresent(namespace, (k, n) -> n == 1 ? null : n - 1);
            old.clusterIps().forEach(ip -> unindex(ip, old.key()));
        }
    }

    /** Adds or replaces an EndpointSlice; one without the {@value #SERVICE_NAME_LABEL} label is ignored. */
    public synchronized void apply(EndpointSlice slice) {
        String namespace = Objects.requireNonNull(slice.getMetadata().getNamespace(), "EndpointSlice without namespace");
        String name = Objects.requireNonNull(slice.getMetadata().getName(), "EndpointSlice without name");
        String service = slice.getMetadata().getLabels() == null ? null
                : slice.getMetadata().getLabels().get(SERVICE_NAME_LABEL);
        SliceEntry entry = service == null ? null : SliceEntry.of(slice);
        String owner = service == null ? null : namespace + "/" + service;
        String previousOwner = sliceOwner.get(namespace + "/" + name);
        if (previousOwner != null && !previousOwner.equals(owner)) {
            removeSlice(namespace, name); // relabelled to another service, or the label is gone
        }
        if (entry == null) {
            return;
        }
        sliceOwner.put(namespace + "/" + name, owner);
        SliceEntry[] replaced = new SliceEntry[1];
        // One replacement of the service's slice map: a concurrent lookup sees the old slice or the new one, never
        // neither (which would be a false NXDOMAIN for a headless service).
        slicesByService.compute(owner, (k, current) -> {
            Map<String, SliceEntry> next = current == null ? new LinkedHashMap<>() : new LinkedHashMap<>(current);
            replaced[0] = next.put(name, entry);
            return Map.copyOf(next);
        });
        entry.endpoints().forEach(e -> index(e.address(), owner));
        if (replaced[0] != null) {
            replaced[0].endpoints().forEach(e -> unindex(e.address(), owner));
        }
    }

    /** Removes the EndpointSlice {@code namespace/name}. */
    public synchronized void removeSlice(String namespace, String name) {
        String owner = sliceOwner.remove(namespace + "/" + name);
        if (owner == null) {
            return;
        }
        Map<String, SliceEntry> current = slicesByService.get(owner);
        SliceEntry old = current == null ? null : current.get(name);
        if (old == null) {
            return;
        }
        Map<String, SliceEntry> next = new LinkedHashMap<>(current);
        next.remove(name);
        if (next.isEmpty()) {
            slicesByService.remove(owner);
        } else {
            slicesByService.put(owner, Map.copyOf(next));
        }
        old.endpoints().forEach(e -> unindex(e.address(), owner));
    }

    private void index(InetAddress ip, String key) {
        byAddress.compute(ip, (k, keys) -> {
            Set<String> next = keys == null ? new java.util.HashSet<>() : new java.util.HashSet<>(keys);
            next.add(key);
            return Set.copyOf(next);
        });
    }

    private void unindex(InetAddress ip, String key) {
        // A key indexed twice under one IP (cluster IP and endpoint) stays until the index is rebuilt for it below.
        byAddress.computeIfPresent(ip, (k, keys) -> {
            if (stillHas(ip, key)) {
                return keys;
            }
            Set<String> next = new java.util.HashSet<>(keys);
            next.remove(key);
            return next.isEmpty() ? null : Set.copyOf(next);
        });
    }

    private boolean stillHas(InetAddress ip, String key) {
        ServiceEntry svc = services.get(key);
        if (svc != null && svc.clusterIps().contains(ip)) {
            return true;
        }
        Map<String, SliceEntry> slices = slicesByService.get(key);
        return slices != null && slices.values().stream()
                .anyMatch(s -> s.endpoints().stream().anyMatch(e -> e.address().equals(ip)));
    }

    // ---------------------------------------------------------------- queries

    /**
     * Answers one question. Names under the cluster zone, and reverse names inside the configured networks or of
     * known addresses, are answered here (NOERROR with records, NODATA or NXDOMAIN with the SOA); anything else is
     * {@link Answer#forward()}.
     *
     * @param qname the question name (absolute; case does not matter)
     * @param type  the question type ({@link Type}); ANY answers with the addresses
     */
    public Answer lookup(Name qname, int type) {
        if (qname.subdomain(zone)) {
            return cluster(qname, type);
        }
        if (qname.subdomain(IN_ADDR_ARPA)) {
            return reverse(qname, type);
        }
        return Answer.FORWARD;
    }

    private Answer cluster(Name qname, int type) {
        int n = qname.labels() - zone.labels();
        String[] l = new String[n];
        for (int i = 0; i < n; i++) {
            l[i] = qname.getLabelString(i).toLowerCase(Locale.ROOT);
        }
        if (n == 0) {
            return switch (type) {
                case Type.SOA -> Answer.of(List.of(soa), List.of());
                case Type.NS -> Answer.of(List.of(ns), List.of());
                default -> nodata();
            };
        }
        String kind = l[n - 1];
        if (n == 1 && kind.equals("dns-version")) {
            // The specification's schema-version record.
            return type == Type.TXT || type == Type.ANY
                    ? Answer.of(List.of(new TXTRecord(qname, DClass.IN, ttl, SCHEMA_VERSION)), List.of()) : nodata();
        }
        if (kind.equals("svc")) {
            return switch (n) {
                case 1 -> nodata();
                case 2 -> namespaces.containsKey(l[0]) ? nodata() : nxdomain();
                case 3 -> service(qname, type, l[1], l[0]);
                case 4 -> endpoint(qname, type, l[2], l[1], l[0]);
                case 5 -> port(qname, type, l[3], l[2], l[1], l[0]);
                default -> nxdomain();
            };
        }
        if (kind.equals("pod")) {
            return switch (n) {
                case 1, 2 -> nodata();
                case 3 -> pod(qname, type, l[0]);
                default -> nxdomain();
            };
        }
        return nxdomain();
    }

    private Answer service(Name qname, int type, String namespace, String name) {
        ServiceEntry svc = services.get(namespace + "/" + name);
        if (svc == null) {
            return nxdomain();
        }
        if (svc.externalName() != null) {
            return Answer.of(List.of(new CNAMERecord(qname, DClass.IN, ttl, svc.externalName())), List.of());
        }
        if (svc.headless()) {
            List<EndpointEntry> endpoints = readyEndpoints(svc);
            if (endpoints.isEmpty()) {
                return nxdomain(); // CoreDNS: a headless service without ready endpoints has no records
            }
            if (type == Type.SRV) {
                List<Record> answer = new ArrayList<>();
                List<Record> additional = new ArrayList<>();
                for (PortEntry p : slicePorts(svc)) {
                    endpointSrv(qname, svc, endpoints, p, answer, additional);
                }
                return records(answer, additional);
            }
            return records(addresses(qname, type, endpoints.stream().map(EndpointEntry::address).toList()), List.of());
        }
        if (type == Type.SRV) {
            List<Record> answer = new ArrayList<>();
            for (PortEntry p : svc.ports()) {
                answer.add(new SRVRecord(qname, DClass.IN, ttl, 0, 100 / Math.max(1, svc.ports().size()), p.port(),
                        qname));
            }
            return records(answer, addresses(qname, Type.ANY, svc.clusterIps()));
        }
        return records(addresses(qname, type, svc.clusterIps()), List.of());
    }

    private Answer endpoint(Name qname, int type, String namespace, String name, String host) {
        ServiceEntry svc = services.get(namespace + "/" + name);
        if (svc == null || !svc.headless() || host.startsWith("_")) {
            return nxdomain();
        }
        List<InetAddress> found = readyEndpoints(svc).stream()
                .filter(e -> e.label().equals(host)).map(EndpointEntry::address).toList();
        return found.isEmpty() ? nxdomain() : records(addresses(qname, type, found), List.of());
    }

    private Answer port(Name qname, int type, String namespace, String name, String proto, String portLabel) {
        ServiceEntry svc = services.get(namespace + "/" + name);
        if (svc == null || svc.externalName() != null || !portLabel.startsWith("_") || !proto.startsWith("_")) {
            return nxdomain();
        }
        String portName = portLabel.substring(1);
        String protocol = proto.substring(1);
        List<Record> answer = new ArrayList<>();
        List<Record> additional = new ArrayList<>();
        Name serviceName = new Name(qname, 2);
        if (svc.headless()) {
            List<EndpointEntry> endpoints = readyEndpoints(svc);
            for (PortEntry p : slicePorts(svc)) {
                if (p.matches(portName, protocol)) {
                    endpointSrv(qname, svc, endpoints, p, answer, additional);
                }
            }
        } else {
            for (PortEntry p : svc.ports()) {
                if (p.matches(portName, protocol)) {
                    answer.add(new SRVRecord(qname, DClass.IN, ttl, 0, 100, p.port(), serviceName));
                    additional.addAll(addresses(serviceName, Type.ANY, svc.clusterIps()));
                }
            }
        }
        if (answer.isEmpty()) {
            return nxdomain();
        }
        return type == Type.SRV || type == Type.ANY ? Answer.of(answer, additional) : nodata();
    }

    private void endpointSrv(Name qname, ServiceEntry svc, List<EndpointEntry> endpoints, PortEntry port,
                             List<Record> answer, List<Record> additional) {
        Name serviceName = child(zone, svc.name(), svc.namespace(), "svc");
        int weight = 100 / Math.max(1, endpoints.size());
        for (EndpointEntry e : endpoints) {
            if (!e.ports().contains(port)) {
                continue;
            }
            Name target = child(serviceName, e.label());
            answer.add(new SRVRecord(qname, DClass.IN, ttl, 0, Math.max(1, weight), port.port(), target));
            additional.addAll(addresses(target, Type.ANY, List.of(e.address())));
        }
    }

    private Answer pod(Name qname, int type, String label) {
        InetAddress ip = podAddress(label);
        if (ip == null) {
            return nxdomain();
        }
        return records(addresses(qname, type, List.of(ip)), List.of());
    }

    /** {@code 10-42-0-7} → 10.42.0.7, {@code 2001-db8--1} → 2001:db8::1; null when the label is neither. */
    static InetAddress podAddress(String label) {
        byte[] v4 = Addresses.parseIpv4(label, '-');
        if (v4 != null) {
            return Addresses.byAddress(v4);
        }
        if (label.indexOf('-') < 0 || label.indexOf('.') >= 0) {
            return null;
        }
        InetAddress v6 = Addresses.parseLiteral(label.replace('-', ':'));
        return v6 != null && !(v6 instanceof Inet4Address) ? v6 : null;
    }

    private Answer reverse(Name qname, int type) {
        int n = qname.labels() - IN_ADDR_ARPA.labels();
        byte[] ip = new byte[4];
        int octets = Math.min(n, 4);
        // The rightmost labels before in-addr.arpa are the leading octets.
        for (int i = 0; i < octets; i++) {
            byte[] one = Addresses.parseIpv4(qname.getLabelString(n - 1 - i) + ".0.0.0", '.');
            if (one == null) {
                return Answer.FORWARD; // not an address; not ours
            }
            ip[i] = one[0];
        }
        boolean ours = reverseCidrs.stream().anyMatch(c -> c.covers(ip, octets * 8));
        if (n < 4) {
            return ours ? new Answer(false, Rcode.NOERROR, List.of(), List.of(reverseSoa), List.of()) : Answer.FORWARD;
        }
        if (n == 4) {
            List<Name> names = ptrNames(Addresses.byAddress(ip));
            if (!names.isEmpty()) {
                if (type != Type.PTR && type != Type.ANY) {
                    return new Answer(false, Rcode.NOERROR, List.of(), List.of(reverseSoa), List.of());
                }
                return Answer.of(names.stream().<Record>map(t -> new PTRRecord(qname, DClass.IN, ttl, t)).toList(),
                        List.of());
            }
        }
        return ours ? new Answer(false, Rcode.NXDOMAIN, List.of(), List.of(reverseSoa), List.of()) : Answer.FORWARD;
    }

    private List<Name> ptrNames(InetAddress ip) {
        Set<String> keys = byAddress.get(ip);
        if (keys == null) {
            return List.of();
        }
        List<Name> out = new ArrayList<>();
        for (String key : keys) {
            ServiceEntry svc = services.get(key);
            if (svc == null) {
                continue;
            }
            Name serviceName = child(zone, svc.name(), svc.namespace(), "svc");
            if (svc.clusterIps().contains(ip)) {
                out.add(serviceName);
            } else if (svc.headless()) {
                for (EndpointEntry e : readyEndpoints(svc)) {
                    if (e.address().equals(ip)) {
                        out.add(child(serviceName, e.label()));
                        break;
                    }
                }
            }
        }
        out.sort(null);
        return out;
    }

    // ---------------------------------------------------------------- helpers

    private List<EndpointEntry> readyEndpoints(ServiceEntry svc) {
        Map<String, SliceEntry> slices = slicesByService.get(svc.key());
        if (slices == null) {
            return List.of();
        }
        Map<InetAddress, EndpointEntry> seen = new LinkedHashMap<>();
        for (SliceEntry s : slices.values()) {
            for (EndpointEntry e : s.endpoints()) {
                if (e.ready() || svc.publishNotReady()) {
                    seen.putIfAbsent(e.address(), e);
                }
            }
        }
        return List.copyOf(seen.values());
    }

    private List<PortEntry> slicePorts(ServiceEntry svc) {
        Map<String, SliceEntry> slices = slicesByService.get(svc.key());
        if (slices == null) {
            return List.of();
        }
        return slices.values().stream().flatMap(s -> s.ports().stream()).distinct().toList();
    }

    private List<Record> addresses(Name owner, int type, List<InetAddress> ips) {
        List<Record> out = new ArrayList<>(ips.size());
        for (InetAddress ip : ips) {
            boolean v4 = ip instanceof Inet4Address;
            if (v4 && (type == Type.A || type == Type.ANY)) {
                out.add(new ARecord(owner, DClass.IN, ttl, ip));
            } else if (!v4 && (type == Type.AAAA || type == Type.ANY)) {
                out.add(new AAAARecord(owner, DClass.IN, ttl, ip));
            }
        }
        return out;
    }

    private Answer records(List<Record> answer, List<Record> additional) {
        return answer.isEmpty() ? nodata() : Answer.of(answer, additional);
    }

    private Answer nodata() {
        return Answer.negative(Rcode.NOERROR, soa);
    }

    private Answer nxdomain() {
        return Answer.negative(Rcode.NXDOMAIN, soa);
    }

    /** {@code child(zone, "web", "default", "svc")} → web.default.svc.<zone>. */
    static Name child(Name origin, String... labels) {
        try {
            return Name.concatenate(Name.fromString(String.join(".", labels)), origin);
        } catch (TextParseException | org.xbill.DNS.NameTooLongException e) {
            throw new IllegalArgumentException("not a DNS name: " + String.join(".", labels) + "." + origin, e);
        }
    }

    // ---------------------------------------------------------------- entries

    record PortEntry(String name, String protocol, int port) {
        boolean matches(String portName, String proto) {
            return name != null && name.equalsIgnoreCase(portName) && protocol.equalsIgnoreCase(proto);
        }

        static PortEntry of(String name, String protocol, Integer port) {
            return new PortEntry(name == null || name.isEmpty() ? null : name.toLowerCase(Locale.ROOT),
                    protocol == null ? "tcp" : protocol.toLowerCase(Locale.ROOT), port == null ? 0 : port);
        }
    }

    record ServiceEntry(String namespace, String name, List<InetAddress> clusterIps, boolean headless,
                        Name externalName, List<PortEntry> ports, boolean publishNotReady) {

        String key() {
            return namespace + "/" + name;
        }

        static ServiceEntry of(Service s) {
            String namespace = Objects.requireNonNull(s.getMetadata().getNamespace(), "Service without namespace");
            String name = Objects.requireNonNull(s.getMetadata().getName(), "Service without name");
            var spec = s.getSpec();
            if (spec == null) {
                throw new IllegalArgumentException("Service " + namespace + "/" + name + " has no spec");
            }
            Name external = null;
            if ("ExternalName".equals(spec.getType())) {
                String target = spec.getExternalName();
                if (target == null || target.isBlank()) {
                    throw new IllegalArgumentException("ExternalName Service " + namespace + "/" + name
                            + " has no spec.externalName");
                }
                try {
                    external = Name.fromString(target.endsWith(".") ? target : target + ".");
                } catch (TextParseException e) {
                    throw new IllegalArgumentException("ExternalName Service " + namespace + "/" + name
                            + ": spec.externalName \"" + target + "\" is not a DNS name", e);
                }
            }
            boolean headless = external == null && "None".equalsIgnoreCase(spec.getClusterIP());
            List<String> ipTexts = spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty()
                    ? spec.getClusterIPs() : spec.getClusterIP() == null ? List.of() : List.of(spec.getClusterIP());
            List<InetAddress> ips = new ArrayList<>();
            if (external == null && !headless) {
                for (String t : ipTexts) {
                    InetAddress ip = Addresses.parseLiteral(t);
                    if (ip != null) {
                        ips.add(ip);
                    }
                }
            }
            List<PortEntry> ports = new ArrayList<>();
            if (spec.getPorts() != null) {
                for (ServicePort p : spec.getPorts()) {
                    ports.add(PortEntry.of(p.getName(), p.getProtocol(), p.getPort()));
                }
            }
            return new ServiceEntry(namespace, name, List.copyOf(ips), headless, external, List.copyOf(ports),
                    Boolean.TRUE.equals(spec.getPublishNotReadyAddresses()));
        }
    }

    private static final java.util.regex.Pattern DNS_LABEL =
            java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    record EndpointEntry(InetAddress address, String label, boolean ready, List<PortEntry> ports) {}

    record SliceEntry(List<EndpointEntry> endpoints, List<PortEntry> ports) {

        static SliceEntry of(EndpointSlice slice) {
            List<PortEntry> ports = new ArrayList<>();
            if (slice.getPorts() != null) {
                for (EndpointPort p : slice.getPorts()) {
                    ports.add(PortEntry.of(p.getName(), p.getProtocol(), p.getPort()));
                }
            }
            List<EndpointEntry> endpoints = new ArrayList<>();
            if (slice.getEndpoints() != null) {
                for (Endpoint e : slice.getEndpoints()) {
                    // The API says a missing ready condition means ready.
                    boolean ready = e.getConditions() == null || e.getConditions().getReady() == null
                            || e.getConditions().getReady();
                    String hostname = e.getHostname() == null ? null : e.getHostname().toLowerCase(Locale.ROOT);
                    if (hostname != null && !DNS_LABEL.matcher(hostname).matches()) {
                        hostname = null; // not a DNS label: the endpoint is named by its address instead
                    }
                    for (String text : e.getAddresses() == null ? List.<String>of() : e.getAddresses()) {
                        InetAddress ip = Addresses.parseLiteral(text);
                        if (ip == null) {
                            continue; // FQDN slices and junk: no A record can point at them
                        }
                        endpoints.add(new EndpointEntry(ip, hostname != null ? hostname : Addresses.dashed(ip), ready,
                                List.copyOf(ports)));
                    }
                }
            }
            return new SliceEntry(List.copyOf(endpoints), List.copyOf(ports));
        }
    }
}
