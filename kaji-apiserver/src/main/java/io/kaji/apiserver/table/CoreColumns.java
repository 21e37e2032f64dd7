package io.kaji.apiserver.table;

import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Columns of the core/v1 kinds other than pods, and of the small cluster kinds, as Kubernetes prints them. */
public final class CoreColumns {

    private CoreColumns() {
    }

    /** Kubernetes' default table for kinds without a printer: NAME CREATED AT. */
    public static List<Column> defaults() {
        return List.of(Column.nameColumn(), new Column("Created At", "date", "",
                "CreationTimestamp is a timestamp representing the server time when this object was created.", 0,
                (o, now) -> Cells.text(o, "metadata.creationTimestamp", "")));
    }

    public static List<Column> namespaces() {
        return List.of(Column.nameColumn(),
                Column.string("Status", "The status of the namespace", (o, now) -> Cells.text(o, "status.phase", "")),
                Column.ageColumn());
    }

    public static List<Column> nodes() {
        return List.of(Column.nameColumn(),
                Column.string("Status", "The status of the node", (o, now) -> nodeStatus(o)),
                Column.string("Roles", "The roles of the node", (o, now) -> nodeRoles(o)),
                Column.ageColumn(),
                Column.string("Version", "Kubelet Version reported by the node.",
                        (o, now) -> Cells.text(o, "status.nodeInfo.kubeletVersion", "")),
                Column.wide("Internal-IP", "List of addresses reachable to the node.",
                        (o, now) -> nodeAddress(o, "InternalIP")),
                Column.wide("External-IP", "List of addresses reachable to the node.",
                        (o, now) -> nodeAddress(o, "ExternalIP")),
                Column.wide("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux "
                        + "7 (wheezy)).", (o, now) -> Cells.text(o, "status.nodeInfo.osImage", "<unknown>")),
                Column.wide("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. "
                        + "3.16.0-0.bpo.4-amd64).", (o, now) -> Cells.text(o, "status.nodeInfo.kernelVersion",
                        "<unknown>")),
                Column.wide("Container-Runtime", "ContainerRuntime Version reported by the node through runtime "
                        + "remote API (e.g. containerd://1.4.2).",
                        (o, now) -> Cells.text(o, "status.nodeInfo.containerRuntimeVersion", "<unknown>")));
    }

    static String nodeStatus(ObjectNode node) {
        List<String> conditions = new ArrayList<>();
        for (JsonNode c : Cells.list(node, "status.conditions")) {
            if ("Ready".equals(Cells.text(c, "type", ""))) {
                conditions.add("True".equals(Cells.text(c, "status", "")) ? "Ready" : "NotReady");
            }
        }
        if (conditions.isEmpty()) {
            conditions.add("Unknown");
        }
        JsonNode unschedulable = Json.at(node, "spec.unschedulable");
        if (unschedulable != null && unschedulable.asBoolean(false)) {
            conditions.add("SchedulingDisabled");
        }
        return String.join(",", conditions);
    }

    static String nodeRoles(ObjectNode node) {
        TreeSet<String> roles = new TreeSet<>();
        JsonNode labels = Json.at(node, "metadata.labels");
        if (labels != null && labels.isObject()) {
            labels.forEachEntry((k, v) -> {
                if (k.startsWith("node-role.kubernetes.io/")) {
                    roles.add(k.substring("node-role.kubernetes.io/".length()));
                } else if (k.equals("kubernetes.io/role")) {
                    roles.add(v.asString());
                }
            });
        }
        roles.remove("");
        return roles.isEmpty() ? Cells.NONE : String.join(",", roles);
    }

    private static String nodeAddress(ObjectNode node, String type) {
        for (JsonNode a : Cells.list(node, "status.addresses")) {
            if (type.equals(Cells.text(a, "type", ""))) {
                return Cells.text(a, "address", Cells.NONE);
            }
        }
        return Cells.NONE;
    }

    public static List<Column> services() {
        return List.of(Column.nameColumn(),
                Column.string("Type", "The type of the service (ClusterIP, NodePort, LoadBalancer, ExternalName).",
                        (o, now) -> Cells.text(o, "spec.type", "ClusterIP")),
                Column.string("Cluster-IP", "The cluster IP of the service.",
                        (o, now) -> Cells.text(o, "spec.clusterIP", Cells.NONE)),
                Column.string("External-IP", "The external IPs of the service.", (o, now) -> externalIp(o)),
                Column.string("Port(s)", "The ports of the service.", (o, now) -> servicePorts(o)),
                Column.ageColumn(),
                Column.wide("Selector", "Route service traffic to pods with label keys and values matching this "
                        + "selector.", (o, now) -> Cells.labels(Json.at(o, "spec.selector"))));
    }

    private static String externalIp(ObjectNode svc) {
        String type = Cells.text(svc, "spec.type", "ClusterIP");
        List<String> ips = new ArrayList<>();
        Cells.list(svc, "spec.externalIPs").forEach(n -> ips.add(n.asString()));
        switch (type) {
            case "ExternalName" -> {
                return Cells.text(svc, "spec.externalName", Cells.NONE);
            }
            case "LoadBalancer" -> {
                for (JsonNode ing : Cells.list(svc, "status.loadBalancer.ingress")) {
                    String ip = Cells.text(ing, "ip", Cells.text(ing, "hostname", ""));
                    if (!ip.isEmpty()) {
                        ips.add(ip);
                    }
                }
                return ips.isEmpty() ? "<pending>" : String.join(",", ips);
            }
            default -> {
                return ips.isEmpty() ? Cells.NONE : String.join(",", ips);
            }
        }
    }

    private static String servicePorts(ObjectNode svc) {
        List<String> parts = new ArrayList<>();
        for (JsonNode p : Cells.list(svc, "spec.ports")) {
            String proto = Cells.text(p, "protocol", "TCP");
            long port = p.path("port").asLong(0);
            long nodePort = p.path("nodePort").asLong(0);
            parts.add(nodePort > 0 ? port + ":" + nodePort + "/" + proto : port + "/" + proto);
        }
        return parts.isEmpty() ? Cells.NONE : String.join(",", parts);
    }

    public static List<Column> configMaps() {
        return List.of(Column.nameColumn(),
                Column.integer("Data", "Data contains the configuration data.", (o, now) -> size(o, "data")
                        + size(o, "binaryData")),
                Column.ageColumn());
    }

    public static List<Column> secrets() {
        return List.of(Column.nameColumn(),
                Column.string("Type", "The type of the secret", (o, now) -> Cells.text(o, "type", "Opaque")),
                Column.integer("Data", "The number of entries in the secret's data", (o, now) -> size(o, "data")),
                Column.ageColumn());
    }

    public static List<Column> serviceAccounts() {
        return List.of(Column.nameColumn(),
                Column.integer("Secrets", "Secrets is a list of the secrets in the same namespace that pods running "
                        + "using this ServiceAccount are allowed to use.", (o, now) -> Cells.list(o, "secrets").size()),
                Column.ageColumn());
    }

    public static List<Column> endpoints() {
        return List.of(Column.nameColumn(),
                Column.string("Endpoints", "Endpoints of the service", (o, now) -> endpointsText(o)),
                Column.ageColumn());
    }

    private static String endpointsText(ObjectNode ep) {
        List<String> parts = new ArrayList<>();
        for (JsonNode subset : Cells.list(ep, "subsets")) {
            List<JsonNode> ports = Cells.list(subset, "ports");
            for (JsonNode addr : Cells.list(subset, "addresses")) {
                String ip = Cells.text(addr, "ip", "");
                if (ports.isEmpty()) {
                    parts.add(ip);
                }
                for (JsonNode port : ports) {
                    parts.add(ip + ":" + port.path("port").asLong(0));
                }
            }
        }
        if (parts.isEmpty()) {
            return Cells.NONE;
        }
        if (parts.size() > 3) {
            return String.join(",", parts.subList(0, 3)) + " + " + (parts.size() - 3) + " more...";
        }
        return String.join(",", parts);
    }

    public static List<Column> events() {
        return List.of(
                Column.string("Last Seen", "Time when last this event has been seen", (o, now) -> {
                    String path = Json.at(o, "lastTimestamp") != null ? "lastTimestamp"
                            : Json.at(o, "series.lastObservedTime") != null ? "series.lastObservedTime" : "eventTime";
                    return Cells.age(o, path, now);
                }),
                Column.string("Type", "Type of this event (Normal, Warning), new types could be added in the future.",
                        (o, now) -> Cells.text(o, "type", "")),
                Column.string("Reason", "Reason is why the action was taken. It is human-readable. This field can "
                        + "have at most 128 characters.", (o, now) -> Cells.text(o, "reason", "")),
                Column.string("Object", "The object this Event is about. In most cases it's an Object reporting "
                        + "controller implements.", (o, now) -> Cells.text(o, "involvedObject.kind", "").toLowerCase()
                        + "/" + Cells.text(o, "involvedObject.name", "")),
                Column.wide("Subobject", "The subobject of the object this Event is about.",
                        (o, now) -> Cells.text(o, "involvedObject.fieldPath", "")),
                Column.wide("Source", "The component reporting this event. Should be a short machine "
                        + "understandable string.", (o, now) -> eventSource(o)),
                Column.string("Message", "A human-readable description of the status of this operation.",
                        (o, now) -> Cells.text(o, "message", "")),
                Column.wide("First Seen", "The time at which the event was first recorded. (Time of server receipt "
                        + "is in TypeMeta.)", (o, now) -> Cells.age(o, Json.at(o, "firstTimestamp") != null
                        ? "firstTimestamp" : "eventTime", now)),
                Column.wide("Count", "The number of times this event has occurred.",
                        (o, now) -> Long.toString(Math.max(1, Cells.number(o, "count")))),
                Column.wide("Name", "Name must be unique within a namespace.",
                        (o, now) -> Cells.text(o, "metadata.name", "")));
    }

    private static String eventSource(ObjectNode ev) {
        String component = Cells.text(ev, "source.component", Cells.text(ev, "reportingComponent", ""));
        String host = Cells.text(ev, "source.host", "");
        return host.isEmpty() ? component : component + ", " + host;
    }

    /** events.k8s.io/v1 Events: the same columns read from that schema's field names. */
    public static List<Column> eventsV1() {
        return List.of(
                Column.string("Last Seen", "Time when last this event has been seen", (o, now) -> Cells.age(o,
                        Json.at(o, "series.lastObservedTime") != null ? "series.lastObservedTime"
                                : Json.at(o, "deprecatedLastTimestamp") != null ? "deprecatedLastTimestamp"
                                : "eventTime", now)),
                Column.string("Type", "Type of this event (Normal, Warning).", (o, now) -> Cells.text(o, "type", "")),
                Column.string("Reason", "Reason is why the action was taken.", (o, now) -> Cells.text(o, "reason", "")),
                Column.string("Object", "The object this Event is about.",
                        (o, now) -> Cells.text(o, "regarding.kind", "").toLowerCase() + "/"
                                + Cells.text(o, "regarding.name", "")),
                Column.string("Message", "A human-readable description of the status of this operation.",
                        (o, now) -> Cells.text(o, "note", "")));
    }

    public static List<Column> leases() {
        return List.of(Column.nameColumn(),
                Column.string("Holder", "The holder of the lease", (o, now) -> Cells.text(o, "spec.holderIdentity", "")),
                Column.ageColumn());
    }

    public static List<Column> endpointSlices() {
        return List.of(Column.nameColumn(),
                Column.string("AddressType", "The IP protocol for this slice",
                        (o, now) -> Cells.text(o, "addressType", "")),
                Column.string("Ports", "The ports of this slice", (o, now) -> {
                    List<String> ports = new ArrayList<>();
                    Cells.list(o, "ports").forEach(p -> ports.add(Long.toString(p.path("port").asLong(0))));
                    return ports.isEmpty() ? "<unset>" : String.join(",", ports);
                }),
                Column.string("Endpoints", "The endpoints of this slice", (o, now) -> {
                    List<String> addrs = new ArrayList<>();
                    Cells.list(o, "endpoints").forEach(e -> e.path("addresses").forEach(a -> addrs.add(a.asString())));
                    if (addrs.isEmpty()) {
                        return "<unset>";
                    }
                    return addrs.size() > 3 ? String.join(",", addrs.subList(0, 3)) + " + " + (addrs.size() - 3)
                            + " more..." : String.join(",", addrs);
                }),
                Column.ageColumn());
    }

    /** networking.k8s.io/v1 NetworkPolicies: the pod selector in kubectl's label-selector notation. */
    public static List<Column> networkPolicies() {
        return List.of(Column.nameColumn(),
                Column.string("Pod-Selector", "The pods this policy applies to", (o, now) -> {
                    List<String> parts = new ArrayList<>();
                    JsonNode sel = o.path("spec").path("podSelector");
                    sel.path("matchLabels").properties().forEach(e -> parts.add(e.getKey() + "=" + e.getValue().asString()));
                    for (JsonNode r : sel.path("matchExpressions")) {
                        List<String> values = new ArrayList<>();
                        r.path("values").forEach(v -> values.add(v.asString()));
                        String op = r.path("operator").asString("");
                        String key = r.path("key").asString("");
                        parts.add(switch (op) {
                            case "Exists" -> key;
                            case "DoesNotExist" -> "!" + key;
                            default -> key + " " + op.toLowerCase(java.util.Locale.ROOT) + " (" + String.join(",", values) + ")";
                        });
                    }
                    return parts.isEmpty() ? "<none>" : String.join(",", parts);
                }),
                Column.ageColumn());
    }

    public static List<Column> roleBindings() {
        return List.of(Column.nameColumn(),
                Column.string("Role", "Role", (o, now) -> Cells.text(o, "roleRef.kind", "") + "/"
                        + Cells.text(o, "roleRef.name", "")),
                Column.ageColumn(),
                Column.wide("Users", "Users in the roleBinding", (o, now) -> subjects(o, "User")),
                Column.wide("Groups", "Groups in the roleBinding", (o, now) -> subjects(o, "Group")),
                Column.wide("ServiceAccounts", "ServiceAccounts in the roleBinding",
                        (o, now) -> subjects(o, "ServiceAccount")));
    }

    /** kubectl's columns for webhook configurations: NAME, WEBHOOKS, AGE. */
    public static List<Column> webhookConfigurations() {
        return List.of(Column.nameColumn(),
                Column.integer("Webhooks", "Webhooks indicates the number of webhooks configured.",
                        (o, now) -> o.path("webhooks").size()),
                Column.ageColumn());
    }

    /** kubectl's columns for PriorityClasses: NAME, VALUE, GLOBAL-DEFAULT, AGE, PREEMPTIONPOLICY. */
    public static List<Column> priorityClasses() {
        return List.of(Column.nameColumn(),
                Column.integer("Value", "Value of the priority class.", (o, now) -> o.path("value").asLong(0)),
                new Column("Global-Default", "boolean", "", "Whether this is the default priority class.", 0,
                        (o, now) -> o.path("globalDefault").asBoolean(false)),
                Column.ageColumn(),
                Column.string("PreemptionPolicy", "The policy for preempting lower-priority pods.",
                        (o, now) -> Cells.text(o, "preemptionPolicy", "PreemptLowerPriority")));
    }

    public static List<Column> roles() {
        return List.of(Column.nameColumn(), new Column("Created At", "string", "",
                "CreationTimestamp is a timestamp representing the server time when this object was created.", 0,
                (o, now) -> Cells.text(o, "metadata.creationTimestamp", "")));
    }

    private static String subjects(ObjectNode binding, String kind) {
        List<String> names = new ArrayList<>();
        for (JsonNode s : Cells.list(binding, "subjects")) {
            if (kind.equals(Cells.text(s, "kind", ""))) {
                String ns = Cells.text(s, "namespace", "");
                names.add(kind.equals("ServiceAccount") ? ns + ":" + Cells.text(s, "name", "")
                        : Cells.text(s, "name", ""));
            }
        }
        return String.join(", ", names);
    }

    private static int size(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        return n != null && n.isObject() ? n.size() : 0;
    }
}
